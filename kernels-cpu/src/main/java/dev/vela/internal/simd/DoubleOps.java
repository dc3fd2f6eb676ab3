package dev.vela.internal.simd;

import java.lang.foreign.MemorySegment;

/**
 * The float64 kernel contract: the BLAS level-1 set. Same rules as {@link FloatOps}: arguments
 * are validated by the caller, a call covers at most {@code MAX_SPAN} elements, reductions
 * return one block's partial, and an element's result never depends on its position.
 */
public interface DoubleOps {

    String name();

    void fill(int n, double value, MemorySegment x, long xo);

    /** x = a * x. */
    void scale(int n, double a, MemorySegment x, long xo);

    /** y = a * x + y. */
    void axpy(int n, double a, MemorySegment x, long xo, MemorySegment y, long yo);

    /** Partial dot product of one block. */
    double dot(int n, MemorySegment x, long xo, MemorySegment y, long yo);

    /** Partial sum of one block. */
    double sum(int n, MemorySegment x, long xo);

    /** Partial sum of (s * x)^2 of one block; s is a power of two chosen by the caller to avoid over- and underflow. */
    double sumOfScaledSquares(int n, double s, MemorySegment x, long xo);

    /** Largest |x| of one block; NaN if the block holds a NaN; 0 for an empty block. */
    double maxAbs(int n, MemorySegment x, long xo);
}
