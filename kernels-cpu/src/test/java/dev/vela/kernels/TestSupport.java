package dev.vela.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vela.parallel.VelaPool;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Implementations under test, generated inputs and comparison rules shared by the kernel tests. */
final class TestSupport {

    /** A 3-thread pool: more threads than this machine's cores, so chunks interleave. */
    static final VelaPool POOL = VelaPool.create(3);

    /** Every implementation available here. The vector one must be available where it is expected. */
    static List<FloatKernels> implementations() {
        List<FloatKernels> list = new ArrayList<>();
        list.add(FloatKernels.create(Implementation.SCALAR, POOL));
        if (Capabilities.current().vectorAvailable()) {
            list.add(FloatKernels.create(Implementation.VECTOR, POOL));
        }
        return list;
    }

    /** Lanes of the widest implementation (4 when only scalar runs, to still get varied tails). */
    static int lanes() {
        return Math.max(4, Capabilities.current().floatLanes());
    }

    /** The special values every elementwise and reduction property mixes into its inputs. */
    static final float[] SPECIALS = {
        0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 3.5e-40f, -1.2e-39f,
        Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f, -1f
    };

    /** One generated test case: sizes, placement, data seed and how often specials appear. */
    record Case(FloatKernels kernels, int n, int offset, Operand.Kind kind, long seed, double specialRate) {
        @Override
        public String toString() {
            return kernels.implementationName() + " n=" + n + " offset=" + offset + " " + kind
                    + " seed=" + seed + " specials=" + specialRate;
        }

        float[] data(int stream) {
            return TestSupport.data(n, seed * 31 + stream, specialRate);
        }
    }

    /** Lengths 0..3*VL+1 most of the time, plus large ones that span parallel chunks and blocks. */
    static Arbitrary<Integer> lengths() {
        int small = 3 * lanes() + 1;
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(0, small)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(small, 2000)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(16_383, 16_384, 16_385, 32_769, 70_001, 100_003)));
    }

    static Arbitrary<Case> cases() {
        return Combinators.combine(
                Arbitraries.of(implementations()),
                lengths(),
                Arbitraries.integers().between(0, 19),
                Arbitraries.of(Operand.Kind.class),
                Arbitraries.longs().withoutEdgeCases(),
                Arbitraries.of(0.0, 0.02, 0.3).withoutEdgeCases())
                .as(Case::new);
    }

    /** Uniform values of mixed magnitudes in [-1000, 1000], with a share of special values. */
    static float[] data(int n, long seed, double specialRate) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            if (r.nextDouble() < specialRate) {
                v[i] = SPECIALS[r.nextInt(SPECIALS.length)];
            } else {
                float mag = (float) Math.pow(10, r.nextDouble(-3, 3));
                v[i] = (float) (r.nextDouble(-1, 1) * mag);
            }
        }
        return v;
    }

    /** Bit-exact equality (all NaNs equal). */
    static void assertExact(float[] expected, float[] actual, Case c) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                fail("element " + i + ": expected " + expected[i] + " but was " + actual[i] + " (" + c + ")");
            }
        }
    }

    /**
     * {@code actual} is within {@code tolerance} of {@code expected}; where the reference is NaN
     * or infinite, the result must be the same non-finite value.
     */
    static void assertClose(double expected, double actual, double tolerance, String what) {
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), what + ": expected NaN but was " + actual);
        } else if (Double.isInfinite(expected)) {
            assertEquals(expected, actual, what + ": expected " + expected);
        } else {
            assertTrue(Math.abs(actual - expected) <= tolerance,
                    what + ": expected " + expected + " but was " + actual + " (tolerance " + tolerance + ")");
        }
    }

    /** Half an ulp of v as a float: the error of one float rounding of v. */
    static double halfUlp(double v) {
        return 0.5 * Math.ulp((float) Math.abs(v));
    }
}
