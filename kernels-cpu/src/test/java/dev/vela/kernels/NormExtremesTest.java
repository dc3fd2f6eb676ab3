package dev.vela.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** norm2 neither overflows for huge nor underflows for tiny elements, where float squares would. */
class NormExtremesTest {

    static java.util.List<FloatKernels> implementations() {
        return TestSupport.implementations();
    }

    private static void check(FloatKernels k, float value, int n) {
        float[] x = new float[n];
        Arrays.fill(x, value);
        double expected = Math.abs((double) value) * Math.sqrt(n);
        // squares are exact in double; summing n of them in double errs by at most n ulps
        assertEquals(expected, k.norm2(x), expected * (n + 2) * 0x1p-53, "norm2 of " + n + " x " + value);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void hugeAndTinyValues(FloatKernels k) {
        for (int n : new int[] {1, 17, 1000, 50_001}) {
            check(k, Float.MAX_VALUE, n);         // square overflows float
            check(k, -3e30f, n);
            check(k, 1e-30f, n);                  // square underflows float
            check(k, Float.MIN_NORMAL, n);
            check(k, Float.MIN_VALUE, n);         // smallest subnormal
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void infinityAndNaN(FloatKernels k) {
        assertEquals(Double.POSITIVE_INFINITY, k.norm2(new float[] {1, Float.NEGATIVE_INFINITY, 2}));
        assertEquals(Double.NaN, k.norm2(new float[] {1, Float.NaN, 2}));
        assertEquals(0.0, k.norm2(new float[0]));
    }
}
