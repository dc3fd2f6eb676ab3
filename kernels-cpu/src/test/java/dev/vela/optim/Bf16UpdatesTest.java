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

    /** One bf16 step equals: widen, the float32 kernel, narrow with the documented random bits. */
    @ParameterizedTest
    @MethodSource("implementations")
    void oneStepIsTheFloatKernelBetweenExactWideningAndStochasticNarrowing(FusedUpdates u) {
        SplittableRandom r = new SplittableRandom(3);
        int n = 5000;
        float[] g = new float[n];
        short[] p = new short[n], m = new short[n], v = new short[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) r.nextGaussian();
            p[i] = BFloat16.fromFloat((float) r.nextGaussian());
            m[i] = BFloat16.fromFloat((float) (0.1 * r.nextGaussian()));
            v[i] = BFloat16.fromFloat((float) (0.01 * r.nextDouble()));
        }
        AdamParams h = AdamParams.adamW().withLr(1e-2);
        float[] pf = BFloat16.toFloat(p), mf = BFloat16.toFloat(m), vf = BFloat16.toFloat(v);
        u.adam(h, 7, pf, g, mf, vf);
        u.adamBf16(h, 7, 99, p, g, m, v);
        float[][] floats = {pf, mf, vf};
        short[][] bf16 = {p, m, v};
        for (int b = 0; b < 3; b++) {
            int key = Bf16Bits.key(99, 7, b);
            for (int i = 0; i < n; i++) {
                assertEquals(Bf16Bits.stochastic(floats[b][i], Bf16Bits.random(key, i)), bf16[b][i],
                        "buffer " + b + " element " + i);
            }
        }
        float[] lp = BFloat16.toFloat(p), lm = BFloat16.toFloat(m);
        LionParams lion = LionParams.defaults().withWeightDecay(0.1);
        u.lion(lion, lp, g, lm);
        u.lionBf16(lion, 3, 5, p, g, m);
        for (int i = 0; i < n; i++) {
            assertEquals(Bf16Bits.stochastic(lp[i], Bf16Bits.random(Bf16Bits.key(5, 3, 0), i)), p[i], "Lion p " + i);
            assertEquals(Bf16Bits.stochastic(lm[i], Bf16Bits.random(Bf16Bits.key(5, 3, 1), i)), m[i], "Lion m " + i);
        }
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
