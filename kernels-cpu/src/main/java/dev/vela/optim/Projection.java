package dev.vela.optim;

import dev.vela.internal.run.KernelRunner;
import org.jspecify.annotations.Nullable;

/**
 * AdamP's and SGDP's projection (Heo et al. 2021): decided from per-row sums of g'p, g'^2, p^2
 * and p u (u the unprojected direction), then folded into the update as a per-row decay
 * {@code p <- p (decay + stepSize a_i) - stepSize u}, which equals removing from u its component
 * along {@code p_i / (||p_i|| + eps)}: {@code a_i = (p_i . u_i) / (||p_i|| + eps)^2}.
 */
final class Projection {

    /**
     * Adds the four sums (g'p, g'^2, p^2, p u) of each piece of {@code cols} elements of
     * [start, start + length) to out[outOffset + 4 * piece ..]; it may advance the rule's state,
     * since it runs exactly once per element when it runs at all ({@link #summed}).
     */
    @FunctionalInterface
    interface Sums {
        void add(long start, int length, int cols, double[] out, int outOffset);
    }

    /** Updates the elements [start, start + length), all in one row, with that row's decay. */
    @FunctionalInterface
    interface RowUpdate {
        void apply(long start, int length, float rowDecay);
    }

    private final long cols;
    /** a_i per row (one entry for the layer view), or null when nothing is projected. */
    private final double @Nullable [] coefficients;
    private final boolean summed;

    private Projection(long cols, double @Nullable [] coefficients, boolean summed) {
        this.cols = cols;
        this.coefficients = coefficients;
        this.summed = summed;
    }

    static void checkRows(long rows, long n) {
        if (rows < 1 || n % rows != 0) {
            throw new IllegalArgumentException("rows must be >= 1 and divide n, was rows " + rows + ", n " + n);
        }
    }

    boolean projected() {
        return coefficients != null;
    }

    /** Whether the sums ran (over every element): tensors of one row, or empty, skip them. */
    boolean summed() {
        return summed;
    }

    /**
     * The sums the decision needs, not yet run, or null when there is nothing to decide: tensors
     * of one row are never projected, and empty ones have nothing to project.
     */
    static KernelRunner.@Nullable RowSums sums(long rows, long n, Sums f) {
        if (rows <= 1 || n == 0) {
            return null;
        }
        return KernelRunner.rowSumsPlan(rows, n / rows, 4, f::add);
    }

    /**
     * The channel test, then the layer test, from the result of {@link #sums} (null where it
     * gave no sums).
     */
    static Projection decide(long rows, long n, double delta, double eps, double @Nullable [] s) {
        if (s == null) {
            return new Projection(n, null, false);
        }
        long cols = n / rows;
        double maxCos = 0;
        double[] total = new double[4];
        for (int r = 0; r < rows; r++) {
            maxCos = Math.max(maxCos, cosine(s[4 * r], s[4 * r + 1], s[4 * r + 2], eps));
            for (int j = 0; j < 4; j++) {
                total[j] += s[4 * r + j];
            }
        }
        if (maxCos < delta / Math.sqrt(cols)) {
            double[] a = new double[(int) rows];
            for (int r = 0; r < rows; r++) {
                a[r] = along(s[4 * r + 2], s[4 * r + 3], eps);
            }
            return new Projection(cols, a, true);
        }
        if (cosine(total[0], total[1], total[2], eps) < delta / Math.sqrt(n)) {
            return new Projection(n, new double[] {along(total[2], total[3], eps)}, true);
        }
        return new Projection(n, null, true);
    }

    /** |cos(g, p)| as torch's cosine_similarity computes it: g.p / (max(||g||, eps) max(||p||, eps)). */
    private static double cosine(double gp, double gg, double pp, double eps) {
        return Math.abs(gp) / (Math.max(Math.sqrt(gg), eps) * Math.max(Math.sqrt(pp), eps));
    }

    private static double along(double pp, double pu, double eps) {
        double norm = Math.sqrt(pp) + eps;
        return pu / (norm * norm);
    }

    /** The span update of the whole tensor: each span split at row boundaries, each row with its decay. */
    Spans spans(double decay, double stepSize, RowUpdate u) {
        return new Spans(this, decay, stepSize, u);
    }

    /** A tensor's step after the projection decision; remembers whether it projected. */
    static final class Spans implements Rules.SpanUpdate {
        private final Projection proj;
        private final float uniformDecay;
        private final double decay;
        private final double stepSize;
        private final RowUpdate u;

        private Spans(Projection proj, double decay, double stepSize, RowUpdate u) {
            this.proj = proj;
            this.uniformDecay = (float) decay;
            this.decay = decay;
            this.stepSize = stepSize;
            this.u = u;
        }

        boolean projected() {
            return proj.projected();
        }

        @Override
        public void run(long start, int length) {
            double[] a = proj.coefficients;
            if (a == null) {
                u.apply(start, length, uniformDecay);
                return;
            }
            long end = start + length;
            for (long at = start; at < end; ) {
                long row = at / proj.cols;
                long rowEnd = Math.min(end, (row + 1) * proj.cols);
                u.apply(at, (int) (rowEnd - at), (float) (decay + stepSize * a[(int) row]));
                at = rowEnd;
            }
        }
    }
}
