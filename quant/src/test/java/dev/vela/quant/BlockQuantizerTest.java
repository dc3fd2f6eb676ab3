package dev.vela.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vela.kernels.Capabilities;
import dev.vela.kernels.Implementation;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BlockQuantizerTest {

    private static final VelaPool POOL3 = VelaPool.create(3);
    private static final BlockQuantizer ONE = BlockQuantizer.create(VelaPool.create(1));
    private static final BlockQuantizer THREE = BlockQuantizer.create(POOL3);

    // ---- a plain reference, from the documented rules ----------------------------------------

    /** The codes a block gets: nearest value by exact search over x * pre * (1 / (absmax * pre)). */
    static int[] referenceCodes(QuantMap map, float[] x, int blockSize) {
        int[] codes = new int[x.length];
        for (int b0 = 0; b0 < x.length; b0 += blockSize) {
            int b1 = Math.min(x.length, b0 + blockSize);
            float absmax = referenceAbsmax(x, b0, b1);
            for (int i = b0; i < b1; i++) {
                if (absmax == 0 || !Float.isFinite(absmax)) {
                    codes[i] = map.code(QuantMapTest.exhaustive(map, 0f));
                } else {
                    float pre = absmax < Float.MIN_NORMAL ? 0x1p64f : 1f;
                    float inv = 1f / (absmax * pre);
                    codes[i] = map.code(QuantMapTest.exhaustive(map, x[i] * pre * inv));
                }
            }
        }
        return codes;
    }

    static float referenceAbsmax(float[] x, int b0, int b1) {
        float m = 0;
        for (int i = b0; i < b1; i++) {
            if (Float.isNaN(x[i])) {
                return Float.NaN;
            }
            m = Math.max(m, Math.abs(x[i]));
        }
        return m;
    }

    static int codeAt(Quantized q, int i) {
        if (q.map().bits() == 8) {
            return q.codes()[i] & 0xFF;
        }
        int packed = q.codes()[i / 2] & 0xFF;
        return i % 2 == 0 ? packed >>> 4 : packed & 0xF;
    }

    // ---- properties ------------------------------------------------------------------------------

    @Provide
    Arbitrary<QuantMap> maps() {
        return Arbitraries.of(QuantMap.dynamic(true), QuantMap.dynamic(false), QuantMap.linear(true),
                QuantMap.linear(false), QuantMap.nf4(), QuantMap.fp4());
    }

    /** Every implementation this JVM can run (the Vector API one where it is available). */
    @Provide
    Arbitrary<Implementation> implementations() {
        return Capabilities.current().vectorAvailable()
                ? Arbitraries.of(Implementation.SCALAR, Implementation.VECTOR) : Arbitraries.just(Implementation.SCALAR);
    }

    /** Random data (with special values mixed in) of lengths 0..3*16+1 and beyond, at odd offsets. */
    @Property(tries = 200)
    void codesAndAbsmaxAreTheReferences(@ForAll("implementations") Implementation implementation,
                                        @ForAll("maps") QuantMap map, @ForAll @IntRange(min = 0, max = 9000) int n,
                                        @ForAll @IntRange(min = 6, max = 12) int log2Block,
                                        @ForAll @IntRange(min = 0, max = 7) int offset, @ForAll long seed) {
        int bs = 1 << log2Block;
        n = n % 3 == 0 ? n % 50 : n;
        BlockQuantizer quantizer = BlockQuantizer.create(implementation, POOL3);
        float[] x = data(new SplittableRandom(seed), n, true);
        BlockLayout layout = new BlockLayout(n, bs);
        int[] expected = referenceCodes(map, x, bs);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment xs = arena.allocate(4L * (n + offset), 4);
            MemorySegment.copy(x, 0, xs, ValueLayout.JAVA_FLOAT, 4L * offset, n);
            long cb = BlockQuantizer.codeBytes(map, n);
            MemorySegment codes = arena.allocate(cb + offset), absmax = arena.allocate(4L * (layout.blocks() + offset), 4);
            quantizer.quantize(map, layout, xs, offset, codes, offset, absmax, offset);
            byte[] c = codes.asSlice(offset, cb).toArray(ValueLayout.JAVA_BYTE);
            float[] a = absmax.asSlice(4L * offset).toArray(ValueLayout.JAVA_FLOAT);
            Quantized q = new Quantized(map, layout, c, java.util.Arrays.copyOf(a, (int) layout.blocks()));
            for (int i = 0; i < n; i++) {
                assertEquals(expected[i], codeAt(q, i), map + " element " + i + " = " + x[i]);
            }
            for (int b = 0; b < layout.blocks(); b++) {
                int b0 = b * bs;
                assertEquals(referenceAbsmax(x, b0, Math.min(n, b0 + bs)), q.absmax()[b], "absmax of block " + b);
            }
            // dequantize: value(code) * absmax, element by element
            MemorySegment out = arena.allocate(4L * (n + offset), 4);
            quantizer.dequantize(map, layout, codes, offset, absmax, offset, out, offset);
            for (int i = 0; i < n; i++) {
                float expectedValue = map.decode(codeAt(q, i)) * q.absmax()[i / bs];
                assertEquals(expectedValue, out.getAtIndex(ValueLayout.JAVA_FLOAT, offset + i), "dequantized " + i);
            }
        }
    }

    static float[] data(SplittableRandom r, int n, boolean specials) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * Math.exp(r.nextDouble(-8, 3)));
        }
        if (specials && n > 0) {
            float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_NORMAL, 1e-40f, Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, Float.NaN, Float.NEGATIVE_INFINITY};
            int count = r.nextInt(4);
            for (int k = 0; k < count; k++) {
                x[r.nextInt(n)] = special[r.nextInt(special.length)];
            }
            if (r.nextInt(4) == 0) { // a whole zero stretch, sometimes a whole block
                int from = r.nextInt(n);
                java.util.Arrays.fill(x, from, Math.min(n, from + r.nextInt(5000)), 0f);
            }
            if (r.nextInt(4) == 0) { // a stretch of subnormals: a block whose absmax is subnormal
                int from = r.nextInt(n);
                for (int i = from; i < Math.min(n, from + 4096); i++) {
                    x[i] = (float) (r.nextGaussian() * 1e-39);
                }
            }
        }
        return x;
    }

    @Property(tries = 40)
    void resultsDoNotDependOnTheThreadCount(@ForAll("maps") QuantMap map, @ForAll long seed,
                                            @ForAll @IntRange(min = 0, max = 200_000) int n) {
        float[] x = data(new SplittableRandom(seed), n, true);
        Quantized a = ONE.quantize(map, 256, x), b = THREE.quantize(map, 256, x);
        assertArrayEquals(a.codes(), b.codes());
        assertArrayEquals(a.absmax(), b.absmax());
        Quantized sa = ONE.quantizeStochastic(map, 256, seed, x), sb = THREE.quantizeStochastic(map, 256, seed, x);
        assertArrayEquals(sa.codes(), sb.codes());
        assertArrayEquals(ONE.dequantize(sa), THREE.dequantize(sb));
    }

    // ---- published error thresholds ---------------------------------------------------------------

    /**
     * Mean absolute and relative error (|err| / |x + 1e-8|) on 1024 x 1024 samples, against the
     * thresholds of bitsandbytes' tests/test_functional.py (test_dynamic_blockwise_quantization):
     * N(0, 1) abs < 0.011, rel < 0.018; U[0, 1) with the signed map abs < 0.0036, rel < 0.015,
     * with the unsigned map abs < 0.0023, rel < 0.012. U(-1, 1) with the signed map is held to
     * the U[0, 1) signed thresholds (the map is nearly symmetric).
     */
    @ParameterizedTest
    @ValueSource(ints = {64, 128, 256, 512, 1024, 2048, 4096})
    void errorsAreWithinTheReferenceProjectsThresholds(int blockSize) {
        SplittableRandom r = new SplittableRandom(blockSize);
        int n = 1 << 20;
        float[] normal = new float[n], unit = new float[n], symmetric = new float[n];
        for (int i = 0; i < n; i++) {
            normal[i] = (float) r.nextGaussian();
            unit[i] = (float) r.nextDouble();
            symmetric[i] = (float) r.nextDouble(-1, 1);
        }
        QuantMap signed = QuantMap.dynamic(true), unsigned = QuantMap.dynamic(false);
        assertErrors(signed, blockSize, normal, 0.011, 0.018);
        assertErrors(signed, blockSize, unit, 0.0036, 0.015);
        assertErrors(unsigned, blockSize, unit, 0.0023, 0.012);
        assertErrors(signed, blockSize, symmetric, 0.0036, 0.015);
    }

    /**
     * 4-bit: bitsandbytes' test_4bit_quant means of the absolute error on N(0, 1) (NF4 at block
     * 64: 0.07280, FP4: 0.09654; at 4096: 0.09255 and 0.12954), which its limits exceed by 7
     * standard deviations; held here to the mean plus 2%, and its rel < 0.28 bound.
     */
    @ParameterizedTest
    @ValueSource(ints = {64, 4096})
    void fourBitErrorsMatchThePublishedMeans(int blockSize) {
        SplittableRandom r = new SplittableRandom(7);
        float[] normal = new float[1 << 20];
        for (int i = 0; i < normal.length; i++) {
            normal[i] = (float) r.nextGaussian();
        }
        double nf4 = blockSize == 64 ? 0.07280 : 0.09255, fp4 = blockSize == 64 ? 0.09654 : 0.12954;
        assertErrors(QuantMap.nf4(), blockSize, normal, nf4 * 1.02, blockSize == 64 ? 0.28 : Double.MAX_VALUE);
        assertErrors(QuantMap.fp4(), blockSize, normal, fp4 * 1.02, blockSize == 64 ? 0.28 : Double.MAX_VALUE);
    }

    private static void assertErrors(QuantMap map, int blockSize, float[] x, double maxAbs, double maxRel) {
        float[] back = THREE.dequantize(THREE.quantize(map, blockSize, x));
        double abs = 0, rel = 0;
        for (int i = 0; i < x.length; i++) {
            double e = Math.abs((double) x[i] - back[i]);
            abs += e;
            rel += e / Math.abs(x[i] + 1e-8);
        }
        abs /= x.length;
        rel /= x.length;
        assertTrue(abs < maxAbs, map + " block " + blockSize + ": mean abs error " + abs + " >= " + maxAbs);
        assertTrue(rel < maxRel, map + " block " + blockSize + ": mean rel error " + rel + " >= " + maxRel);
    }

    // ---- exact cases -------------------------------------------------------------------------------

    /** Inputs that are code values times a block's absmax come back exactly. */
    @Property(tries = 60)
    void codeValuesRoundTripExactly(@ForAll("maps") QuantMap map, @ForAll long seed,
                                    @ForAll @IntRange(min = 1, max = 3000) int n) {
        SplittableRandom r = new SplittableRandom(seed);
        int bs = 64 << r.nextInt(4);
        float[] x = new float[n];
        for (int b0 = 0; b0 < n; b0 += bs) {
            float scale = (float) Math.exp(r.nextDouble(-20, 20));
            for (int i = b0; i < Math.min(n, b0 + bs); i++) {
                x[i] = map.value(r.nextInt(map.size())) * scale;
            }
            x[b0] = map.value(map.size() - 1) * scale; // the block's absmax is the value 1 * scale
        }
        Quantized q = THREE.quantize(map, bs, x);
        assertArrayEquals(x, THREE.dequantize(q));
    }

    @Test
    void zeroBlocksStoreZeroAndComeBackAsZeros() {
        float[] x = new float[300];
        for (int i = 256; i < 300; i++) {
            x[i] = i;
        }
        for (QuantMap map : List.of(QuantMap.dynamic(true), QuantMap.dynamic(false), QuantMap.nf4())) {
            Quantized q = ONE.quantize(map, 256, x);
            assertEquals(0f, q.absmax()[0]);
            float[] back = ONE.dequantize(q);
            for (int i = 0; i < 256; i++) {
                assertEquals(0f, Math.abs(back[i]), map + " " + i);
            }
            assertEquals(299f, back[299], 299f * 0.01f, "the tail block (44 elements) is its own block");
        }
    }

    @Test
    void nonFiniteValuesPoisonOnlyTheirOwnBlock() {
        float[] x = new float[64 * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        x[5] = Float.NaN;
        x[64 + 9] = Float.NEGATIVE_INFINITY;
        Quantized q = ONE.quantize(QuantMap.dynamic(true), 64, x);
        assertTrue(Float.isNaN(q.absmax()[0]));
        assertEquals(Float.POSITIVE_INFINITY, q.absmax()[1]);
        float[] back = ONE.dequantize(q);
        for (int i = 0; i < 128; i++) {
            assertTrue(Float.isNaN(back[i]), "element " + i + " of a non-finite block is NaN");
        }
        for (int i = 128; i < 192; i++) {
            assertEquals(x[i], back[i], 0.02, "element " + i);
        }
    }

    @Test
    void fourBitCodesArePackedHighNibbleFirstWithAZeroPad() {
        float[] x = {1f, -1f, 0f};
        Quantized q = ONE.quantize(QuantMap.nf4(), 64, x);
        assertEquals(2, q.codes().length);
        assertEquals((byte) 0xF0, q.codes()[0], "1 -> code 15 high, -1 -> code 0 low");
        assertEquals((byte) 0x77, q.codes()[1], "0 -> code 7, padded with 7");
        assertArrayEquals(x, ONE.dequantize(q));
        Quantized f = ONE.quantize(QuantMap.fp4(), 64, new float[] {-1f, 0.5f});
        assertEquals((byte) 0xB5, f.codes()[0], "-1 -> 1011, 0.5 -> 0101");
    }

    // ---- stochastic rounding ----------------------------------------------------------------------

    @Test
    void stochasticRoundingIsUnbiasedAndStaysWithinOneCode() {
        QuantMap map = QuantMap.dynamic(true);
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        Quantized nearest = ONE.quantize(map, 4096, x);
        double[] mean = new double[x.length];
        int seeds = 400, up = 0, down = 0;
        for (int s = 0; s < seeds; s++) {
            Quantized q = ONE.quantizeStochastic(map, 4096, s, x);
            float[] back = ONE.dequantize(q);
            for (int i = 0; i < x.length; i++) {
                int d = (q.codes()[i] & 0xFF) - (nearest.codes()[i] & 0xFF);
                assertTrue(Math.abs(d) <= 1, "element " + i + " moved " + d + " codes");
                up += d > 0 ? 1 : 0;
                down += d < 0 ? 1 : 0;
                mean[i] += back[i] / seeds;
            }
        }
        double bias = 0, spread = 0;
        for (int i = 0; i < x.length; i++) {
            bias += mean[i] - x[i];
            spread += Math.abs(mean[i] - x[i]);
        }
        assertEquals(0.0, bias / x.length, 2e-4, "mean of the stochastic estimates is x");
        assertTrue(spread / x.length < 2e-3, "per-element means near x: " + spread / x.length);
        // bitsandbytes' test (tag 0.35.0, 1024 x 1024 elements): as many codes rounded up as down,
        // within 1%. On 4096 fixed elements the imbalance is dominated by where those few
        // elements sit in their intervals (5% here), so the count runs on 2^20 elements.
        float[] big = new float[1 << 20];
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) r.nextGaussian();
        }
        byte[] bigNearest = THREE.quantize(map, 4096, big).codes();
        up = 0;
        down = 0;
        for (int s = 0; s < 4; s++) {
            byte[] codes = THREE.quantizeStochastic(map, 4096, 1000 + s, big).codes();
            for (int i = 0; i < big.length; i++) {
                int d = (codes[i] & 0xFF) - (bigNearest[i] & 0xFF);
                up += d > 0 ? 1 : 0;
                down += d < 0 ? 1 : 0;
            }
        }
        assertEquals(0.0, (double) (up - down) / (up + down), 0.01);
    }

    @Test
    void theSameSeedGivesTheSameCodes() {
        float[] x = data(new SplittableRandom(3), 10_000, false);
        QuantMap map = QuantMap.dynamic(false);
        float[] ax = x.clone();
        for (int i = 0; i < ax.length; i++) {
            ax[i] = Math.abs(ax[i]);
        }
        assertArrayEquals(THREE.quantizeStochastic(map, 256, 42, ax).codes(),
                THREE.quantizeStochastic(map, 256, 42, ax).codes());
        assertTrue(!java.util.Arrays.equals(THREE.quantizeStochastic(map, 256, 42, ax).codes(),
                THREE.quantizeStochastic(map, 256, 43, ax).codes()), "another seed, other codes");
    }

    // ---- bad input ---------------------------------------------------------------------------------

    @Test
    void badArgumentsAreNamedBeforeAnyWrite() {
        QuantMap map = QuantMap.dynamic(true);
        BlockLayout layout = new BlockLayout(1000, 256);
        MemorySegment x = MemorySegment.ofArray(new float[1000]);
        byte[] codeArray = new byte[1000];
        java.util.Arrays.fill(codeArray, (byte) 9);
        MemorySegment codes = MemorySegment.ofArray(codeArray);
        MemorySegment absmax = MemorySegment.ofArray(new float[4]);
        var e = assertThrows(IllegalArgumentException.class,
                () -> ONE.quantize(map, layout, x, 0, MemorySegment.ofArray(new byte[999]), 0, absmax, 0));
        assertTrue(e.getMessage().startsWith("codes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ONE.quantize(map, layout, x, 0, codes, 0, MemorySegment.ofArray(new float[3]), 0));
        assertTrue(e.getMessage().startsWith("absmax"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ONE.quantize(map, layout, x, 1, codes, 0, absmax, 0));
        assertTrue(e.getMessage().startsWith("x"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ONE.quantize(map, layout, x, 0, codes.asReadOnly(), 0, absmax, 0));
        assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ONE.dequantize(map, layout, codes, 0, absmax, 0, x.asReadOnly(), 0));
        assertTrue(e.getMessage().startsWith("out"), e.getMessage());
        MemorySegment shared = MemorySegment.ofArray(new float[2000]);
        e = assertThrows(IllegalArgumentException.class,
                () -> ONE.quantize(map, layout, shared, 0, shared, 2000, absmax, 0));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        for (byte b : codeArray) {
            assertEquals(9, b, "nothing was written");
        }
        assertThrows(IllegalArgumentException.class, () -> ONE.quantize(map, 100, new float[10]), "blockSize");
        assertThrows(IllegalArgumentException.class, () -> ONE.quantize(map, 8192, new float[10]), "blockSize");
        assertThrows(IllegalArgumentException.class,
                () -> new Quantized(map, layout, new byte[999], new float[4]));
    }
}
