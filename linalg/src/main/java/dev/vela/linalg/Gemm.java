package dev.vela.linalg;

import dev.vela.kernels.Capabilities;
import dev.vela.kernels.Implementation;
import dev.vela.parallel.VelaPool;
import dev.vela.kernels.FloatKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Dense float32 matrix multiplication, {@code C = alpha * A * B + beta * C}, over
 * {@link MatrixView}s: a transposed operand is a transposed view ({@code a.transposed()}), so
 * the four BLAS transpose combinations, and either layout of C, are one call.
 *
 * <p>Numerics: each element of C is {@code beta * c + alpha * sum_k a_ik * b_kj}, the sum taken
 * in float32 in a fixed order that depends on the implementation but not on the thread count,
 * so the same inputs give the same bits on any pool. With {@code beta == 0} the old C is not
 * read (NaN or Inf in it do not propagate), as in BLAS; with K = 0 C becomes {@code beta * C}.
 *
 * <p>The Vector API implementation packs panels of A and B into arrays and runs a
 * register-blocked micro-kernel (6 rows by 2 vectors of C per step), parallel over blocks of
 * rows of C; the scalar one is a plain row-by-row loop, parallel over rows.
 */
public final class Gemm {

    private final Implementation implementation;
    private final GemmKernel kernel;
    private final VelaPool pool;
    private final FloatKernels serial;

    private Gemm(Implementation implementation, VelaPool pool) {
        this.implementation = implementation;
        this.kernel = GemmKernel.of(implementation);
        this.pool = pool;
        this.serial = serial(implementation);
    }

    /** The implementation {@link Capabilities#current()} chose, on {@link VelaPool#defaultPool()}. */
    public static Gemm get() {
        return new Gemm(Capabilities.current().implementation(), VelaPool.defaultPool());
    }

    /**
     * The given implementation on the given pool.
     *
     * @throws IllegalStateException naming the reason when the implementation is unavailable
     */
    public static Gemm create(Implementation implementation, VelaPool pool) {
        if (implementation == null) {
            throw new NullPointerException("implementation must not be null");
        }
        if (pool == null) {
            throw new NullPointerException("pool must not be null");
        }
        return new Gemm(implementation, pool);
    }

    /** The pool it runs on (package-private: SampledMatmul's gathers share it). */
    VelaPool pool() {
        return pool;
    }

    /** The implementation this instance runs. */
    public Implementation implementation() {
        return implementation;
    }

    /**
     * {@code C = alpha * A * B + beta * C}: A is m x k, B is k x n, C is m x n.
     *
     * @throws IllegalArgumentException naming the operand when the shapes do not match, C is
     *     read-only, or C's memory overlaps A's or B's (checked on the spans the views cover,
     *     before anything is written)
     */
    public void sgemm(float alpha, MatrixView a, MatrixView b, float beta, MatrixView c) {
        check(a, b, c);
        if (c.rows() == 0 || c.cols() == 0) {
            return;
        }
        if (c.layout() == MatrixView.Layout.COLUMN_MAJOR) {
            // C^T = B^T A^T with a row-major C^T: the kernels write row-major C only
            kernel.multiply(alpha, b.transposed(), a.transposed(), beta, c.transposed(), pool, share(a, b, c));
        } else {
            kernel.multiply(alpha, a, b, beta, c, pool, share(a, b, c));
        }
    }

