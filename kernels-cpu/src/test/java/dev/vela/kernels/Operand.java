package dev.vela.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A test operand: {@code n} floats at element {@code offset} of a segment of one of several
 * memory kinds, surrounded by guard values that must survive every kernel call.
 */
final class Operand {

    /** Where the floats live; each kind exercises a different loop or access path. */
    enum Kind {
        /** float[] heap segment, element offset: array-indexed loops. */
        ARRAY,
        /** float[] heap segment sliced so that its address is non-zero: array loops via address(). */
        ARRAY_SLICE,
        /** byte[] heap segment: heap, but segment loops. */
        BYTE_ARRAY,
        /** 64-byte aligned off-heap memory of a shared arena. */
        NATIVE,
        /** Off-heap memory at an address that is not a multiple of 4: unaligned segment loops. */
        NATIVE_UNALIGNED,
        /** Off-heap memory of a confined arena: kernels must stay on the calling thread. */
        CONFINED
    }

    static final float GUARD = -7.25e-3f;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int GUARDS = 3;

    final MemorySegment segment;
    final long offset;
    final int n;
    private final MemorySegment whole;

    private Operand(MemorySegment whole, MemorySegment segment, long offset, int n) {
        this.whole = whole;
        this.segment = segment;
        this.offset = offset;
        this.n = n;
    }

    /** Copies {@code values} into fresh memory of the given kind, at element {@code offset}. */
    static Operand of(Kind kind, Arena arena, float[] values, int offset) {
        int n = values.length;
        int total = offset + n + GUARDS;
        MemorySegment whole;
        MemorySegment seg;
        long off;
        switch (kind) {
            case ARRAY -> {
                whole = MemorySegment.ofArray(new float[total]);
                seg = whole;
                off = offset;
            }
            case ARRAY_SLICE -> {
                whole = MemorySegment.ofArray(new float[total]);
                seg = whole.asSlice((long) offset * Float.BYTES);
                off = 0;
            }
            case BYTE_ARRAY -> {
                whole = MemorySegment.ofArray(new byte[total * Float.BYTES]);
                seg = whole;
                off = offset;
            }
            case NATIVE, CONFINED -> {
                whole = arena.allocate((long) total * Float.BYTES, 64);
                seg = whole;
                off = offset;
            }
            case NATIVE_UNALIGNED -> {
                whole = arena.allocate((long) total * Float.BYTES + 1, 64).asSlice(1);
                seg = whole;
                off = offset;
            }
            default -> throw new AssertionError(kind);
        }
        for (long i = 0; i < whole.byteSize() / Float.BYTES; i++) {
            whole.setAtIndex(F, i, GUARD);
        }
        for (int i = 0; i < n; i++) {
            seg.setAtIndex(F, off + i, values[i]);
        }
        return new Operand(whole, seg, off, n);
    }

    /** The current values of the operand's range. */
    float[] values() {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = segment.getAtIndex(F, offset + i);
        }
        return v;
    }

    /** Fails if any element outside the operand's range changed. */
    void assertGuardsIntact() {
        long start = (segment.address() - whole.address()) / Float.BYTES + offset;
        long end = start + n;
        for (long i = 0; i < whole.byteSize() / Float.BYTES; i++) {
            if (i < start || i >= end) {
                assertEquals(GUARD, whole.getAtIndex(F, i), "guard element " + i + " was overwritten");
            }
        }
    }
}
