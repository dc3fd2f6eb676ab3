package dev.vela.kernels;

import static dev.vela.kernels.TestSupport.assertClose;
import static dev.vela.kernels.TestSupport.assertExact;
import static dev.vela.kernels.TestSupport.halfUlp;

import dev.vela.kernels.TestSupport.Case;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Elementwise kernels against plain references computed in double. For add, sub, mul, div and
 * sqrt the double result rounded to float is the correctly rounded float result (double has
 * more than 2*24+2 bits), so those kernels must match it bit for bit; axpy and axpby may or may
 * not fuse and are checked against the error bound of one rounding per operation.
 */
class ElementwisePropertiesTest {

    @Provide
    Arbitrary<Case> cases() {
        return TestSupport.cases();
    }

    static Arena arena(Case c) {
        return c.kind() == Operand.Kind.CONFINED ? Arena.ofConfined() : Arena.ofShared();
    }

    static float scalar(Case c, int stream) {
        SplittableRandom r = new SplittableRandom(c.seed() ^ (0x9E3779B97F4A7C15L * stream));
        return switch (r.nextInt(6)) {
            case 0 -> 0f;
            case 1 -> -1f;
            default -> (float) r.nextDouble(-4, 4);
        };
    }

    @FunctionalInterface
    interface BinaryKernel {
        void apply(FloatKernels k, long n, MemorySegment x, long xo, MemorySegment y, long yo,
                   MemorySegment out, long oo);
    }

    private static void checkBinary(Case c, BinaryKernel kernel, DoubleBinaryOperator reference) {
        float[] x = c.data(1), y = c.data(2);
        try (Arena arena = arena(c)) {
            Operand ox = Operand.of(c.kind(), arena, x, c.offset());
            Operand oy = Operand.of(c.kind(), arena, y, c.offset() / 2);
            Operand out = Operand.of(c.kind(), arena, c.data(3), c.offset() / 3);
            kernel.apply(c.kernels(), c.n(), ox.segment, ox.offset, oy.segment, oy.offset, out.segment, out.offset);
            float[] expected = new float[c.n()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = (float) reference.applyAsDouble(x[i], y[i]);
            }
            assertExact(expected, out.values(), c);
            assertExact(x, ox.values(), c);
            assertExact(y, oy.values(), c);
            ox.assertGuardsIntact();
            oy.assertGuardsIntact();
            out.assertGuardsIntact();
        }
    }

    @Property(tries = 600)
    void add(@ForAll("cases") Case c) {
        // Proves the generator reaches every loop tail, every memory kind and special values.
        int lanes = TestSupport.lanes();
        Statistics.label("tail").collect(c.n() % lanes);
        Statistics.label("kind").collect(c.kind());
        Statistics.label("specials").collect(c.specialRate() > 0);
        Statistics.label("large").collect(c.n() > FloatKernels.ELEMENTWISE_GRAIN);
        checkBinary(c, FloatKernels::add, (a, b) -> a + b);
        Statistics.label("tail").coverage(cov -> {
            for (int t = 0; t < lanes; t++) {
                cov.check(t).count(k -> k > 0);
            }
        });
        Statistics.label("kind").coverage(cov -> {
            for (Operand.Kind k : Operand.Kind.values()) {
                cov.check(k).count(m -> m > 0);
            }
        });
        Statistics.label("specials").coverage(cov -> cov.check(true).percentage(p -> p > 30));
        Statistics.label("large").coverage(cov -> cov.check(true).count(m -> m > 0));
    }

    @Property
    void sub(@ForAll("cases") Case c) {
        checkBinary(c, FloatKernels::sub, (a, b) -> a - b);
    }

    @Property
    void mul(@ForAll("cases") Case c) {
        checkBinary(c, FloatKernels::mul, (a, b) -> a * b);
    }

    @Property
    void div(@ForAll("cases") Case c) {
        checkBinary(c, FloatKernels::div, (a, b) -> a / b);
    }

    @Property
    void binaryInPlace(@ForAll("cases") Case c) {
        float[] x = c.data(1), y = c.data(2);
        try (Arena arena = arena(c)) {
            Operand ox = Operand.of(c.kind(), arena, x, c.offset());
            Operand oy = Operand.of(c.kind(), arena, y, c.offset() + 1);
            c.kernels().mul(c.n(), ox.segment, ox.offset, oy.segment, oy.offset, ox.segment, ox.offset);
            float[] expected = new float[c.n()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = (float) ((double) x[i] * y[i]);
            }
            assertExact(expected, ox.values(), c);
            ox.assertGuardsIntact();
        }
    }

    @Property
    void fma(@ForAll("cases") Case c) {
        float[] x = c.data(1), y = c.data(2), z = c.data(3);
        try (Arena arena = arena(c)) {
            Operand ox = Operand.of(c.kind(), arena, x, c.offset());
            Operand oy = Operand.of(c.kind(), arena, y, 1);
            Operand oz = Operand.of(c.kind(), arena, z, 2);
            Operand out = Operand.of(c.kind(), arena, c.data(4), 3);
            c.kernels().fma(c.n(), ox.segment, ox.offset, oy.segment, oy.offset, oz.segment, oz.offset,
                    out.segment, out.offset);
            float[] expected = new float[c.n()];
            for (int i = 0; i < expected.length; i++) {
                // The JDK's correctly rounded fused multiply-add is the definition of the operation.
                expected[i] = Math.fma(x[i], y[i], z[i]);
            }
            assertExact(expected, out.values(), c);
            out.assertGuardsIntact();
        }
    }

