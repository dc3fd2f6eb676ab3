package dev.vela.kernels;

import static dev.vela.memory.SegmentChecks.checkCount;
import static dev.vela.memory.SegmentChecks.checkRange;
import static dev.vela.memory.SegmentChecks.checkSameLength;
import static dev.vela.memory.SegmentChecks.checkWritableRange;

import dev.vela.internal.simd.DoubleOps;
import dev.vela.internal.run.KernelRunner;
import dev.vela.internal.simd.SimdProvider;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;

/**
 * Float64 kernels, the BLAS level-1 set: fill, copy, scale, axpy, dot, sum, norm2, maxAbs.
 * Arguments, aliasing, threading and determinism follow {@link FloatKernels}: validated before
 * any write, {@code long} offsets, reductions over fixed blocks of
 * {@value FloatKernels#REDUCTION_BLOCK} elements combined left to right, so the same bits for
 * any pool size. {@code scale} is correctly rounded; {@code axpy} and the reductions may fuse
 * multiply-adds on the vector path.
 *
 * <p>{@code norm2} neither overflows nor underflows: it first sums squares unscaled, and only if
 * that sum overflowed or is so small that squares of small elements may have underflowed does it
 * take a second pass that scales every element by a power of two (exact) chosen from max |x|.
 */
public final class DoubleKernels {

    private static final long D = Double.BYTES;
    /** Below this an unscaled sum of squares may have lost underflowed squares. */
    private static final double SAFE_MIN_SUM = 0x1p-900;

    private final DoubleOps ops;
    private final KernelRunner run;
    private final Implementation implementation;

    private DoubleKernels(DoubleOps ops, Implementation implementation, VelaPool pool) {
        this.ops = ops;
        this.implementation = implementation;
        this.run = new KernelRunner(pool);
    }

    private static final class DefaultHolder {
        static final DoubleKernels DEFAULT = create(SimdProvider.chosen(), VelaPool.defaultPool());
    }

    /** The best implementation on this JVM on the default pool (see {@link FloatKernels#get()}). */
    public static DoubleKernels get() {
        return DefaultHolder.DEFAULT;
    }

    /**
     * The given implementation on the given pool.
     *
     * @throws IllegalStateException if the implementation is unavailable on this JVM
     */
    public static DoubleKernels create(Implementation implementation, VelaPool pool) {
        if (implementation == null) {
            throw new NullPointerException("implementation must not be null");
        }
        if (pool == null) {
            throw new NullPointerException("pool must not be null");
        }
        return new DoubleKernels(SimdProvider.doubleOps(implementation), implementation, pool);
    }

    public Implementation implementation() {
        return implementation;
    }

    /** A short name of the implementation, such as {@code vector-512-fma} or {@code scalar}. */
    public String implementationName() {
        return ops.name();
    }

    public VelaPool pool() {
        return run.pool();
    }

    /** x[i] = value. */
    public void fill(long n, double value, MemorySegment x, long xOffset) {
        checkCount("n", n);
        checkWritableRange("x", x, xOffset, n, D);
        run.elementwise(n, run.share(x), (s, len) -> ops.fill(len, value, x, xOffset + s));
    }

    /** dst[i] = src[i]; overlapping ranges are copied as if through a temporary buffer. */
    public void copy(long n, MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset) {
        checkCount("n", n);
        checkRange("src", src, srcOffset, n, D);
        checkWritableRange("dst", dst, dstOffset, n, D);
        run.copy(n, src, srcOffset, dst, dstOffset, D);
    }

    /** x[i] = a * x[i]. */
    public void scale(long n, double a, MemorySegment x, long xOffset) {
        checkCount("n", n);
        checkWritableRange("x", x, xOffset, n, D);
        run.elementwise(n, run.share(x), (s, len) -> ops.scale(len, a, x, xOffset + s));
    }

