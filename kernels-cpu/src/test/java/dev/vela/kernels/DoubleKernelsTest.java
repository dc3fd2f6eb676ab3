package dev.vela.kernels;

import static dev.vela.kernels.TestSupport.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vela.parallel.VelaPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The float64 kernels against references: scale exactly, axpy within one rounding per
 * operation. Reductions are compared with exact BigDecimal results (a plain double reference
 * errs as much as the kernel), within the recursive-summation bound of the vector path:
 * (terms per accumulator + lanes + 8) * 2^-53 * sum |term|, the lanes term covering the
 * sequential lane sum, plus n * Double.MIN_VALUE for products that underflow. norm2's reference is the exact sum of squares, square-rooted.
 */
class DoubleKernelsTest {

    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final double U = 0x1p-53;
    private static final double[] SPECIALS = {
        0.0, -0.0, Double.MIN_VALUE, Double.MIN_NORMAL, -3e-310, Double.NaN,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1.0, -1.0
    };

    enum Kind { ARRAY, BYTE_ARRAY, NATIVE, NATIVE_UNALIGNED }

    static List<DoubleKernels> implementations() {
        List<DoubleKernels> list = new ArrayList<>();
        list.add(DoubleKernels.create(Implementation.SCALAR, TestSupport.POOL));
        if (Capabilities.current().vectorAvailable()) {
            list.add(DoubleKernels.create(Implementation.VECTOR, TestSupport.POOL));
        }
        return list;
    }

    record Case(DoubleKernels k, int n, int offset, Kind kind, long seed, double specialRate) {
        double[] data(int stream) {
            SplittableRandom r = new SplittableRandom(seed * 31 + stream);
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = r.nextDouble() < specialRate ? SPECIALS[r.nextInt(SPECIALS.length)]
                        : r.nextDouble(-1, 1) * Math.pow(10, r.nextDouble(-3, 3));
            }
            return v;
        }

