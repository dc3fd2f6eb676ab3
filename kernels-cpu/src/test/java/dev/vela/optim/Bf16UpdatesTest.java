package dev.vela.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vela.internal.simd.Bf16Bits;
import dev.vela.internal.simd.OptimOps;
import dev.vela.internal.simd.SimdProvider;
import dev.vela.kernels.BFloat16;
import dev.vela.kernels.Capabilities;
import dev.vela.kernels.Implementation;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * bfloat16 storage: the conversions (both implementations, bit for bit, special values
 * included), stochastic rounding's expectation, and AdamW and Lion on bf16 tensors against the
 * float32 kernel with the rounding applied by hand.
 */
class Bf16UpdatesTest {

    static List<FusedUpdates> implementations() {
        return FusedUpdatesTest.implementations();
    }

    private static final float[] SPECIAL = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1f, -1f,
        Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
        Float.intBitsToFloat(0x7F80_0001), 1.00390625f, 3.1415927f};

    @Provide
    Arbitrary<Float> floats() {
        Float[] special = new Float[SPECIAL.length];
        for (int i = 0; i < special.length; i++) {
            special[i] = SPECIAL[i];
        }
        return Arbitraries.oneOf(Arbitraries.of(special),
                Arbitraries.integers().map(Float::intBitsToFloat), Arbitraries.floats().between(-10, 10));
    }

    /** Both implementations narrow every float, special values included, to the same bits. */
    @Property(tries = 200)
    void vectorAndScalarConversionsAgreeBitForBit(@ForAll("floats") float seedValue,
                                                  @ForAll @IntRange(min = 0, max = 200) int n,
                                                  @ForAll @IntRange(min = 0, max = 5) int offset, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n + offset];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(4) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)]
                    : r.nextInt(3) == 0 ? seedValue : Float.intBitsToFloat(r.nextInt());
        }
        int key = (int) seed;
        long index0 = r.nextLong(1L << 40);
        short[] expected = new short[n];
        for (int i = 0; i < n; i++) {
            expected[i] = Bf16Bits.stochastic(x[offset + i], Bf16Bits.random(key, index0 + i));
        }
        for (Implementation impl : Implementation.values()) {
            if (impl == Implementation.VECTOR && !Capabilities.current().vectorAvailable()) {
                continue;
            }
            OptimOps ops = SimdProvider.optimOps(impl);
            short[] out = new short[n + offset];
            ops.floatToBf16(n, MemorySegment.ofArray(x), offset, MemorySegment.ofArray(out), offset, key, index0);
            for (int i = 0; i < n; i++) {
                assertEquals(expected[i], out[offset + i], impl + " element " + i + " of " + x[offset + i]);
            }
            float[] back = new float[n + offset];
            ops.bf16ToFloat(n, MemorySegment.ofArray(out), offset, MemorySegment.ofArray(back), offset);
            for (int i = 0; i < n; i++) {
                float v = back[offset + i], orig = x[offset + i];
                assertEquals(Float.floatToRawIntBits(v), out[offset + i] << 16, impl + " widening is exact");
                if (Float.isNaN(orig)) {
                    assertTrue(Float.isNaN(v));
                } else if (Float.isFinite(v) && Float.isFinite(orig)) {
                    // one of the two bf16 neighbours of orig: closer than v's bf16 spacing, 2^16 float ulps
                    assertTrue(Math.abs((double) v - orig) <= 65536.0 * Math.ulp(v), v + " from " + orig);
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void nearestRoundingHasTheDocumentedCases() {
        assertEquals(1f, BFloat16.toFloat(BFloat16.fromFloat(1.001953125f)), "tie to even rounds down");
        assertEquals(1.015625f, BFloat16.toFloat(BFloat16.fromFloat(1.01171875f)), "tie to even rounds up");
        assertEquals(Bf16Bits.NAN, BFloat16.fromFloat(Float.NaN));
        assertEquals(Float.POSITIVE_INFINITY, BFloat16.toFloat(BFloat16.fromFloat(Float.MAX_VALUE)));
        assertEquals(-0f, BFloat16.toFloat(BFloat16.fromFloat(-0f)));
    }

    /** Stochastic rounding is unbiased: the mean of many roundings of x is x. */
    @org.junit.jupiter.api.Test
    void stochasticRoundingIsUnbiased() {
        float x = 1.0f + 0.3f * 0x1p-7f; // 30% of the way from 1 to the next bf16 value
        int n = 200_000, key = Bf16Bits.key(42, 1, 0);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Bf16Bits.toFloat(Bf16Bits.stochastic(x, Bf16Bits.random(key, i)));
        }
        double sd = 0x1p-7 * Math.sqrt(0.3 * 0.7 / n);
        assertEquals(x, sum / n, 5 * sd);
    }

    /** bf16 bits of a float drawn from SPECIAL (a quarter of the time) or a Gaussian of the given scale. */
    private static short bf16(SplittableRandom r, double scale, boolean specials) {
        float x = specials && r.nextInt(4) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : (float) (scale * r.nextGaussian());
        return BFloat16.fromFloat(x);
    }

    /**
     * One fused bf16 step equals, bit for bit: widen exactly, the float32 kernel of the same
     * implementation, narrow with the documented random bits (seed, step, buffer, element index).
     * Lengths around the vector width and beyond one parallel chunk, odd offsets, heap segments;
     * gradients and parameters include zeros, subnormals, infinities and NaN.
     */
    @Property(tries = 150)
    void aFusedStepIsTheFloatKernelBetweenExactWideningAndStochasticNarrowing(
            @ForAll("lengths") int n, @ForAll @IntRange(min = 0, max = 3) int offset, @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 100) int step, @ForAll @IntRange(min = 0, max = 3) int variant) {
        SplittableRandom r = new SplittableRandom(seed);
        boolean specials = r.nextBoolean();
        float[] g = new float[offset + n];
        short[] p0 = new short[offset + n], m0 = new short[offset + n], v0 = new short[offset + n];
        for (int i = 0; i < offset + n; i++) {
            g[i] = specials && r.nextInt(4) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : (float) r.nextGaussian();
            p0[i] = bf16(r, 1, specials);
            m0[i] = bf16(r, 0.1, specials);
            v0[i] = BFloat16.fromFloat((float) (0.01 * r.nextDouble()));
        }
        boolean maximize = variant == 3;
        AdamParams adam = (variant == 1 ? AdamParams.adam().withWeightDecay(0.05) : AdamParams.adamW().withWeightDecay(0.1))
                .withLr(1e-2).withMaximize(maximize);
        LionParams lion = LionParams.defaults().withWeightDecay(variant == 0 ? 0 : 0.1).withMaximize(maximize);
        for (FusedUpdates u : implementations()) {
            short[] p = p0.clone(), m = m0.clone(), v = v0.clone();
            float[] pf = BFloat16.toFloat(p), mf = BFloat16.toFloat(m), vf = BFloat16.toFloat(v);
            u.adam(adam, step, n, MemorySegment.ofArray(pf), offset, MemorySegment.ofArray(g), offset,
                    MemorySegment.ofArray(mf), offset, MemorySegment.ofArray(vf), offset);
            u.adamBf16(adam, step, seed, n, MemorySegment.ofArray(p), offset, MemorySegment.ofArray(g), offset,
                    MemorySegment.ofArray(m), offset, MemorySegment.ofArray(v), offset);
            assertNarrowedFrom(new float[][] {pf, mf, vf}, new short[][] {p, m, v}, seed, step, offset, n,
                    u.implementationName() + " AdamW");

            p = p0.clone();
            m = m0.clone();
            pf = BFloat16.toFloat(p);
            mf = BFloat16.toFloat(m);
            u.lion(lion, n, MemorySegment.ofArray(pf), offset, MemorySegment.ofArray(g), offset,
                    MemorySegment.ofArray(mf), offset);
            u.lionBf16(lion, step, seed, n, MemorySegment.ofArray(p), offset, MemorySegment.ofArray(g), offset,
                    MemorySegment.ofArray(m), offset);
            assertNarrowedFrom(new float[][] {pf, mf}, new short[][] {p, m}, seed, step, offset, n,
                    u.implementationName() + " Lion");
        }
    }

    private static void assertNarrowedFrom(float[][] floats, short[][] bf16, long seed, long step, int offset, int n,
                                           String what) {
        for (int b = 0; b < floats.length; b++) {
            int key = Bf16Bits.key(seed, step, b);
            for (int i = 0; i < n; i++) {
                short expected = Bf16Bits.stochastic(floats[b][offset + i], Bf16Bits.random(key, i));
                if (expected != bf16[b][offset + i]) {
                    assertEquals(expected, bf16[b][offset + i], what + ": buffer " + b + ", element " + i + " of " + n
                            + " (float32 kernel: " + floats[b][offset + i] + ")");
                }
            }
        }
    }

    @Provide
    Arbitrary<Integer> lengths() {
        return Arbitraries.oneOf(Arbitraries.integers().between(0, 3 * 16 + 1), Arbitraries.integers().between(50, 3000),
                Arbitraries.of(40_003, 70_001));
    }

    /**
     * Updates far below bf16's resolution still move p on average: Adam's first steps move each
     * coordinate by about lr = 1e-4, an eightieth of the bf16 spacing at 1 (2^-7), so
     * round-to-nearest would never move p; with stochastic rounding the mean after 100 steps is
     * 1 - 100 lr.
     */
    @ParameterizedTest
    @MethodSource("implementations")
    void stochasticRoundingKeepsSmallUpdatesInExpectation(FusedUpdates u) {
        int n = 20_000;
        short[] p = new short[n], m = new short[n], v = new short[n];
        float[] g = new float[n];
        java.util.Arrays.fill(p, BFloat16.fromFloat(1f));
        java.util.Arrays.fill(g, 1f);
        AdamParams h = AdamParams.adam().withLr(1e-4);
        for (int t = 1; t <= 100; t++) {
            u.adamBf16(h, t, 17, p, g, m, v);
        }
        double mean = 0;
        for (short b : p) {
            mean += BFloat16.toFloat(b);
        }
        mean /= n;
        assertEquals(1 - 100 * 1e-4, mean, 2e-4, "mean p after 100 steps of about -lr each");
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void bf16StepsAreBitIdenticalForAnyThreadCount(FusedUpdates any) {
        int n = 100_003;
        SplittableRandom r = new SplittableRandom(1);
        float[] g = new float[n];
        short[] p0 = new short[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) r.nextGaussian();
            p0[i] = BFloat16.fromFloat((float) r.nextGaussian());
        }
        short[] first = null;
        for (int threads : new int[] {1, 2, 5}) {
            try (VelaPool pool = VelaPool.create(threads)) {
                FusedUpdates u = FusedUpdates.create(any.implementation(), pool);
                short[] p = p0.clone(), m = new short[n], v = new short[n];
                for (int t = 1; t <= 3; t++) {
                    u.adamBf16(AdamParams.adamW(), t, 8, p, g, m, v);
                }
                if (first == null) {
                    first = p;
                } else {
                    assertArrayEquals(first, p, threads + " threads");
                }
            }
        }
    }
}