    /** y[i] = a * x[i] + y[i]. */
    public void axpy(long n, double a, MemorySegment x, long xOffset, MemorySegment y, long yOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, D);
        checkWritableRange("y", y, yOffset, n, D);
        run.elementwise(n, run.share(x, y), (s, len) -> ops.axpy(len, a, x, xOffset + s, y, yOffset + s));
    }

    /** Sum of x[i] * y[i], in fixed-order blocks. */
    public double dot(long n, MemorySegment x, long xOffset, MemorySegment y, long yOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, D);
        checkRange("y", y, yOffset, n, D);
        return run.sumOfBlocks(n, run.share(x, y), (s, len) -> ops.dot((int) len, x, xOffset + s, y, yOffset + s));
    }

    /** Sum of x[i], in fixed-order blocks. */
    public double sum(long n, MemorySegment x, long xOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, D);
        return run.sumOfBlocks(n, run.share(x), (s, len) -> ops.sum((int) len, x, xOffset + s));
    }

    /** Euclidean norm without overflow or underflow (see the class comment); NaN if any element is NaN. */
    public double norm2(long n, MemorySegment x, long xOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, D);
        boolean share = run.share(x);
        double ss = run.sumOfBlocks(n, share, (s, len) -> ops.sumOfScaledSquares((int) len, 1.0, x, xOffset + s));
        if (Double.isNaN(ss) || (ss >= SAFE_MIN_SUM && ss < Double.POSITIVE_INFINITY)) {
            return Math.sqrt(ss);
        }
        double max = run.maxOfBlocks(n, share, (s, len) -> ops.maxAbs((int) len, x, xOffset + s));
        if (max == 0 || Double.isNaN(max) || Double.isInfinite(max)) {
            return max;
        }
        // 1 / 2^e(max) maps max into [1, 2): no scaled square overflows, and squares that now
        // underflow are below max^2 * 2^-1022, far under max's last bit.
        double scale = Math.scalb(1.0, -Math.getExponent(max));
        double scaled = run.sumOfBlocks(n, share, (s, len) -> ops.sumOfScaledSquares((int) len, scale, x, xOffset + s));
        return Math.sqrt(scaled) / scale;
    }

    /** max |x[i]|; 0 for n = 0; NaN if any element is NaN. */
    public double maxAbs(long n, MemorySegment x, long xOffset) {
        checkCount("n", n);
        checkRange("x", x, xOffset, n, D);
        return run.maxOfBlocks(n, run.share(x), (s, len) -> ops.maxAbs((int) len, x, xOffset + s));
    }

    // ---- double[] conveniences -------------------------------------------------------------

    /** x[i] = value. */
    public void fill(double value, double[] x) {
        fill(x.length, value, MemorySegment.ofArray(x), 0);
    }

    /** dst[i] = src[i]. */
    public void copy(double[] src, double[] dst) {
        checkSameLength("src", src.length, "dst", dst.length);
        copy(src.length, MemorySegment.ofArray(src), 0, MemorySegment.ofArray(dst), 0);
    }

    /** x[i] = a * x[i]. */
    public void scale(double a, double[] x) {
        scale(x.length, a, MemorySegment.ofArray(x), 0);
    }

    /** y[i] = a * x[i] + y[i]. */
    public void axpy(double a, double[] x, double[] y) {
        checkSameLength("x", x.length, "y", y.length);
        axpy(x.length, a, MemorySegment.ofArray(x), 0, MemorySegment.ofArray(y), 0);
    }

    /** Sum of x[i] * y[i]. */
    public double dot(double[] x, double[] y) {
        checkSameLength("x", x.length, "y", y.length);
        return dot(x.length, MemorySegment.ofArray(x), 0, MemorySegment.ofArray(y), 0);
    }

    /** Sum of x[i]. */
    public double sum(double[] x) {
        return sum(x.length, MemorySegment.ofArray(x), 0);
    }

    /** Euclidean norm of x. */
    public double norm2(double[] x) {
        return norm2(x.length, MemorySegment.ofArray(x), 0);
    }

    /** max |x[i]|. */
    public double maxAbs(double[] x) {
        return maxAbs(x.length, MemorySegment.ofArray(x), 0);
    }

    @Override
    public String toString() {
        return "DoubleKernels[" + ops.name() + ", " + run.pool() + "]";
    }
}
