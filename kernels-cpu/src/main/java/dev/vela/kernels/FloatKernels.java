package dev.vela.kernels;

import static dev.vela.memory.SegmentChecks.checkCount;
import static dev.vela.memory.SegmentChecks.checkRange;
import static dev.vela.memory.SegmentChecks.checkSameLength;
import static dev.vela.memory.SegmentChecks.checkWritableRange;

import dev.vela.internal.simd.FloatOps;
import dev.vela.internal.run.KernelRunner;
import dev.vela.internal.simd.SimdProvider;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;

/**
 * Float32 elementwise and reduction kernels over {@link MemorySegment}s.
 *
 * <p><b>Arguments.</b> Segment methods take an element count {@code n} and, per operand, a
 * segment and an element offset ({@code long}, so off-heap tensors past 2^31 elements work).
 * Every argument is checked before anything is written: a negative count or offset, a range
 * past the end of a segment, a closed arena or a read-only output throws an exception naming
 * the argument and its value, and leaves all outputs untouched. {@code float[]} overloads take
 * whole arrays of equal length; for a sub-range wrap the array with
 * {@link MemorySegment#ofArray(float[])} and slice it (heap segments over {@code float[]} run the
 * array-indexed loops, at array speed).
 *
 * <p><b>Aliasing.</b> An output may be the very same range as an input (in-place); partially
 * overlapping ranges give unspecified results.
 *
 * <p><b>Numerics.</b> Elementwise kernels follow IEEE 754 float arithmetic: add, sub, mul, div,
 * sqrt, clamp and scale are correctly rounded (exact to the last bit), {@code fma} rounds once.
 * {@code axpy} and {@code axpby} may fuse the multiply-add on the vector path
 * when the CPU has fast FMA ({@link Capabilities#fma()}): results then differ from the scalar
 * path by at most one rounding, and an element's result never depends on its position or the
 * thread count. Reductions ({@code dot}, {@code sum}, {@code norm2}) split the range into fixed
 * blocks of {@value #REDUCTION_BLOCK} elements, reduce each block with float vector
 * accumulators (lanes summed in a fixed order), and add the block partials left to right in
 * double: the result is the same bit for bit for any pool size, and is returned in double.
 * {@code norm2} accumulates squares in double, so it neither overflows for huge nor underflows
 * for tiny elements. NaN and infinities propagate as in IEEE arithmetic; {@code maxAbs} returns
 * NaN if any element is NaN.
 *
 * <p><b>Threads.</b> Work is split into chunks that run on the instance's {@link VelaPool}; a
 * segment of a confined arena is processed on the calling thread only.
 */
public final class FloatKernels {

    /** Elements per parallel chunk of the elementwise kernels. */
    public static final int ELEMENTWISE_GRAIN = KernelRunner.ELEMENTWISE_GRAIN;
    /**
     * Most elements one implementation call covers: longer ranges are cut into spans of this
     * size (implementations index within a span with int counters, which C2 optimises best).
     */
    public static final int MAX_SPAN = KernelRunner.MAX_SPAN;
    /** Elements per reduction block; fixes the association order of every reduction. */
    public static final int REDUCTION_BLOCK = KernelRunner.REDUCTION_BLOCK;
    private static final long F = Float.BYTES;

    private final FloatOps ops;
    private final KernelRunner run;
    private final Implementation implementation;

    private FloatKernels(FloatOps ops, Implementation implementation, VelaPool pool) {
        this.ops = ops;
        this.implementation = implementation;
        this.run = new KernelRunner(pool);
    }

    private static final class DefaultHolder {
        static final FloatKernels DEFAULT = new FloatKernels(SimdProvider.best(),
                Capabilities.current().implementation(), VelaPool.defaultPool());
    }

    /**
     * The best implementation on this JVM (see {@link Capabilities#current()}) on the default
     * pool.
     *
     * @throws IllegalStateException if {@code -Dvela.simd=vector} demands the Vector API and it
     *     is unavailable
     */
    public static FloatKernels get() {
        return DefaultHolder.DEFAULT;
    }

