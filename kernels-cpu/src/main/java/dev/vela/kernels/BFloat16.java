package dev.vela.kernels;

import dev.vela.internal.simd.Bf16Bits;

/**
 * bfloat16 values held as their 16 bits in a {@code short}: the top half of a float32 (same
 * exponent range, 8 significant bits). Widening is exact; narrowing rounds to nearest, ties to
 * even, turns every NaN into the quiet NaN {@code 0x7FC0} and overflows to infinity.
 * {@link dev.vela.optim.FusedUpdates#adamBf16} and friends narrow with stochastic rounding
 * instead.
 */
public final class BFloat16 {

    private BFloat16() {
    }

    /** The float32 value of bfloat16 bits (exact). */
    public static float toFloat(short bits) {
        return Bf16Bits.toFloat(bits);
    }

    /** x rounded to the nearest bfloat16, ties to even. */
    public static short fromFloat(float x) {
        return Bf16Bits.nearest(x);
    }

    /** Widens a whole array. */
    public static float[] toFloat(short[] bits) {
        float[] out = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            out[i] = toFloat(bits[i]);
        }
        return out;
    }

    /** Narrows a whole array to the nearest bfloat16 values. */
    public static short[] fromFloat(float[] values) {
        short[] out = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = fromFloat(values[i]);
        }
        return out;
    }
}
