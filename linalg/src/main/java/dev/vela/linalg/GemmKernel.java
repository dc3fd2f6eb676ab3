package dev.vela.linalg;

import dev.vela.kernels.Implementation;
import dev.vela.kernels.VectorImplementations;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.foreign.ValueLayout;

/**
 * One implementation of {@link Gemm#sgemm} for a row-major C, shapes already checked. The
 * Vector API one ({@code VectorGemm}) is loaded by name, so that nothing here touches
 * {@code jdk.incubator.vector} when the module is absent.
 */
interface GemmKernel {

    void multiply(float alpha, MatrixView a, MatrixView b, float beta, MatrixView c, VelaPool pool, boolean share);

    /** The kernel of the given implementation. */
    static GemmKernel of(Implementation implementation) {
        return implementation == Implementation.SCALAR ? SCALAR : VectorHolder.get();
    }

    /** Element (i, j) of a view, without the bounds check of {@link MatrixView#get}. */
    static long at(MatrixView m, int i, int j) {
        return m.layout() == MatrixView.Layout.ROW_MAJOR ? m.offset() + i * m.ld() + j : m.offset() + j * m.ld() + i;
    }

    /**
     * Plain loops: each row of C accumulates {@code a_ik * b_k.} over k in a float array (k
     * ascending), then becomes {@code beta * c + alpha * acc}. Parallel over rows.
     */
    GemmKernel SCALAR = (alpha, a, b, beta, c, pool, share) -> {
        int m = c.rows(), n = c.cols(), k = a.cols();
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT_UNALIGNED;
        MemorySegment ad = a.data(), bd = b.data(), cd = c.data();
        dev.vela.parallel.RangeBody rows = (r0, r1) -> {
            float[] acc = new float[n];
            for (int i = (int) r0; i < r1; i++) {
                java.util.Arrays.fill(acc, 0f);
                for (int p = 0; p < k; p++) {
                    float aip = ad.getAtIndex(f, at(a, i, p));
                    for (int j = 0; j < n; j++) {
                        acc[j] += aip * bd.getAtIndex(f, at(b, p, j));
                    }
                }
                for (int j = 0; j < n; j++) {
                    long o = at(c, i, j);
                    cd.setAtIndex(f, o, beta == 0f ? alpha * acc[j] : beta * cd.getAtIndex(f, o) + alpha * acc[j]);
                }
            }
        };
        if (share && m > 1) {
            pool.parallelFor(m, Math.max(1, (1 << 16) / Math.max(1, (long) n * Math.max(1, k))), rows);
        } else {
            rows.run(0, m);
        }
    };

    /** Loads the vector kernels once, on first use. */
    final class VectorHolder {
        private static final GemmKernel VECTOR = VectorImplementations.load(MethodHandles.lookup(), GemmKernel.class,
                "dev.vela.linalg.VectorGemm");

        private VectorHolder() {
        }

        static GemmKernel get() {
            return VectorImplementations.require(VECTOR);
        }
    }
}