        /** Relative error bound of a block reduction with `accumulators` vector accumulators. */
        double gamma(int accumulators) {
            int lanes = Math.max(1, Capabilities.current().floatLanes() / 2);
            return (Math.min(n, FloatKernels.REDUCTION_BLOCK) / (accumulators * lanes) + lanes + 8) * U;
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        int small = 3 * Math.max(2, Capabilities.current().floatLanes() / 2) + 1;
        Arbitrary<Integer> lengths = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(0, small)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(small, 3000)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(16_385, 40_001, 70_003)));
        return Combinators.combine(Arbitraries.of(implementations()), lengths, Arbitraries.integers().between(0, 9),
                Arbitraries.of(Kind.class), Arbitraries.longs().withoutEdgeCases(),
                Arbitraries.of(0.0, 0.05, 0.3).withoutEdgeCases()).as(Case::new);
    }

    /** Copies values into memory of the given kind at element offset; returns the segment. */
    static MemorySegment place(Kind kind, Arena arena, double[] v, int offset) {
        int total = offset + v.length + 2;
        MemorySegment s = switch (kind) {
            case ARRAY -> MemorySegment.ofArray(new double[total]);
            case BYTE_ARRAY -> MemorySegment.ofArray(new byte[total * 8]);
            case NATIVE -> arena.allocate(total * 8L, 64);
            case NATIVE_UNALIGNED -> arena.allocate(total * 8L + 3, 64).asSlice(3);
        };
        for (int i = 0; i < v.length; i++) {
            s.setAtIndex(D, offset + i, v[i]);
        }
        return s;
    }

    static double[] read(MemorySegment s, int offset, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = s.getAtIndex(D, offset + i);
        }
        return v;
    }

    @Property
    void scaleFillCopyAreExact(@ForAll("cases") Case c) {
        double[] x = c.data(1);
        double a = c.data(2).length > 0 && Double.isFinite(c.data(2)[0]) ? c.data(2)[0] : 0.75;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment xs = place(c.kind(), arena, x, c.offset());
            c.k().scale(c.n(), a, xs, c.offset());
            double[] got = read(xs, c.offset(), c.n());
            for (int i = 0; i < got.length; i++) {
                assertEquals(Double.doubleToLongBits(a * x[i]), Double.doubleToLongBits(got[i]), "scale[" + i + "]");
            }
            MemorySegment ys = place(c.kind(), arena, new double[c.n()], 1);
            c.k().copy(c.n(), xs, c.offset(), ys, 1);
            assertTrue(Arrays.equals(got, read(ys, 1, c.n())));
            c.k().fill(c.n(), -2.5, ys, 1);
            for (double v : read(ys, 1, c.n())) {
                assertEquals(-2.5, v);
            }
            assertEquals(0.0, ys.getAtIndex(D, 0), "element before the range was written");
        }
    }

    @Property
    void axpy(@ForAll("cases") Case c) {
        double[] x = c.data(1), y = c.data(2);
        double a = -0.375;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment xs = place(c.kind(), arena, x, c.offset()), ys = place(c.kind(), arena, y, 2);
            c.k().axpy(c.n(), a, xs, c.offset(), ys, 2);
            double[] got = read(ys, 2, c.n());
            for (int i = 0; i < got.length; i++) {
                double ax = a * x[i];
                double ref = ax + y[i];
                double tol = 0.5 * Math.ulp(ax) + Math.ulp(ref);
                if (Double.isNaN(ref)) {
                    assertTrue(Double.isNaN(got[i]));
                } else {
                    assertClose(ref, got[i], tol, "axpy[" + i + "]");
                }
            }
        }
    }

    @Property
    void reductions(@ForAll("cases") Case c) {
        double[] x = c.data(1), y = c.data(2);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment xs = place(c.kind(), arena, x, c.offset()), ys = place(c.kind(), arena, y, 1);
            boolean finiteX = true, finiteXY = true, nan = false;
            double max = 0, plainDot = 0, plainSum = 0, dotAbs = 0, sumAbs = 0;
            BigDecimal dot = BigDecimal.ZERO, sum = BigDecimal.ZERO, squares = BigDecimal.ZERO;
            for (int i = 0; i < x.length; i++) {
                finiteX &= Double.isFinite(x[i]);
                finiteXY &= Double.isFinite(x[i]) && Double.isFinite(y[i]);
                nan |= Double.isNaN(x[i]);
                max = Math.max(max, Math.abs(x[i]));
                plainDot += x[i] * y[i];
                plainSum += x[i];
                dotAbs += Math.abs(x[i] * y[i]);
                sumAbs += Math.abs(x[i]);
                if (finiteXY) {
                    dot = dot.add(new BigDecimal(x[i]).multiply(new BigDecimal(y[i])));
                }
                if (finiteX) {
                    BigDecimal bx = new BigDecimal(x[i]);
                    sum = sum.add(bx);
                    squares = squares.add(bx.multiply(bx));
                }
            }
            assertEquals(nan ? Double.NaN : max, c.k().maxAbs(c.n(), xs, c.offset()), "maxAbs " + c);
            double gotDot = c.k().dot(c.n(), xs, c.offset(), ys, 1);
            double gotSum = c.k().sum(c.n(), xs, c.offset());
            double gotNorm = c.k().norm2(c.n(), xs, c.offset());
            // With an infinity or NaN among the terms the IEEE outcome (NaN, or the infinity) is
            // the same in any summation order, so the plain double sums are exact references.
            if (finiteXY) {
                // + n * MIN_VALUE: a product that underflows into the subnormals errs absolutely
                assertClose(dot.doubleValue(), gotDot, c.gamma(4) * dotAbs + (c.n() + 1) * Double.MIN_VALUE, "dot " + c);
            } else {
                assertClose(plainDot, gotDot, 0, "dot " + c);
            }
            if (finiteX) {
                assertClose(sum.doubleValue(), gotSum, c.gamma(4) * sumAbs, "sum " + c);
                double norm = squares.sqrt(MathContext.DECIMAL128).doubleValue();
                assertClose(norm, gotNorm, c.gamma(2) * norm, "norm2 " + c);
            } else {
                assertClose(plainSum, gotSum, 0, "sum " + c);
                assertClose(nan ? Double.NaN : Double.POSITIVE_INFINITY, gotNorm, 0, "norm2 " + c);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void norm2OfHugeAndTinyValues(DoubleKernels k) {
        for (double v : new double[] {Double.MAX_VALUE, 1e200, 1e-200, Double.MIN_NORMAL, Double.MIN_VALUE}) {
            for (int n : new int[] {1, 7, 1000, 40_000}) {
                double[] x = new double[n];
                Arrays.fill(x, v);
                double expected = v * Math.sqrt(n);
                assertEquals(expected, k.norm2(x), (n + 4) * U * expected + Double.MIN_VALUE, n + " x " + v);
            }
        }
        // mixed magnitudes: the tiny element must not disturb, the huge one must not overflow
        assertEquals(5.0, k.norm2(new double[] {1e-310, 3, 4}));
        assertEquals(5e300, k.norm2(new double[] {3e300, 1e-300, 4e300}), 1e286);
        assertEquals(Double.POSITIVE_INFINITY, k.norm2(new double[] {1, Double.NEGATIVE_INFINITY}));
    }

    @Test
    void bitIdenticalForAnyThreadCount() {
        int n = 300_007;
        double[] x = new double[n], y = new double[n];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            x[i] = r.nextDouble(-1, 1);
            y[i] = r.nextDouble(-1, 1);
        }
        for (Implementation impl : Implementation.values()) {
            if (impl == Implementation.VECTOR && !Capabilities.current().vectorAvailable()) {
                continue;
            }
            double[] first = null;
            for (int t : new int[] {1, 2, 3, 8}) {
                try (VelaPool pool = VelaPool.create(t)) {
                    DoubleKernels k = DoubleKernels.create(impl, pool);
                    double[] got = {k.dot(x, y), k.sum(x), k.norm2(x), k.maxAbs(x)};
                    if (first == null) {
                        first = got;
                    } else {
                        assertTrue(Arrays.equals(first, got), impl + " with " + t + " threads");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void badArgumentsAreNamedAndNothingIsWritten(DoubleKernels k) {
        double[] y = {1, 2, 3};
        MemorySegment ys = MemorySegment.ofArray(y);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> k.axpy(3, 1, ys, 1, ys, 0))
                .getMessage().contains("x: offset 1 + n 3 exceeds the segment's length of 3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> k.axpy(1, new double[2], y))
                .getMessage().contains("x.length (2) != y.length (3)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> k.scale(-1, 2, ys, 0))
                .getMessage().contains("n must be >= 0, was -1"));
        assertTrue(Arrays.equals(new double[] {1, 2, 3}, y));
    }
}