    @FunctionalInterface
    interface UnaryKernel {
        void apply(FloatKernels k, long n, MemorySegment x, long xo, MemorySegment out, long oo);
    }

    private static void checkUnary(Case c, UnaryKernel kernel, DoubleUnaryOperator reference) {
        float[] x = c.data(1);
        try (Arena arena = arena(c)) {
            Operand ox = Operand.of(c.kind(), arena, x, c.offset());
            Operand out = Operand.of(c.kind(), arena, c.data(2), c.offset() / 2);
            kernel.apply(c.kernels(), c.n(), ox.segment, ox.offset, out.segment, out.offset);
            float[] expected = new float[c.n()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = (float) reference.applyAsDouble(x[i]);
            }
            assertExact(expected, out.values(), c);
            assertExact(x, ox.values(), c);
            ox.assertGuardsIntact();
            out.assertGuardsIntact();
        }
    }

    @Property
    void sqrt(@ForAll("cases") Case c) {
        checkUnary(c, FloatKernels::sqrt, Math::sqrt);
    }

    @Property
    void clamp(@ForAll("cases") Case c) {
        float a = scalar(c, 1), b = scalar(c, 2);
        float lo = Math.min(a, b), hi = Math.max(a, b);
        checkUnary(c, (k, n, x, xo, out, oo) -> k.clamp(n, lo, hi, x, xo, out, oo),
                v -> Double.isNaN(v) ? Double.NaN : Math.min(Math.max(v, lo), hi));
    }

    @Property
    void fill(@ForAll("cases") Case c) {
        float value = scalar(c, 1);
        try (Arena arena = arena(c)) {
            Operand ox = Operand.of(c.kind(), arena, c.data(1), c.offset());
            c.kernels().fill(c.n(), value, ox.segment, ox.offset);
            float[] expected = new float[c.n()];
            java.util.Arrays.fill(expected, value);
            assertExact(expected, ox.values(), c);
            ox.assertGuardsIntact();
        }
    }

    @Property
    void copy(@ForAll("cases") Case c) {
        float[] x = c.data(1);
        try (Arena arena = arena(c)) {
            Operand ox = Operand.of(c.kind(), arena, x, c.offset());
            Operand oy = Operand.of(c.kind(), arena, c.data(2), c.offset() / 2);
            c.kernels().copy(c.n(), ox.segment, ox.offset, oy.segment, oy.offset);
            assertExact(x, oy.values(), c);
            oy.assertGuardsIntact();
        }
    }

    @Property
    void copyOverlapping(@ForAll("cases") Case c) {
        // Moves the range up by shift elements inside one buffer, as memmove would.
        float[] x = c.data(1);
        int shift = 1 + c.offset() % 5;
        float[] buffer = new float[c.n() + shift];
        System.arraycopy(x, 0, buffer, 0, c.n());
        try (Arena arena = arena(c)) {
            Operand ob = Operand.of(c.kind(), arena, buffer, 0);
            c.kernels().copy(c.n(), ob.segment, ob.offset, ob.segment, ob.offset + shift);
            float[] moved = java.util.Arrays.copyOfRange(ob.values(), shift, shift + c.n());
            assertExact(x, moved, c);
        }
    }

    @Property
    void scale(@ForAll("cases") Case c) {
        float a = scalar(c, 1);
        float[] x = c.data(1);
        try (Arena arena = arena(c)) {
            Operand ox = Operand.of(c.kind(), arena, x, c.offset());
            c.kernels().scale(c.n(), a, ox.segment, ox.offset);
            float[] expected = new float[c.n()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = (float) ((double) a * x[i]);
            }
            assertExact(expected, ox.values(), c);
            ox.assertGuardsIntact();
        }
    }

    @Property
    void axpy(@ForAll("cases") Case c) {
        float a = scalar(c, 1);
        float[] x = c.data(1), y = c.data(2);
        try (Arena arena = arena(c)) {
            Operand ox = Operand.of(c.kind(), arena, x, c.offset());
            Operand oy = Operand.of(c.kind(), arena, y, c.offset() / 2);
            c.kernels().axpy(c.n(), a, ox.segment, ox.offset, oy.segment, oy.offset);
            float[] got = oy.values();
            for (int i = 0; i < got.length; i++) {
                double ax = (double) a * x[i];
                double ref = ax + y[i];
                // fused: one rounding of the exact result; unfused: a*x rounded, then the sum.
                assertClose(ref, got[i], halfUlp(ax) + halfUlp(ref) + halfUlp(ref), "axpy[" + i + "] " + c);
            }
            assertExact(x, ox.values(), c);
            oy.assertGuardsIntact();
        }
    }

    @Property
    void axpby(@ForAll("cases") Case c) {
        float a = scalar(c, 1), b = scalar(c, 2);
        float[] x = c.data(1), y = c.data(2);
        try (Arena arena = arena(c)) {
            Operand ox = Operand.of(c.kind(), arena, x, c.offset());
            Operand oy = Operand.of(c.kind(), arena, y, c.offset() / 2);
            c.kernels().axpby(c.n(), a, ox.segment, ox.offset, b, oy.segment, oy.offset);
            float[] got = oy.values();
            for (int i = 0; i < got.length; i++) {
                double ax = (double) a * x[i], by = (double) b * y[i];
                double ref = ax + by;
                assertClose(ref, got[i], halfUlp(ax) + halfUlp(by) + 2 * halfUlp(ref), "axpby[" + i + "] " + c);
            }
            oy.assertGuardsIntact();
        }
    }
}
