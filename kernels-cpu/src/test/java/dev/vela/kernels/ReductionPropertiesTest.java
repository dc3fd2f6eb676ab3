package dev.vela.kernels;

import static dev.vela.kernels.TestSupport.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vela.kernels.TestSupport.Case;
import java.lang.foreign.Arena;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Reductions against references accumulated in double. The vector path sums each block of
 * {@link FloatKernels#REDUCTION_BLOCK} elements in 4 float accumulators per lane, so each float
 * accumulator adds at most block / (4 * lanes) terms; the classic bound for recursive summation
 * then gives |error| <= (terms + 5) * 2^-24 * sum |term_i| (the 5 covers the product rounding,
 * the accumulator merge and the block sum). The scalar path accumulates in double and meets it
 * with a wide margin.
 */
class ReductionPropertiesTest {

    private static final double U = 0x1p-24;

    @Provide
    Arbitrary<Case> cases() {
        return TestSupport.cases();
    }

    static double gamma(Case c) {
        int lanes = Math.max(1, Capabilities.current().floatLanes());
        int terms = Math.min(c.n(), FloatKernels.REDUCTION_BLOCK) / (4 * lanes) + 1;
        return (terms + 5) * U;
    }

    @Property
    void dot(@ForAll("cases") Case c) {
        float[] x = c.data(1), y = c.data(2);
        try (Arena arena = ElementwisePropertiesTest.arena(c)) {
            Operand ox = Operand.of(c.kind(), arena, x, c.offset());
            Operand oy = Operand.of(c.kind(), arena, y, c.offset() / 2);
            double got = c.kernels().dot(c.n(), ox.segment, ox.offset, oy.segment, oy.offset);
            double ref = 0, abs = 0;
            for (int i = 0; i < x.length; i++) {
                ref += (double) x[i] * y[i];
                abs += Math.abs((double) x[i] * y[i]);
            }
            // + n * Float.MIN_VALUE: float partial sums that fall into the subnormals err absolutely
            assertClose(ref, got, gamma(c) * abs + (c.n() + 1) * (double) Float.MIN_VALUE, "dot " + c);
        }
    }

    @Property
    void sum(@ForAll("cases") Case c) {
        float[] x = c.data(1);
        try (Arena arena = ElementwisePropertiesTest.arena(c)) {
            Operand ox = Operand.of(c.kind(), arena, x, c.offset());
            double got = c.kernels().sum(c.n(), ox.segment, ox.offset);
            double ref = 0, abs = 0;
            for (float v : x) {
                ref += v;
                abs += Math.abs(v);
            }
            assertClose(ref, got, gamma(c) * abs + (c.n() + 1) * (double) Float.MIN_VALUE, "sum " + c);
        }
    }

    @Property
    void norm2(@ForAll("cases") Case c) {
        float[] x = c.data(1);
        try (Arena arena = ElementwisePropertiesTest.arena(c)) {
            Operand ox = Operand.of(c.kind(), arena, x, c.offset());
            double got = c.kernels().norm2(c.n(), ox.segment, ox.offset);
            double ss = 0;
            for (float v : x) {
                ss += (double) v * v;
            }
            double ref = Math.sqrt(ss);
            // Squares are exact in double; only double summation error remains.
            assertClose(ref, got, 1e-12 * ref, "norm2 " + c);
        }
    }

    @Property
    void maxAbs(@ForAll("cases") Case c) {
        float[] x = c.data(1);
        try (Arena arena = ElementwisePropertiesTest.arena(c)) {
            Operand ox = Operand.of(c.kind(), arena, x, c.offset());
            float got = c.kernels().maxAbs(c.n(), ox.segment, ox.offset);
            float ref = 0f;
            boolean nan = false;
            for (float v : x) {
                nan |= v != v;
                if (Math.abs(v) > ref) {
                    ref = Math.abs(v);
                }
            }
            assertEquals(nan ? Float.NaN : ref, got, "maxAbs " + c);
        }
    }

    @Property
    void countNonFinite(@ForAll("cases") Case c) {
        float[] x = c.data(1);
        try (Arena arena = ElementwisePropertiesTest.arena(c)) {
            Operand ox = Operand.of(c.kind(), arena, x, c.offset());
            long got = c.kernels().countNonFinite(c.n(), ox.segment, ox.offset);
            long ref = 0;
            for (float v : x) {
                if (Float.isNaN(v) || Float.isInfinite(v)) {
                    ref++;
                }
            }
            assertEquals(ref, got, "countNonFinite " + c);
        }
    }
}
