package dev.vela.internal.simd;

import java.lang.foreign.MemorySegment;

/**
 * The float32 kernel contract every implementation (scalar, Vector API, later GPU) fulfils.
 *
 * <p>Callers ({@link dev.vela.kernels.FloatKernels}) have already validated every argument:
 * offsets and counts are in elements, in range, and outputs are writable. Each method works on
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

    void fill(long n, float value, MemorySegment x, long xo);

    /** x = a * x. */
    void scale(long n, float a, MemorySegment x, long xo);

    /** y = a * x + y. */
    void axpy(long n, float a, MemorySegment x, long xo, MemorySegment y, long yo);

    /** y = a * x + b * y. */
    void axpby(long n, float a, MemorySegment x, long xo, float b, MemorySegment y, long yo);

    /** out = x + y. */
    void add(long n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo);

    /** out = x - y. */
    void sub(long n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo);

    /** out = x * y. */
    void mul(long n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo);

    /** out = x / y. */
    void div(long n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo);

    /** out = x * y + z with a single rounding. */
    void fma(long n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment z, long zo,
             MemorySegment out, long oo);

    /** out = sqrt(x). */
    void sqrt(long n, MemorySegment x, long xo, MemorySegment out, long oo);

    /** out = min(max(x, lo), hi); NaN stays NaN. */
    void clamp(long n, float lo, float hi, MemorySegment x, long xo, MemorySegment out, long oo);

    /** Partial dot product of one block. */
    double dot(long n, MemorySegment x, long xo, MemorySegment y, long yo);

    /** Partial sum of one block. */
    double sum(long n, MemorySegment x, long xo);

    /** Partial sum of squares of one block, accumulated in double so that no float square over- or underflows. */
    double sumOfSquares(long n, MemorySegment x, long xo);

    /** Largest |x| of one block; NaN if the block holds a NaN; 0 for an empty block. */
    float maxAbs(long n, MemorySegment x, long xo);

    /** Number of NaN and infinite elements of one block. */
    long countNonFinite(long n, MemorySegment x, long xo);
}
