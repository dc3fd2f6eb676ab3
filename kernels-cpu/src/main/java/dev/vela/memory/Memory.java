package dev.vela.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Off-heap allocation for kernels: 64-byte aligned (one cache line, one AVX-512 vector), in an
 * arena the caller owns and closes. Vela never frees memory behind the caller's back.
 */
public final class Memory {

    /** Alignment of every buffer Vela allocates, in bytes. */
    public static final long ALIGNMENT = 64;

    private Memory() {
    }

    /** A zeroed, 64-byte aligned segment of {@code count} floats in {@code arena}. */
    public static MemorySegment allocateFloats(Arena arena, long count) {
        return allocate(arena, count, ValueLayout.JAVA_FLOAT.byteSize(), "count");
    }

    /** A zeroed, 64-byte aligned segment of {@code count} doubles in {@code arena}. */
    public static MemorySegment allocateDoubles(Arena arena, long count) {
        return allocate(arena, count, ValueLayout.JAVA_DOUBLE.byteSize(), "count");
    }

    private static MemorySegment allocate(Arena arena, long count, long elementBytes, String name) {
        if (arena == null) {
            throw new NullPointerException("arena");
        }
        if (count < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + count);
        }
        if (count > Long.MAX_VALUE / elementBytes) {
            throw new IllegalArgumentException(name + " is too large: " + count + " elements of " + elementBytes + " bytes");
        }
        return arena.allocate(count * elementBytes, ALIGNMENT);
    }
}
