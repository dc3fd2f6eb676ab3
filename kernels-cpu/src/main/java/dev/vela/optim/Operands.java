package dev.vela.optim;

import static dev.vela.memory.SegmentChecks.checkCount;
import static dev.vela.memory.SegmentChecks.checkRange;
import static dev.vela.memory.SegmentChecks.checkSameLength;
import static dev.vela.memory.SegmentChecks.checkWritableRange;
import static dev.vela.memory.SegmentChecks.overlappingPair;

import dev.vela.internal.run.KernelRunner;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The checks every fused update makes before it writes anything: a valid count, every buffer
 * live, in range and writable where written, and no two buffers sharing memory (an update reads
 * each element of every buffer before writing it, so aliasing would change the result).
 */
final class Operands {

    private static final long F = Float.BYTES;

    private final long n;
    private final List<String> names = new ArrayList<>();
    private final List<MemorySegment> segments = new ArrayList<>();
    private final List<MemorySegment> ranges = new ArrayList<>();

    private Operands(long n) {
        this.n = n;
    }

    static Operands of(long n) {
        checkCount("n", n);
        return new Operands(n);
    }

    /** A float32 buffer the update writes. */
    Operands written(String name, MemorySegment s, long offset) {
        checkWritableRange(name, s, offset, n, F);
        return add(name, s, offset, F);
    }

    /** A bfloat16 buffer the update writes. */
    Operands writtenBf16(String name, MemorySegment s, long offset) {
        checkWritableRange(name, s, offset, n, Short.BYTES);
        return add(name, s, offset, Short.BYTES);
    }

    /** A buffer the update only reads. */
    Operands read(String name, MemorySegment s, long offset) {
        checkRange(name, s, offset, n, F);
        return add(name, s, offset, F);
    }

    /** A state buffer that the rule needs exactly when {@code needed}. */
    Operands state(String name, @Nullable MemorySegment s, long offset, boolean needed, String why) {
        if (needed && s == null) {
            throw new NullPointerException(name + " must not be null: " + why);
        }
        return s == null ? this : written(name, s, offset);
    }

    private Operands add(String name, MemorySegment s, long offset, long bytes) {
        names.add(name);
        segments.add(s);
        ranges.add(n == 0 ? s.asSlice(0, 0) : s.asSlice(offset * bytes, n * bytes));
        return this;
    }

    /** Whether the runner's pool may touch every buffer (else the work stays on the caller). */
    boolean shareable(KernelRunner run) {
        return run.share(segments.toArray(MemorySegment[]::new));
    }

    /** Fails, naming both, if any two of the ranges share memory. */
    void checkDisjoint() {
        int[] pair = overlappingPair(ranges);
        if (pair != null) {
            throw new IllegalArgumentException(names.get(pair[0]) + " and " + names.get(pair[1])
                    + " overlap; a fused update needs separate buffers");
        }
    }

    /** {@code a} as a segment, after checking that it has p's length. */
    static MemorySegment sameLength(float[] p, String name, float[] a) {
        checkSameLength("p", p.length, name, a.length);
        return MemorySegment.ofArray(a);
    }

    /** {@code a} (bfloat16 bits) as a segment, after checking that it has p's length. */
    static MemorySegment sameLength(short[] p, String name, short[] a) {
        checkSameLength("p", p.length, name, a.length);
        return MemorySegment.ofArray(a);
    }

    /** {@code a} as a segment, after checking that it has p's length. */
    static MemorySegment sameLength(short[] p, String name, float[] a) {
        checkSameLength("p", p.length, name, a.length);
        return MemorySegment.ofArray(a);
    }

    /** As {@link #sameLength}, where a missing buffer stays missing. */
    static @Nullable MemorySegment sameLengthOrNull(float[] p, String name, float @Nullable [] a) {
        return a == null ? null : sameLength(p, name, a);
    }
}
