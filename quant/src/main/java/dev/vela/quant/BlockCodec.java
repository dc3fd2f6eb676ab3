package dev.vela.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The per-block arithmetic of block-wise quantization, in plain loops: one place for the rules
 * every path follows (absmax, normalisation, nearest or stochastic code, 4-bit packing,
 * non-finite and zero blocks).
 *
 * <p>Normalisation multiplies by the reciprocal of the absmax in float32, as bitsandbytes does.
 * Where the absmax is subnormal its reciprocal would overflow, so both are first scaled by
 * 2^64 (exactly). A block whose absmax is 0 gets the zero code everywhere; a block holding NaN
 * or an infinity stores its absmax (NaN, or +Inf) and the zero code everywhere, so it
 * dequantizes to NaN (0 * NaN, 0 * Inf) in every element.
 */
final class BlockCodec {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfByte B = ValueLayout.JAVA_BYTE;
    private static final float SCALE_UP = 0x1p64f;

    private BlockCodec() {
    }

    /** max |x[i]| over the block, NaN if any element is NaN. */
    static float absmax(MemorySegment x, long xo, int n) {
        // the largest |x| bit pattern: NaN patterns lie above infinity's, so NaN wins, as in
        // Math.max, without Math.max's branches (measured: the block loop ran about 3x faster)
        MemorySegment xs = x.asSlice(xo * Float.BYTES, (long) n * Float.BYTES);
        int max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Float.floatToRawIntBits(xs.getAtIndex(F, i)) & 0x7FFFFFFF);
        }
        return max > 0x7F800000 ? Float.NaN : Float.intBitsToFloat(max);
    }

    /** The factor that turns x * pre into units of the absmax, and pre itself (1 or 2^64). */
    static float pre(float absmax) {
        return absmax < Float.MIN_NORMAL ? SCALE_UP : 1f;
    }

    static float inverse(float absmax) {
        return 1f / (absmax * pre(absmax));
    }

    /** Whether a block with this absmax gets the zero code in every element. */
    static boolean allZeroCode(float absmax) {
        return absmax == 0f || !Float.isFinite(absmax);
    }

    /**
     * Quantizes one block of n elements to the nearest codes; returns its absmax. 8-bit codes
     * go to byte co + i; 4-bit ones are packed two per byte from byte co, element i in the high
     * nibble when i is even (an odd n, only in a tensor's last block, pads with the zero code).
     */
    static float quantizeNearest(QuantMap map, MemorySegment x, long xo, int n, MemorySegment codes, long co) {
        return quantizeNearest(map, x, xo, n, codes, co, false);
    }

    /**
     * {@link #quantizeNearest}, with bitsandbytes' sign fix when {@code keepSign} (8-bit maps):
     * where the code's value has another sign than x (a tiny x rounded to 0, say), the code moves
     * one step toward x's sign, so a small moment never becomes exactly 0 or flips sign.
     */
    static float quantizeNearest(QuantMap map, MemorySegment x, long xo, int n, MemorySegment codes, long co,
                                 boolean keepSign) {
        float absmax = absmax(x, xo, n);
        if (allZeroCode(absmax)) {
            fillZero(map, codes, co, n);
            return absmax;
        }
        float pre = pre(absmax), inv = inverse(absmax);
        if (map.bits() == 8) {
            // int-indexed slices: C2 hoists their bounds checks, which long indices kept in the loop
            MemorySegment xs = x.asSlice(xo * Float.BYTES, (long) n * Float.BYTES), cs = codes.asSlice(co, n);
            for (int i = 0; i < n; i++) {
                cs.set(B, i, (byte) code8(map, xs.getAtIndex(F, i), pre, inv, keepSign));
            }
        } else {
            for (int i = 0; i < n; i += 2) {
                int hi = map.code(map.nearestIndexOfNormalised(x.getAtIndex(F, xo + i) * pre * inv));
                int lo = i + 1 < n ? map.code(map.nearestIndexOfNormalised(x.getAtIndex(F, xo + i + 1) * pre * inv)) : map.zeroCode();
                codes.set(B, co + i / 2, (byte) (hi << 4 | lo));
            }
        }
        return absmax;
    }

    /** The 8-bit code of element xi of a block with these factors (see {@link #quantizeNearest}). */
    static int code8(QuantMap map, float xi, float pre, float inv, boolean keepSign) {
        int c = map.code(map.nearestIndexOfNormalised(xi * pre * inv));
        if (keepSign) {
            float v = map.byCode()[c];
            c += xi > 0 && !(v > 0) && c < 255 ? 1 : xi < 0 && !(v < 0) && c > 0 ? -1 : 0;
        }
        return c;
    }

    /**
     * Quantizes one block with stochastic rounding: between the values lo <= x <= hi that
     * bracket the normalised x, the upper one is taken with probability (x - lo) / (hi - lo),
     * decided by the 24-bit uniform {@link #uniform} of (seed, element index {@code index0 + i});
     * x outside the map's range takes its end value. Returns the absmax.
     */
    static float quantizeStochastic(QuantMap map, MemorySegment x, long xo, int n, MemorySegment codes, long co,
                                    long seed, long index0) {
        float absmax = absmax(x, xo, n);
        if (allZeroCode(absmax)) {
            fillZero(map, codes, co, n);
            return absmax;
        }
        float pre = pre(absmax), inv = inverse(absmax);
        if (map.bits() == 8) {
            for (int i = 0; i < n; i++) {
                codes.set(B, co + i, (byte) stochasticCode(map, x.getAtIndex(F, xo + i) * pre * inv, seed, index0 + i));
            }
        } else {
            for (int i = 0; i < n; i += 2) {
                int hi = stochasticCode(map, x.getAtIndex(F, xo + i) * pre * inv, seed, index0 + i);
                int lo = i + 1 < n ? stochasticCode(map, x.getAtIndex(F, xo + i + 1) * pre * inv, seed, index0 + i + 1)
                        : map.zeroCode();
                codes.set(B, co + i / 2, (byte) (hi << 4 | lo));
            }
        }
        return absmax;
    }

    private static int stochasticCode(QuantMap map, float x, long seed, long index) {
        return map.code(stochasticIndex(map, x, uniform(seed, index)));
    }

    /** The sorted index chosen for normalised x and uniform u in [0, 1). */
    static int stochasticIndex(QuantMap map, float x, float u) {
        int size = map.size();
        if (!(x > map.value(0))) {
            return 0;
        }
        if (x >= map.value(size - 1)) {
            return size - 1;
        }
        // lo = the last index whose value is <= x, hi = lo + 1 (value(0) < x < value(size - 1))
        int lo = 0;
        for (int step = Integer.highestOneBit(size - 1); step > 0; step >>= 1) {
            if (lo + step < size && map.value(lo + step) <= x) {
                lo += step;
            }
        }
        float low = map.value(lo), high = map.value(lo + 1);
        return u < (x - low) / (high - low) ? lo + 1 : lo;
    }

    /** 24 uniform bits of (seed, index) as a float in [0, 1): SplitMix64's finaliser. */
    static float uniform(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 40) * 0x1p-24f;
    }

    /** Dequantizes one block: out[i] = value(code) * absmax. */
    static void dequantize(QuantMap map, MemorySegment codes, long co, float absmax, int n, MemorySegment out,
                           long oo) {
        float[] table = map.byCode();
        if (map.bits() == 8) {
            MemorySegment cs = codes.asSlice(co, n), os = out.asSlice(oo * Float.BYTES, (long) n * Float.BYTES);
            for (int i = 0; i < n; i++) {
                os.setAtIndex(F, i, table[cs.get(B, i) & 0xFF] * absmax);
            }
        } else {
            for (int i = 0; i < n; i++) {
                int packed = codes.get(B, co + i / 2);
                int code = i % 2 == 0 ? packed >>> 4 & 0xF : packed & 0xF;
                out.setAtIndex(F, oo + i, table[code] * absmax);
            }
        }
    }

    static void fillZero(QuantMap map, MemorySegment codes, long co, int n) {
        int z = map.zeroCode();
        if (map.bits() == 8) {
            codes.asSlice(co, n).fill((byte) z);
        } else {
            codes.asSlice(co, (n + 1) / 2).fill((byte) (z << 4 | z));
        }
    }
}
