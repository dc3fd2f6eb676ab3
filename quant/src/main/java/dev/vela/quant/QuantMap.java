package dev.vela.quant;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A quantization map: the sorted values a code can stand for, in units of the block's absmax,
 * so that code c of a block with absmax a dequantizes to {@code value(c) * a}. Maps are values:
 * immutable, compared by their codes.
 *
 * <p>8-bit maps have 256 codes and a code is the index of its value. 4-bit maps (NF4, FP4) have
 * 16 values; their code is the 4-bit pattern the format assigns, which for FP4 is not the sorted
 * position ({@link #code(int)} gives it).
 *
 * <p>Nearest-code rounding: a normalised input x gets the value closest to it in exact
 * arithmetic; when x lies exactly halfway between two values, the lower value wins (the rule of
 * bitsandbytes' reference PyTorch path, which searches the midpoints from below). Among equal
 * values (the linear signed map holds 0 twice) the lower index wins. To make this exact in
 * float arithmetic the map keeps, for each pair of neighbours, the largest float not above
 * their exact midpoint ({@link #threshold(int)}): x goes above it exactly when x is nearer the
 * upper value.
 */
public final class QuantMap {

    private final String name;
    private final float[] values;
    private final byte[] codes;
    private final float[] thresholds;
    private final float[] byCode;
    private final int zeroCode;
    /** thresholds followed by +Inf, so a bucket's compares never run past the end. */
    private final float[] padded;
    /** Per bucket of inputs sharing their sign and top 15 magnitude bits: the first candidate index. */
    private final byte[] bucketBase;
    /** Threshold compares a bucket needs at most: its inputs' indices span [base, base + depth]. */
    private final int depth;
    /** The SIMD quantizer's table search, or null where the map has none. */
    private final @Nullable GatherSearch gather;

    private QuantMap(String name, float[] values, byte[] codes) {
        for (int i = 1; i < values.length; i++) {
            if (!(values[i - 1] <= values[i])) {
                throw new IllegalStateException(name + " values are not sorted at " + i);
            }
        }
        this.name = name;
        this.values = values;
        this.codes = codes;
        this.thresholds = thresholds(values);
        this.byCode = new float[values.length];
        for (int k = 0; k < values.length; k++) {
            byCode[codes[k] & 0xFF] = values[k];
        }
        this.padded = java.util.Arrays.copyOf(thresholds, thresholds.length + 1);
        padded[thresholds.length] = Float.POSITIVE_INFINITY;
        this.bucketBase = new byte[2 * BUCKETS_PER_SIGN];
        int d = 0;
        for (int key = 0; key < BUCKETS_PER_SIGN; key++) {
            for (int sign = 0; sign < 2; sign++) {
                // the bucket's floats: top 16 bits fixed, low 16 bits anything
                float a = Float.intBitsToFloat(sign << 31 | key << 16);
                float b = Float.intBitsToFloat(sign << 31 | key << 16 | 0xFFFF);
                float lo = Math.min(a, b), hi = Math.max(a, b);
                int first = searchIndex(Math.max(lo, -1f)), last = searchIndex(Math.min(hi, 1f));
                bucketBase[sign * BUCKETS_PER_SIGN + key] = (byte) first;
                d = Math.max(d, last - first);
            }
        }
        this.depth = d;
        this.zeroCode = codes[nearestIndex(0f)] & 0xFF;
        boolean identity = true;
        for (int k = 0; k < codes.length; k++) {
            identity &= (codes[k] & 0xFF) == k;
        }
        this.gather = GatherSearch.of(this, values, identity);
    }

    /** Buckets per sign: the top 16 bits of every float in [0, 1] (1f is 0x3F80_0000). */
    private static final int BUCKETS_PER_SIGN = 0x3F81;

    private static float[] thresholds(float[] values) {
        int n = values.length;
        float[] t = new float[n - 1];
        for (int k = n - 2; k >= 0; k--) {
            if (values[k] == values[k + 1]) {
                // equal values: the lower index must win every input the pair is nearest to
                t[k] = k + 1 < n - 1 ? t[k + 1] : Float.POSITIVE_INFINITY;
                continue;
            }
            // the midpoint of two floats of at most 2^29 ratio is exact in double
            double mid = ((double) values[k] + values[k + 1]) / 2;
            float f = (float) mid;
            t[k] = f <= mid ? f : Math.nextDown(f);
        }
        return t;
    }

    /**
     * The dynamic (tree) map of bitsandbytes with its defaults (7 exponent bits, 8 bits): 256
     * codes spanning 7 decades, signed (-0.99297 .. 1, with 0 at index 127) or unsigned
     * (0 .. 1, for non-negative data such as Adam's second moment).
     */
    public static QuantMap dynamic(boolean signed) {
        return dynamic(signed, 7, 8);
    }

    /**
     * The dynamic map built as bitsandbytes' {@code create_dynamic_map(signed, max_exponent_bits,
     * total_bits)} builds it, in float32: for decade i = 0 .. E-1, n_i equal slices of [0.1, 1]
     * (n_i = 2^(i + T - 1 - E) signed, twice that unsigned; fractional counts give none), their
     * midpoints scaled by 10^(i - E + 1) (and negated too when signed); 2^(T - 1 - E) - 1 extra
     * midpoints at scale 1; then 0 and 1; zeros up to 256 codes; sorted.
     *
     * @throws IllegalArgumentException naming the argument when totalBits is not in [2, 8] or
     *     maxExponentBits not in [1, totalBits - 1], or the parameters do not make 256 codes
     */
    public static QuantMap dynamic(boolean signed, int maxExponentBits, int totalBits) {
        if (totalBits < 2 || totalBits > 8) {
            throw new IllegalArgumentException("totalBits must be in [2, 8], was " + totalBits);
        }
        if (maxExponentBits < 1 || maxExponentBits > totalBits - 1) {
            throw new IllegalArgumentException("maxExponentBits must be in [1, totalBits - 1 = " + (totalBits - 1)
                    + "], was " + maxExponentBits);
        }
        float[] data = new float[512];
        int size = 0;
        int nonSign = totalBits - 1;
        int i = 0;
        for (; i < maxExponentBits; i++) {
            int exponent = signed ? i + nonSign - maxExponentBits : i + nonSign - maxExponentBits + 1;
            int items = exponent >= 0 ? (1 << exponent) + 1 : 1;
            size = addMidpoints(data, size, items, (float) Math.pow(10, i - (maxExponentBits - 1)), signed);
        }
        int additional = (1 << Math.max(0, nonSign - maxExponentBits)) - 1;
        if (additional > 0) {
            size = addMidpoints(data, size, additional + 1, (float) Math.pow(10, i - 1 - (maxExponentBits - 1)),
                    signed);
        }
        data[size++] = 0f;
        data[size++] = 1f;
        if (size != 1 << totalBits) {
            throw new IllegalArgumentException("signed=" + signed + ", maxExponentBits=" + maxExponentBits
                    + ", totalBits=" + totalBits + " make " + size + " codes, not 2^totalBits");
        }
        float[] values = Arrays.copyOf(data, 256); // zeros pad maps of fewer than 8 bits
        Arrays.sort(values);
        return new QuantMap("dynamic(" + (signed ? "signed" : "unsigned") + ", " + maxExponentBits + ", "
                + totalBits + ")", values, identityCodes(256));
    }

    /**
     * The midpoints of the {@code items - 1} slices of torch.linspace(0.1, 1, items) in float32
     * (torch's linspace: the first half counts up from 0.1, the second down from 1, each point
     * one fused multiply-add), times {@code scale}, negated too when signed.
     */
    private static int addMidpoints(float[] data, int size, int items, float scale, boolean signed) {
        if (items < 2) {
            return size;
        }
        float a = 0.1f, b = 1f;
        float step = (b - a) / (float) (items - 1);
        float[] points = new float[items];
        for (int j = 0; j < items; j++) {
            points[j] = j < items / 2 ? Math.fma(step, (float) j, a) : Math.fma(-step, (float) (items - 1 - j), b);
        }
        for (int j = 0; j + 1 < items; j++) {
            float mean = (points[j] + points[j + 1]) / 2f;
            data[size++] = scale * mean;
        }
        if (signed) {
            for (int j = 0; j + 1 < items; j++) {
                float mean = (points[j] + points[j + 1]) / 2f;
                data[size++] = -scale * mean;
            }
        }
        return size;
    }

    /**
     * The linear map (absmax integer quantization). Signed: k / 127 for k = -127 .. 127 with 0
     * twice (bitsandbytes' {@code create_linear_map}: 255 evenly spaced values and one extra
     * zero), so code 127 + k holds k / 127 for k <= 0 and code 128 + k for k >= 0. Unsigned:
     * k / 255 for k = 0 .. 255.
     */
    public static QuantMap linear(boolean signed) {
        float[] values = new float[256];
        if (signed) {
            for (int k = -127; k <= 0; k++) {
                values[127 + k] = k / 127f;
            }
            for (int k = 0; k <= 127; k++) {
                values[128 + k] = k / 127f;
            }
        } else {
            for (int k = 0; k < 256; k++) {
                values[k] = k / 255f;
            }
        }
        return new QuantMap("linear(" + (signed ? "signed" : "unsigned") + ")", values, identityCodes(256));
    }

    /**
     * NormalFloat4 (QLoRA): 16 values from the quantiles of N(0, 1), scaled to [-1, 1], with an
     * exact 0; code = sorted index.
     */
    public static QuantMap nf4() {
        float[] values = {-1f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
            -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0f, 0.07958029955625534f,
            0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f,
            0.5626170039176941f, 0.7229568362236023f, 1f};
        return new QuantMap("nf4", values, identityCodes(16));
    }

    /**
     * FP4 (1 sign bit, 2 exponent bits, 1 mantissa bit) as bitsandbytes defines it: bit 3 is the
     * sign, the low three bits give the magnitude in twelfths of the absmax (000 -> 0, 001 ->
     * 0.0625, 010 -> 8, 011 -> 12, 100 -> 4, 101 -> 6, 110 -> 2, 111 -> 3). The negative zero
     * (1000) is never produced.
     */
    public static QuantMap fp4() {
        float[] magnitude = {0f, 0.0625f, 8f, 12f, 4f, 6f, 2f, 3f};
        float[] values = new float[16];
        byte[] codes = new byte[16];
        Integer[] order = new Integer[16];
        for (int c = 0; c < 16; c++) {
            order[c] = c;
        }
        // sort the 16 patterns by value, +0 (pattern 0) before -0 (pattern 8): among equal values
        // the lower index wins, so -0 is never produced
        Arrays.sort(order, (x, y) -> {
            float vx = fp4Value(magnitude, x) + 0f, vy = fp4Value(magnitude, y) + 0f;
            int byValue = Float.compare(vx, vy);
            return byValue != 0 ? byValue : Integer.compare(x, y);
        });
        for (int k = 0; k < 16; k++) {
            values[k] = fp4Value(magnitude, order[k]) + 0f; // -0 stored as +0: both decode to zero
            codes[k] = (byte) (int) order[k];
        }
        return new QuantMap("fp4", values, codes);
    }

    private static float fp4Value(float[] magnitude, int c) {
        float m = magnitude[c & 7] / 12f;
        return (c & 8) != 0 ? -m : m;
    }

    private static byte[] identityCodes(int n) {
        byte[] c = new byte[n];
        for (int i = 0; i < n; i++) {
            c[i] = (byte) i;
        }
        return c;
    }

    /** A name such as {@code dynamic(signed, 7, 8)}, {@code linear(unsigned)}, {@code nf4}. */
    public String name() {
        return name;
    }

    /** Bits per code: 8 or 4. */
    public int bits() {
        return values.length == 256 ? 8 : 4;
    }

    /** Number of values (256 or 16). */
    public int size() {
        return values.length;
    }

    /** The k-th smallest value, in units of the block absmax. */
    public float value(int k) {
        return values[k];
    }

    /** A copy of the sorted values. */
    public float[] values() {
        return values.clone();
    }

    /** The code stored for the k-th smallest value (k itself for every map except FP4). */
    public int code(int k) {
        return codes[k] & 0xFF;
    }

    /**
     * The largest float not above the exact midpoint of values k and k + 1 (for equal values,
     * the next distinct pair's): x rounds to a value above k exactly when x > threshold(k).
     */
    public float threshold(int k) {
        return thresholds[k];
    }

    /** A copy of the thresholds, {@code size() - 1} of them. */
    public float[] thresholds() {
        return thresholds.clone();
    }

    /** The value a stored code stands for (the inverse of {@link #code(int)}). */
    public float decode(int code) {
        if (code < 0 || code >= byCode.length) {
            throw new IllegalArgumentException("code must be in [0, " + size() + "), was " + code);
        }
        return byCode[code];
    }

    /**
     * The sorted index of the value nearest x (ties to the lower value). NaN gets index 0; x
     * outside [-1, 1] gets the index of -1 or 1 (every value lies in [-1, 1]).
     *
     * <p>A table indexed by x's sign and top 15 magnitude bits gives the first candidate, and at
     * most {@link #depth} (1 or 2) threshold compares finish the search: about 3 ns per input
     * where a binary search over the 255 thresholds took 9 (1 thread, 2^20 normal inputs).
     */
    public int nearestIndex(float x) {
        if (!(x >= -1f)) {
            if (x != x) {
                return 0;
            }
            x = -1f;
        } else if (x > 1f) {
            x = 1f;
        }
        return nearestIndexOfNormalised(x);
    }

    /**
     * {@link #nearestIndex} for x in [-1, 1] or within rounding of it (x times the reciprocal of
     * a block's absmax): such x share a table bucket with -1 or 1, so no clamping is needed.
     */
    int nearestIndexOfNormalised(float x) {
        int bits = Float.floatToRawIntBits(x);
        int k = bucketBase[(bits >>> 16 & 0x7FFF) + (bits >>> 31) * BUCKETS_PER_SIGN] & 0xFF;
        // x > t as the sign bit of t - x (never -0 for t != x, +0 for t == x, +Inf above the
        // last threshold): a data-dependent branch here mispredicted half the time
        k += Float.floatToRawIntBits(padded[k] - x) >>> 31;
        for (int j = 1; j < depth; j++) {
            k += Float.floatToRawIntBits(padded[k] - x) >>> 31;
        }
        return k;
    }

    /** The number of thresholds below x, by binary search: the definition the table follows. */
    private int searchIndex(float x) {
        int k = 0;
        for (int step = Integer.highestOneBit(thresholds.length); step > 0; step >>= 1) {
            if (k + step - 1 < thresholds.length && x > thresholds[k + step - 1]) {
                k += step;
            }
        }
        return k;
    }

    /** Threshold compares {@link #nearestIndex} makes after its table read (package-private, for tests). */
    int depth() {
        return depth;
    }

    /** The values indexed by stored code (shared, not copied: package-private). */
    float[] byCode() {
        return byCode;
    }

    /** The table search of the SIMD quantizer, or null (package-private). */
    @Nullable GatherSearch gather() {
        return gather;
    }

    /** The stored code of value 0 (every map holds 0; the lowest index among equal zeros). */
    int zeroCode() {
        return zeroCode;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantMap m && Arrays.equals(values, m.values) && Arrays.equals(codes, m.codes);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(values) + Arrays.hashCode(codes);
    }

    @Override
    public String toString() {
        return name;
    }
}