    /**
     * The given implementation on the given pool.
     *
     * @throws IllegalStateException if the implementation is unavailable on this JVM
     */
    public static FloatKernels create(Implementation implementation, VelaPool pool) {
        if (implementation == null) {
            throw new NullPointerException("implementation must not be null");
        }
        if (pool == null) {
            throw new NullPointerException("pool must not be null");
        }
        return new FloatKernels(SimdProvider.of(implementation), implementation, pool);
    }

    /** The implementation these kernels run. */
    public Implementation implementation() {
        return implementation;
    }

    /** A short name of the implementation, such as {@code vector-512-fma} or {@code scalar}. */
    public String implementationName() {
        return ops.name();
    }

    /** The pool these kernels run on. */
    public VelaPool pool() {
        return run.pool();
    }

    // ---- elementwise, segments -----------------------------------------------------------

    /** x[i] = value. */
    public void fill(long n, float value, MemorySegment x, long xOffset) {
        checkCount("n", n);
        checkWritableRange("x", x, xOffset, n, F);
        run.elementwise(n, run.share(x), (s, len) -> ops.fill(len, value, x, xOffset + s));
    }

    /** dst[i] = src[i]; overlapping ranges are copied as if through a temporary buffer. */
    public void copy(long n, MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset) {
        checkCount("n", n);
        checkRange("src", src, srcOffset, n, F);
        checkWritableRange("dst", dst, dstOffset, n, F);
        run.copy(n, src, srcOffset, dst, dstOffset, F);
    }

    /** x[i] = a * x[i]. */
    public void scale(long n, float a, MemorySegment x, long xOffset) {
        checkCount("n", n);
        checkWritableRange("x", x, xOffset, n, F);
        run.elementwise(n, run.share(x), (s, len) -> ops.scale(len, a, x, xOffset + s));
    }

