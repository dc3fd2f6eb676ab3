package dev.vela.internal.simd;

import java.lang.foreign.MemorySegment;

/**
 * The float32 kernel contract every implementation (scalar, Vector API, later GPU) fulfils.
 *
 * <p>Callers ({@link dev.vela.kernels.FloatKernels}) have already validated every argument:
 * offsets and counts are in elements, in range, and outputs are writable. A call covers at most
 * {@link dev.vela.kernels.FloatKernels#MAX_SPAN} elements, so counts are ints while offsets stay
 * longs (segments may hold more than 2^31 elements). Each method works on
 * one contiguous range and is called once per parallel chunk or reduction block, so it holds no
 * state and allocates nothing. Reductions return the block's partial in double; the caller
 * combines the partials of fixed-size blocks in a fixed order.
 *
 * <p>Elementwise results must not depend on where an element sits in a range (no different
 * arithmetic for loop tails), so that chunking never changes a bit.
 */
public interface FloatOps {

    /** Which implementation this is, for logs and benchmark rows. */
    String name();

    void fill(int n, float value, MemorySegment x, long xo);

    /** x = a * x. */
    void scale(int n, float a, MemorySegment x, long xo);

    /** y = a * x + y. */
    void axpy(int n, float a, MemorySegment x, long xo, MemorySegment y, long yo);

    /** y = a * x + b * y. */
    void axpby(int n, float a, MemorySegment x, long xo, float b, MemorySegment y, long yo);

    /** out = x + y. */
    void add(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo);

    /** out = x - y. */
    void sub(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo);

    /** out = x * y. */
    void mul(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo);

    /** out = x / y. */
    void div(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo);

    /** out = x * y + z with a single rounding. */
    void fma(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment z, long zo,
             MemorySegment out, long oo);

    /** out = sqrt(x). */
    void sqrt(int n, MemorySegment x, long xo, MemorySegment out, long oo);

    /** out = min(max(x, lo), hi); NaN stays NaN. */
    void clamp(int n, float lo, float hi, MemorySegment x, long xo, MemorySegment out, long oo);

    /** Partial dot product of one block. */
    double dot(int n, MemorySegment x, long xo, MemorySegment y, long yo);

    /** Partial sum of one block. */
    double sum(int n, MemorySegment x, long xo);

    /** Partial sum of squares of one block, accumulated in double so that no float square over- or underflows. */
    double sumOfSquares(int n, MemorySegment x, long xo);

    /** Largest |x| of one block; NaN if the block holds a NaN; 0 for an empty block. */
    float maxAbs(int n, MemorySegment x, long xo);

    /** Number of NaN and infinite elements of one block. */
    long countNonFinite(int n, MemorySegment x, long xo);
}
