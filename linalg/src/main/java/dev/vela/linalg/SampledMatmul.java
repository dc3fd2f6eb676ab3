package dev.vela.linalg;

import dev.vela.kernels.FloatKernels;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Sampled matrix multiplication over the inner dimension (Drineas-Kannan-Mahoney column-row
 * sampling, and WTA-CRS, Liu et al., NeurIPS 2023): {@code X (n x m) * Y (m x q)} is the sum
 * of m outer products {@code X[:, i] Y[i, :]}; a {@link ColumnRowSample} keeps a budget of them
 * with weights that keep the estimate unbiased.
 *
 * <ul>
 *   <li>{@link Method#CRS}: {@code keep} i.i.d. draws with {@code p_i = ‖X[:, i]‖ ‖Y[i, :]‖ / Z},
 *       each drawn pair weighted {@code 1 / (keep p_i)}.
 *   <li>{@link Method#WTA_CRS}: the pairs of largest p are kept exactly (weight 1) and the rest
 *       of the budget is drawn from the remaining pairs, renormalised, weighted
 *       {@code (1 - P_C) / (s p_j)} ({@code P_C} the winners' mass, s the draws). The number of
 *       winners c minimises {@code (1 - P(c)) / (keep - c)} over c = 1 .. keep - 1, and is used
 *       when that score is at most {@code 1 / keep} (then the variance is at most CRS's);
 *       otherwise c = 0, which is CRS.
 *   <li>A budget of at least m keeps every pair with weight 1: the exact product.
 * </ul>
 *
 * <p>Draws come from {@link SplittableRandom} seeded by the caller: the same seed and inputs give
 * the same sample. Repeated draws of a pair are merged (weights summed). Norms are accumulated
 * in double; a product of all-zero norms keeps no pair (the product is 0).
 *
 * <p>For a linear layer's weight gradient {@code ∇W = ∇Hᵀ Z} (inner dimension: tokens), X is the
 * transposed view of ∇H and Y is Z; {@link #gatherScaledRows} gives the rows of Z to store.
 */
public final class SampledMatmul {

    /** The sampling scheme. */
    public enum Method {
        /** Column-row sampling, i.i.d. with norm-product probabilities. */
        CRS,
        /** Winner-take-all CRS: the largest-probability pairs exactly, the rest sampled. */
        WTA_CRS
    }

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final Gemm gemm;
    /** The same implementation on an inline pool: called from inside the pool's own tasks. */
    private final FloatKernels serial;

    private SampledMatmul(Gemm gemm) {
        this.gemm = gemm;
        this.serial = gemm.serial();
    }

    /** Sampled products whose final GEMM runs on {@link Gemm#get()}. */
    public static SampledMatmul get() {
        return new SampledMatmul(Gemm.get());
    }

    /** Sampled products whose final GEMM runs on the given instance. */
    public static SampledMatmul create(Gemm gemm) {
        if (gemm == null) {
            throw new NullPointerException("gemm must not be null");
        }
        return new SampledMatmul(gemm);
    }

    /**
     * Chooses the column-row pairs of {@code x * y} to keep.
     *
     * @throws IllegalArgumentException naming the argument when keep < 1, x.cols() != y.rows(),
     *     or a column of x or a row of y holds NaN or an infinity (its norm, and so every
     *     probability, would be undefined)
     */
    public ColumnRowSample select(Method method, MatrixView x, MatrixView y, int keep, long seed) {
        if (method == null) {
            throw new NullPointerException("method must not be null");
        }
        checkInner(x, y);
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1, was " + keep);
        }
        int m = x.cols();
        double[] w = new double[m];
        double[] colSq = columnSquares(x), rowSq = columnSquares(y.transposed());
        double z = 0;
        for (int i = 0; i < m; i++) {
            // NaN or Inf in a column or row leaves its probability undefined: refuse it
            if (!Double.isFinite(colSq[i])) {
                throw new IllegalArgumentException("x has a non-finite value in column " + i
                        + ": sampling probabilities need finite norms");
            }
            if (!Double.isFinite(rowSq[i])) {
                throw new IllegalArgumentException("y has a non-finite value in row " + i
                        + ": sampling probabilities need finite norms");
            }
            w[i] = Math.sqrt(colSq[i]) * Math.sqrt(rowSq[i]);
            z += w[i];
        }
        double[] p = new double[m];
        for (int i = 0; i < m; i++) {
            p[i] = z > 0 ? w[i] / z : 1.0 / m;
        }
        if (keep >= m) {
            int[] all = new int[m];
            float[] ones = new float[m];
            for (int i = 0; i < m; i++) {
                all[i] = i;
                ones[i] = 1f;
            }
            return new ColumnRowSample(m, all, ones, m, p);
        }
        if (z == 0) {
            return new ColumnRowSample(m, new int[0], new float[0], 0, p);
        }
        double[] weight = new double[m]; // summed weight per index, 0 = not kept
        int winners = 0;
        boolean[] isWinner = new boolean[m];
        if (method == Method.WTA_CRS) {
            double[] sorted = p.clone();
            Arrays.sort(sorted); // ascending: the c-th largest is sorted[m - c]
            double mass = 0, best = Double.POSITIVE_INFINITY;
            int bestC = 0;
            for (int c = 1; c < keep; c++) {
                mass += sorted[m - c];
                double score = Math.max(0, 1 - mass) / (keep - c);
                if (score < best) {
                    best = score;
                    bestC = c;
                }
            }
            if (best <= 1.0 / keep) {
                winners = bestC;
                // the winners: every p above the c-th largest, then equal ones by ascending index
                double cut = sorted[m - winners];
                int taken = 0;
                for (int i = 0; i < m; i++) {
                    if (p[i] > cut) {
                        isWinner[i] = true;
                        taken++;
                    }
                }
                for (int i = 0; i < m && taken < winners; i++) {
                    if (p[i] == cut) {
                        isWinner[i] = true;
                        taken++;
                    }
                }
                for (int i = 0; i < m; i++) {
                    weight[i] = isWinner[i] ? 1 : 0;
                }
            }
        }
        sampleTail(p, isWinner, keep - winners, new SplittableRandom(seed), weight);
        int count = 0;
        for (int i = 0; i < m; i++) {
            count += weight[i] > 0 ? 1 : 0;
        }
        int[] index = new int[count];
        float[] scale = new float[count];
        for (int i = 0, t = 0; i < m; i++) {
            if (weight[i] > 0) {
                index[t] = i;
                scale[t++] = (float) weight[i];
            }
        }
        return new ColumnRowSample(m, index, scale, winners, p);
    }

    /**
     * s i.i.d. draws from the non-winners with probabilities p_j / (1 - P_C), each adding
     * (1 - P_C) / (s p_j) to its index's weight.
     */
    private static void sampleTail(double[] p, boolean[] isWinner, int s, SplittableRandom random, double[] weight) {
        int m = p.length;
        double[] cumulative = new double[m];
        double tail = 0;
        for (int i = 0; i < m; i++) {
            tail += isWinner[i] ? 0 : p[i];
            cumulative[i] = tail;
        }
        if (s <= 0 || !(tail > 0)) {
            return; // the winners hold all the mass: their sum is the product
        }
        for (int t = 0; t < s; t++) {
            double u = random.nextDouble() * tail;
            int j = Arrays.binarySearch(cumulative, u);
            j = j >= 0 ? j + 1 : -j - 1; // the first index whose cumulative mass exceeds u
            while (j < m - 1 && (isWinner[j] || p[j] == 0)) {
                j++; // flat steps of the cumulative sum: winners and zero-probability pairs
            }
            weight[j] += tail / (s * p[j]);
        }
    }

    /**
     * Sum of squares of each column of v: contiguous columns by the SIMD dot kernel (blocked
     * float partial sums added in double), in parallel over columns; strided ones row by row in
     * double.
     */
    private double[] columnSquares(MatrixView v) {
        double[] sq = new double[v.cols()];
        MemorySegment d = v.data();
        int rows = v.rows();
        if (v.layout() == MatrixView.Layout.COLUMN_MAJOR) {
            dev.vela.parallel.RangeBody body = (c0, c1) -> {
                for (int c = (int) c0; c < c1; c++) {
                    long o = v.offset() + c * v.ld();
                    sq[c] = serial.dot(rows, d, o, d, o);
                }
            };
            VelaPool pool = gemm.pool();
            if (pool.canShare(d)) {
                pool.parallelFor(v.cols(), Math.max(1, (1 << 16) / Math.max(1, rows)), body);
            } else {
                body.run(0, v.cols());
            }
        } else {
            for (int r = 0; r < rows; r++) {
                MemorySegment row = d.asSlice((v.offset() + r * v.ld()) * Float.BYTES, (long) v.cols() * Float.BYTES);
                for (int c = 0; c < v.cols(); c++) {
                    double x = row.getAtIndex(F, c);
                    sq[c] += x * x;
                }
            }
        }
        return sq;
    }

    /**
     * {@code out = sum_t scale[t] X[:, index[t]] Y[index[t], :]}, the estimate of x * y: the kept
     * columns and scaled rows are gathered, then multiplied with {@link Gemm#sgemm}.
     *
     * @throws IllegalArgumentException naming the argument when the shapes do not match the sample
     */
    public void multiply(ColumnRowSample sample, MatrixView x, MatrixView y, MatrixView out) {
        checkInner(x, y);
        checkSample(sample, x.cols());
        if (out == null) {
            throw new NullPointerException("out must not be null");
        }
        if (out.rows() != x.rows() || out.cols() != y.cols()) {
            throw new IllegalArgumentException("out must be " + x.rows() + " x " + y.cols() + ", was " + out.rows()
                    + " x " + out.cols());
        }
        int k = sample.size(), n = x.rows(), q = y.cols();
        // an automatic arena: a confined one per call would make the GEMM kernels' accesses see
        // a second session kind (see BENCHMARKS.md, "Scratch memory from a confined arena")
        Arena arena = Arena.ofAuto();
        MatrixView columns = new MatrixView(arena.allocate(Math.max(1, (long) n * k) * Float.BYTES, 64), 0, n, k,
                Math.max(1, n), MatrixView.Layout.COLUMN_MAJOR);
        MatrixView rows = new MatrixView(arena.allocate(Math.max(1, (long) k * q) * Float.BYTES, 64), 0, k, q,
                Math.max(1, q), MatrixView.Layout.ROW_MAJOR);
        gatherColumns(sample, x, columns);
        gatherScaledRows(sample, y, rows);
        gemm.sgemm(1f, columns, rows, 0f, out);
    }

    /** {@code out[:, t] = X[:, index[t]]}: out is n x size(). */
    public void gatherColumns(ColumnRowSample sample, MatrixView x, MatrixView out) {
        checkSample(sample, x.cols());
        checkShape("out", out, x.rows(), sample.size());
        forPairs(sample.size(), x.rows(), x.data(), out.data(), (t0, t1) -> {
            for (int t = (int) t0; t < t1; t++) {
                copyColumn(x, sample.indexAt(t), out, t, 1f);
            }
        });
    }

    /** {@code out[t, :] = scale[t] * Y[index[t], :]}: out is size() x q, the rows a framework stores. */
    public void gatherScaledRows(ColumnRowSample sample, MatrixView y, MatrixView out) {
        checkSample(sample, y.rows());
        checkShape("out", out, sample.size(), y.cols());
        forPairs(sample.size(), y.cols(), y.data(), out.data(), (t0, t1) -> {
            for (int t = (int) t0; t < t1; t++) {
                copyColumn(y.transposed(), sample.indexAt(t), out.transposed(), t, sample.scaleAt(t));
            }
        });
    }

    /** Pairs 0 .. count in parallel on the GEMM's pool (about 64K elements per task) where both segments allow it. */
    private void forPairs(int count, int length, MemorySegment from, MemorySegment to, dev.vela.parallel.RangeBody body) {
        VelaPool pool = gemm.pool();
        if (pool.canShare(from) && pool.canShare(to)) {
            pool.parallelFor(count, Math.max(1, (1 << 16) / Math.max(1, length)), body);
        } else {
            body.run(0, count);
        }
    }

    /** Column c of src, times s, into column t of dst (contiguous copies where both columns are). */
    private void copyColumn(MatrixView src, int c, MatrixView dst, int t, float s) {
        int n = src.rows();
        if (n == 0) {
            return;
        }
        MemorySegment sd = src.data(), dd = dst.data();
        boolean srcContiguous = src.layout() == MatrixView.Layout.COLUMN_MAJOR;
        boolean dstContiguous = dst.layout() == MatrixView.Layout.COLUMN_MAJOR;
        if (srcContiguous && dstContiguous) {
            MemorySegment from = sd.asSlice((src.offset() + c * src.ld()) * Float.BYTES, (long) n * Float.BYTES);
            MemorySegment to = dd.asSlice((dst.offset() + t * dst.ld()) * Float.BYTES, (long) n * Float.BYTES);
            serial.copy(n, from, 0, to, 0);
            if (s != 1f) {
                serial.scale(n, s, to, 0);
            }
            return;
        }
        for (int r = 0; r < n; r++) {
            float v = sd.getAtIndex(F, GemmKernel.at(src, r, c));
            dd.setAtIndex(F, GemmKernel.at(dst, r, t), s * v);
        }
    }

    private static void checkInner(MatrixView x, MatrixView y) {
        if (x == null) {
            throw new NullPointerException("x must not be null");
        }
        if (y == null) {
            throw new NullPointerException("y must not be null");
        }
        if (x.cols() != y.rows()) {
            throw new IllegalArgumentException("x.cols() must equal y.rows(): x is " + x.rows() + " x " + x.cols()
                    + ", y is " + y.rows() + " x " + y.cols());
        }
    }

    private static void checkSample(ColumnRowSample sample, int inner) {
        if (sample == null) {
            throw new NullPointerException("sample must not be null");
        }
        if (sample.innerSize() != inner) {
            throw new IllegalArgumentException("sample was drawn for an inner dimension of " + sample.innerSize()
                    + ", the operands have " + inner);
        }
    }

    private static void checkShape(String name, MatrixView v, int rows, int cols) {
        if (v == null) {
            throw new NullPointerException(name + " must not be null");
        }
        if (v.rows() != rows || v.cols() != cols) {
            throw new IllegalArgumentException(name + " must be " + rows + " x " + cols + ", was " + v.rows() + " x "
                    + v.cols());
        }
        if (v.data().isReadOnly()) {
            throw new IllegalArgumentException(name + " must be writable, its segment is read-only");
        }
    }
}