    /** y[i] = a * x[i] + y[i]. */
    public void axpy(long n, float a, MemorySegment x, long xOffset, MemorySegment y, long yOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, F);
        checkWritableRange("y", y, yOffset, n, F);
        run.elementwise(n, run.share(x, y), (s, len) -> ops.axpy(len, a, x, xOffset + s, y, yOffset + s));
    }

    /** y[i] = a * x[i] + b * y[i]. */
    public void axpby(long n, float a, MemorySegment x, long xOffset, float b, MemorySegment y, long yOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, F);
        checkWritableRange("y", y, yOffset, n, F);
        run.elementwise(n, run.share(x, y), (s, len) -> ops.axpby(len, a, x, xOffset + s, b, y, yOffset + s));
    }

    /** out[i] = x[i] + y[i]. */
    public void add(long n, MemorySegment x, long xOffset, MemorySegment y, long yOffset,
                    MemorySegment out, long outOffset) {
        checkBinary(n, x, xOffset, y, yOffset, out, outOffset);
        run.elementwise(n, run.share(x, y, out), (s, len) -> ops.add(len, x, xOffset + s, y, yOffset + s, out, outOffset + s));
    }

    /** out[i] = x[i] - y[i]. */
    public void sub(long n, MemorySegment x, long xOffset, MemorySegment y, long yOffset,
                    MemorySegment out, long outOffset) {
        checkBinary(n, x, xOffset, y, yOffset, out, outOffset);
        run.elementwise(n, run.share(x, y, out), (s, len) -> ops.sub(len, x, xOffset + s, y, yOffset + s, out, outOffset + s));
    }

    /** out[i] = x[i] * y[i]. */
    public void mul(long n, MemorySegment x, long xOffset, MemorySegment y, long yOffset,
                    MemorySegment out, long outOffset) {
        checkBinary(n, x, xOffset, y, yOffset, out, outOffset);
        run.elementwise(n, run.share(x, y, out), (s, len) -> ops.mul(len, x, xOffset + s, y, yOffset + s, out, outOffset + s));
    }

    /** out[i] = x[i] / y[i]. */
    public void div(long n, MemorySegment x, long xOffset, MemorySegment y, long yOffset,
                    MemorySegment out, long outOffset) {
        checkBinary(n, x, xOffset, y, yOffset, out, outOffset);
        run.elementwise(n, run.share(x, y, out), (s, len) -> ops.div(len, x, xOffset + s, y, yOffset + s, out, outOffset + s));
    }

    /** out[i] = x[i] * y[i] + z[i], rounded once. */
    public void fma(long n, MemorySegment x, long xOffset, MemorySegment y, long yOffset,
                    MemorySegment z, long zOffset, MemorySegment out, long outOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, F);
        checkRange("y", y, yOffset, n, F);
        checkRange("z", z, zOffset, n, F);
        checkWritableRange("out", out, outOffset, n, F);
        run.elementwise(n, run.share(x, y, z, out),
                (s, len) -> ops.fma(len, x, xOffset + s, y, yOffset + s, z, zOffset + s, out, outOffset + s));
    }

    /** out[i] = sqrt(x[i]) (NaN for negative x). */
    public void sqrt(long n, MemorySegment x, long xOffset, MemorySegment out, long outOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, F);
        checkWritableRange("out", out, outOffset, n, F);
        run.elementwise(n, run.share(x, out), (s, len) -> ops.sqrt(len, x, xOffset + s, out, outOffset + s));
    }

    /**
     * out[i] = min(max(x[i], lo), hi); a NaN element stays NaN.
     *
     * @throws IllegalArgumentException if lo or hi is NaN, or lo > hi
     */
    public void clamp(long n, float lo, float hi, MemorySegment x, long xOffset, MemorySegment out, long outOffset) {
        checkCount("n", n);
        if (Float.isNaN(lo) || Float.isNaN(hi) || lo > hi) {
            throw new IllegalArgumentException("clamp needs lo <= hi, neither NaN; was lo=" + lo + ", hi=" + hi);
        }
        checkRange("x", x, xOffset, n, F);
        checkWritableRange("out", out, outOffset, n, F);
        run.elementwise(n, run.share(x, out), (s, len) -> ops.clamp(len, lo, hi, x, xOffset + s, out, outOffset + s));
    }

    // ---- reductions, segments ------------------------------------------------------------

    /** Sum of x[i] * y[i], in fixed-order blocks (see the class comment). */
    public double dot(long n, MemorySegment x, long xOffset, MemorySegment y, long yOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, F);
        checkRange("y", y, yOffset, n, F);
        return run.sumOfBlocks(n, run.share(x, y), (s, len) -> ops.dot((int) len, x, xOffset + s, y, yOffset + s));
    }

    /** Sum of x[i], in fixed-order blocks. */
    public double sum(long n, MemorySegment x, long xOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, F);
        return run.sumOfBlocks(n, run.share(x), (s, len) -> ops.sum((int) len, x, xOffset + s));
    }

    /** Euclidean norm sqrt(sum x[i]^2), squares accumulated in double: no overflow or underflow. */
    public double norm2(long n, MemorySegment x, long xOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, F);
        return Math.sqrt(run.sumOfBlocks(n, run.share(x), (s, len) -> ops.sumOfSquares((int) len, x, xOffset + s)));
    }

    /** max |x[i]|; 0 for n = 0; NaN if any element is NaN. */
    public float maxAbs(long n, MemorySegment x, long xOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, F);
        return (float) run.maxOfBlocks(n, run.share(x), (s, len) -> ops.maxAbs((int) len, x, xOffset + s));
    }

    /** Number of NaN and infinite elements. */
    public long countNonFinite(long n, MemorySegment x, long xOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, F);
        return (long) run.sumOfBlocks(n, run.share(x), (s, len) -> ops.countNonFinite((int) len, x, xOffset + s));
    }

    // ---- float[] conveniences (whole arrays of equal length) ------------------------------

    /** x[i] = value. */
    public void fill(float value, float[] x) {
        fill(x.length, value, MemorySegment.ofArray(x), 0);
    }

    /** dst[i] = src[i]. */
    public void copy(float[] src, float[] dst) {
        checkSameLength("src", src.length, "dst", dst.length);
        copy(src.length, MemorySegment.ofArray(src), 0, MemorySegment.ofArray(dst), 0);
    }

    /** x[i] = a * x[i]. */
    public void scale(float a, float[] x) {
        scale(x.length, a, MemorySegment.ofArray(x), 0);
    }

    /** y[i] = a * x[i] + y[i]. */
    public void axpy(float a, float[] x, float[] y) {
        checkSameLength("x", x.length, "y", y.length);
        axpy(x.length, a, MemorySegment.ofArray(x), 0, MemorySegment.ofArray(y), 0);
    }

    /** y[i] = a * x[i] + b * y[i]. */
    public void axpby(float a, float[] x, float b, float[] y) {
        checkSameLength("x", x.length, "y", y.length);
        axpby(x.length, a, MemorySegment.ofArray(x), 0, b, MemorySegment.ofArray(y), 0);
    }

    /** out[i] = x[i] + y[i]. */
    public void add(float[] x, float[] y, float[] out) {
        checkSameLengths(x, y, out);
        add(x.length, MemorySegment.ofArray(x), 0, MemorySegment.ofArray(y), 0, MemorySegment.ofArray(out), 0);
    }

    /** out[i] = x[i] - y[i]. */
    public void sub(float[] x, float[] y, float[] out) {
        checkSameLengths(x, y, out);
        sub(x.length, MemorySegment.ofArray(x), 0, MemorySegment.ofArray(y), 0, MemorySegment.ofArray(out), 0);
    }

    /** out[i] = x[i] * y[i]. */
    public void mul(float[] x, float[] y, float[] out) {
        checkSameLengths(x, y, out);
        mul(x.length, MemorySegment.ofArray(x), 0, MemorySegment.ofArray(y), 0, MemorySegment.ofArray(out), 0);
    }

    /** out[i] = x[i] / y[i]. */
    public void div(float[] x, float[] y, float[] out) {
        checkSameLengths(x, y, out);
        div(x.length, MemorySegment.ofArray(x), 0, MemorySegment.ofArray(y), 0, MemorySegment.ofArray(out), 0);
    }

    /** out[i] = x[i] * y[i] + z[i], rounded once. */
    public void fma(float[] x, float[] y, float[] z, float[] out) {
        checkSameLengths(x, y, out);
        checkSameLength("x", x.length, "z", z.length);
        fma(x.length, MemorySegment.ofArray(x), 0, MemorySegment.ofArray(y), 0, MemorySegment.ofArray(z), 0,
                MemorySegment.ofArray(out), 0);
    }

    /** out[i] = sqrt(x[i]). */
    public void sqrt(float[] x, float[] out) {
        checkSameLength("x", x.length, "out", out.length);
        sqrt(x.length, MemorySegment.ofArray(x), 0, MemorySegment.ofArray(out), 0);
    }

    /** out[i] = min(max(x[i], lo), hi). */
    public void clamp(float lo, float hi, float[] x, float[] out) {
        checkSameLength("x", x.length, "out", out.length);
        clamp(x.length, lo, hi, MemorySegment.ofArray(x), 0, MemorySegment.ofArray(out), 0);
    }

    /** Sum of x[i] * y[i]. */
    public double dot(float[] x, float[] y) {
        checkSameLength("x", x.length, "y", y.length);
        return dot(x.length, MemorySegment.ofArray(x), 0, MemorySegment.ofArray(y), 0);
    }

    /** Sum of x[i]. */
    public double sum(float[] x) {
        return sum(x.length, MemorySegment.ofArray(x), 0);
    }

    /** Euclidean norm of x. */
    public double norm2(float[] x) {
        return norm2(x.length, MemorySegment.ofArray(x), 0);
    }

    /** max |x[i]|. */
    public float maxAbs(float[] x) {
        return maxAbs(x.length, MemorySegment.ofArray(x), 0);
    }

    /** Number of NaN and infinite elements of x. */
    public long countNonFinite(float[] x) {
        return countNonFinite(x.length, MemorySegment.ofArray(x), 0);
    }

    @Override
    public String toString() {
        return "FloatKernels[" + ops.name() + ", " + run.pool() + "]";
    }

    // ---- plumbing ------------------------------------------------------------------------

    private static void checkBinary(long n, MemorySegment x, long xOffset, MemorySegment y, long yOffset,
                                    MemorySegment out, long outOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, F);
        checkRange("y", y, yOffset, n, F);
        checkWritableRange("out", out, outOffset, n, F);
    }

    private static void checkSameLengths(float[] x, float[] y, float[] out) {
        checkSameLength("x", x.length, "y", y.length);
        checkSameLength("x", x.length, "out", out.length);
    }
}