    /**
     * {@code y = alpha * A * x + beta * y} (SGEMV): A is m x n, x has n elements from xOffset, y
     * has m from yOffset. Row-major A: one SIMD dot product per row (blocked float sums added in
     * double), parallel over rows; column-major A: y scaled, then one axpy per column over each
     * task's rows. With beta 0, y is not read. The same bits on any thread count.
     *
     * @throws IllegalArgumentException naming the argument when x or y is too short, y is
     *     read-only, or y overlaps A or x
     */
    public void sgemv(float alpha, MatrixView a, MemorySegment x, long xOffset, float beta, MemorySegment y,
                      long yOffset) {
        if (a == null) {
            throw new NullPointerException("a must not be null");
        }
        int m = a.rows(), n = a.cols();
        dev.vela.memory.SegmentChecks.checkRange("x", x, xOffset, n, Float.BYTES);
        dev.vela.memory.SegmentChecks.checkWritableRange("y", y, yOffset, m, Float.BYTES);
        MemorySegment ys = y.asSlice(yOffset * Float.BYTES, (long) m * Float.BYTES);
        MemorySegment as = span(a);
        if (m > 0 && as != null && ys.asOverlappingSlice(as).isPresent()) {
            throw new IllegalArgumentException("y and a overlap: y would be overwritten while A is read");
        }
        if (m > 0 && n > 0 && ys.asOverlappingSlice(x.asSlice(xOffset * Float.BYTES, (long) n * Float.BYTES)).isPresent()) {
            throw new IllegalArgumentException("y and x overlap: y would be overwritten while x is read");
        }
        FloatKernels k = serial;
        boolean rowMajor = a.layout() == MatrixView.Layout.ROW_MAJOR;
        dev.vela.parallel.RangeBody rows = (r0, r1) -> {
            int len = (int) (r1 - r0);
            if (rowMajor) {
                for (int i = (int) r0; i < r1; i++) {
                    double dot = n == 0 ? 0 : k.dot(n, a.data(), a.offset() + i * a.ld(), x, xOffset);
                    float old = beta == 0f ? 0f : beta * ys.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
                    ys.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) (alpha * dot) + old);
                }
            } else {
                if (beta == 0f) {
                    k.fill(len, 0f, ys, r0);
                } else if (beta != 1f) {
                    k.scale(len, beta, ys, r0);
                }
                for (int j = 0; j < n; j++) {
                    float xj = alpha * x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, xOffset + j);
                    k.axpy(len, xj, a.data(), a.offset() + j * a.ld() + r0, ys, r0);
                }
            }
        };
        if (pool.canShare(a.data()) && pool.canShare(x) && pool.canShare(y) && m > 1) {
            pool.parallelFor(m, Math.max(1, (1 << 15) / Math.max(1, n)), rows);
        } else {
            rows.run(0, m);
        }
    }

    /** This implementation's elementwise kernels on an inline pool (called from inside pool tasks). */
    FloatKernels serial() {
        return serial;
    }

    /** The given implementation's elementwise kernels on a pool without workers. */
    static FloatKernels serial(Implementation implementation) {
        return FloatKernels.create(implementation, INLINE);
    }

    /** A pool without workers: its loops run on the calling thread. */
    private static final VelaPool INLINE = VelaPool.create(1);

    private boolean share(MatrixView a, MatrixView b, MatrixView c) {
        return pool.canShare(a.data()) && pool.canShare(b.data()) && pool.canShare(c.data());
    }

    private static void check(MatrixView a, MatrixView b, MatrixView c) {
        if (a == null) {
            throw new NullPointerException("a must not be null");
        }
        if (b == null) {
            throw new NullPointerException("b must not be null");
        }
        if (c == null) {
            throw new NullPointerException("c must not be null");
        }
        if (a.cols() != b.rows()) {
            throw new IllegalArgumentException("a.cols() must equal b.rows(): a is " + a.rows() + " x " + a.cols()
                    + ", b is " + b.rows() + " x " + b.cols());
        }
        if (c.rows() != a.rows() || c.cols() != b.cols()) {
            throw new IllegalArgumentException("c must be " + a.rows() + " x " + b.cols() + " (a.rows() x b.cols()), was "
                    + c.rows() + " x " + c.cols());
        }
        if (c.data().isReadOnly()) {
            throw new IllegalArgumentException("c must be writable, its segment is read-only");
        }
        if (overlap(c, a)) {
            throw new IllegalArgumentException("c and a overlap: C would be overwritten while A is read");
        }
        if (overlap(c, b)) {
            throw new IllegalArgumentException("c and b overlap: C would be overwritten while B is read");
        }
    }

    /** Whether the byte spans the two views cover intersect (a view's span includes its ld gaps). */
    private static boolean overlap(MatrixView x, MatrixView y) {
        MemorySegment sx = span(x), sy = span(y);
        return sx != null && sy != null && sx.asOverlappingSlice(sy).isPresent();
    }

    private static MemorySegment span(MatrixView m) {
        if (m.rows() == 0 || m.cols() == 0) {
            return null;
        }
        long outer = m.layout() == MatrixView.Layout.ROW_MAJOR ? m.rows() : m.cols();
        long inner = m.layout() == MatrixView.Layout.ROW_MAJOR ? m.cols() : m.rows();
        return m.data().asSlice(m.offset() * Float.BYTES, ((outer - 1) * m.ld() + inner) * Float.BYTES);
    }
}
