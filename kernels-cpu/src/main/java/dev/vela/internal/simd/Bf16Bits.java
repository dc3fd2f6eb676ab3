package dev.vela.internal.simd;

/**
 * The bit-level rules of bfloat16 storage, one place for both implementations: widening,
 * round-to-nearest-even and stochastic narrowing, and the counter-based random bits of the
 * latter (a multiplicative hash of the element index scrambled by a per-buffer, per-step key).
 */
public final class Bf16Bits {

    /** The quiet NaN every NaN narrows to. */
    public static final short NAN = 0x7FC0;

    private Bf16Bits() {
    }

    public static float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** Round to nearest, ties to even; NaN to {@link #NAN}; overflow rounds to infinity. */
    public static short nearest(float x) {
        if (x != x) {
            return NAN;
        }
        int bits = Float.floatToRawIntBits(x);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** Stochastic rounding with the 16 random bits r: rounds away from zero with probability (low 16 bits) / 2^16. */
    public static short stochastic(float x, int r) {
        if (x != x) {
            return NAN;
        }
        return (short) ((Float.floatToRawIntBits(x) + (r & 0xFFFF)) >>> 16);
    }

    /** murmur3's 32-bit finaliser. */
    public static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h;
    }

    /**
     * The 16 random bits of element {@code index} in the stream {@code key}: the top half of a
     * Fibonacci (multiplicative) hash of the index scrambled by the key. One multiply, where a
     * full finaliser cost three and made narrowing the slowest part of the bf16 path; over
     * consecutive elements the values are equidistributed, and the key (a full hash of seed,
     * step and buffer) changes them from step to step.
     */
    public static int random(int key, long index) {
        return (((int) index ^ key) * GOLDEN) >>> 16;
    }

    /** The multiplier of {@link #random}: 2^32 over the golden ratio, odd. */
    public static final int GOLDEN = 0x9E3779B9;

    /** The stream of one buffer at one step: distinct for every (seed, step, buffer). */
    public static int key(long seed, long step, int buffer) {
        return mix((int) (seed ^ (seed >>> 32)) ^ mix((int) step * 0x27D4EB2F ^ (int) (step >>> 32))
                ^ mix(buffer * 0x165667B1 + 0x5BD1E995));
    }
}
