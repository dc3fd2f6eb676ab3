package dev.vela.internal.run;

import dev.vela.parallel.BlockFunction;
import dev.vela.parallel.RangeBody;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * How every kernel façade runs work on its pool: elementwise kernels over spans of at most
 * {@link #MAX_SPAN} elements in chunks of {@link #ELEMENTWISE_GRAIN}, reductions over fixed
 * blocks of {@link #REDUCTION_BLOCK} elements whose partials come back in block order. Work on a
 * segment of a confined arena stays on the calling thread.
 */
public final class KernelRunner {

    public static final int ELEMENTWISE_GRAIN = 1 << 15;
    public static final int MAX_SPAN = 1 << 20;
    public static final int REDUCTION_BLOCK = 1 << 14;
    private static final int BLOCKS_PER_TASK = 4;
    /** Runs reductions over confined segments on the calling thread (a one-thread pool has no workers). */
    private static final VelaPool INLINE = VelaPool.create(1);

    /** An elementwise kernel over the span [start, start + length), length <= MAX_SPAN. */
    @FunctionalInterface
    public interface Span {
        void run(long start, int length);
    }

    /** Adds the partial sums of the block [start, start + length) into out[0..k). */
    @FunctionalInterface
    public interface SumsBlock {
        void add(long start, int length, double[] out);
    }

    /**
     * Adds the k sums of each piece of {@code cols} elements of [start, start + length) into
     * out[outOffset + piece * k ..]; {@code cols} divides {@code length}.
     */
    @FunctionalInterface
    public interface RowSumsBlock {
        void add(long start, int length, int cols, double[] out, int outOffset);
    }

    private final VelaPool pool;

    public KernelRunner(VelaPool pool) {
        this.pool = pool;
    }

    public VelaPool pool() {
        return pool;
    }

    /** Whether the pool's workers may touch all these segments. */
    public boolean share(MemorySegment... segments) {
        for (MemorySegment s : segments) {
            if (!pool.canShare(s)) {
                return false;
            }
        }
        return true;
    }

    public void elementwise(long n, boolean parallel, Span body) {
        RangeBody spans = (s, e) -> {
            for (long p = s; p < e; p += MAX_SPAN) {
                body.run(p, (int) Math.min(MAX_SPAN, e - p));
            }
        };
        if (parallel) {
            pool.parallelFor(n, ELEMENTWISE_GRAIN, spans);
        } else if (n > 0) {
            spans.run(0, n);
        }
    }

    /**
     * Copies n elements of elementBytes each (arguments already validated): through one
     * memmove-like copy when the ranges overlap, in parallel chunks otherwise.
     */
    public void copy(long n, MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long elementBytes) {
        MemorySegment from = src.asSlice(srcOffset * elementBytes, n * elementBytes);
        MemorySegment to = dst.asSlice(dstOffset * elementBytes, n * elementBytes);
        if (from.asOverlappingSlice(to).isPresent()) {
            MemorySegment.copy(from, 0, to, 0, n * elementBytes);
            return;
        }
        elementwise(n, share(src, dst),
                (s, len) -> MemorySegment.copy(from, s * elementBytes, to, s * elementBytes, len * elementBytes));
    }

    /** The partial of every block, in block order. */
    public double[] blocks(long n, boolean parallel, BlockFunction f) {
        return (parallel ? pool : INLINE).reduceBlocks(n, REDUCTION_BLOCK, BLOCKS_PER_TASK, f);
    }

    /** The block partials added left to right in double. */
    public double sumOfBlocks(long n, boolean parallel, BlockFunction f) {
        if (n <= REDUCTION_BLOCK) {
            return n == 0 ? 0.0 : f.apply(0, n);
        }
        double s = 0;
        for (double p : blocks(n, parallel, f)) {
            s += p;
        }
        return s;
    }

    /**
     * k sums at once over fixed blocks of {@link #REDUCTION_BLOCK} elements: each block's partials
     * start from zero, and the blocks are added left to right in double, so the result does not
     * depend on the thread count.
     */
    public double[] sums(long n, boolean parallel, int k, SumsBlock f) {
        return run(sumsPlan(n, k, f), parallel);
    }

    /** {@link #sums} as work not yet run (see {@link RowSums}). */
    public static RowSums sumsPlan(long n, int k, SumsBlock f) {
        // one row: every call's sums start at out[0] (the whole row, or one block of it in the
        // block's own array), which is where a SumsBlock writes them
        return new RowSums(1, n, k, (start, length, cols, out, o) -> f.add(start, length, out));
    }

    /**
     * k sums for each of {@code rows} consecutive rows of {@code cols} elements, as
     * {@code out[row * k + j]}, the same for any thread count. Rows of at most
     * {@link #REDUCTION_BLOCK} elements are summed whole, as many per call as fit in a block;
     * longer rows are split into blocks of {@link #REDUCTION_BLOCK} from their start, each block's
     * sums from zero, added left to right in double (so the same sums as {@link #sums} over that
     * row). Work not yet run: {@link #run} runs it, or a caller runs its units among others'
     * (see {@link RowSums}).
     */
    public static RowSums rowSumsPlan(long rows, long cols, int k, RowSumsBlock f) {
        return new RowSums(rows, cols, k, f);
    }

    /** Runs every unit of {@code sums} (on the pool when parallel) and returns its result. */
    public double[] run(RowSums sums, boolean parallel) {
        (parallel ? pool : INLINE).parallelFor(sums.units(), BLOCKS_PER_TASK, sums::run);
        return sums.result();
    }

    /**
     * Row sums ({@link #rowSumsPlan}) as independent units of work, so that a caller can run the
     * units of many tensors' sums in one parallel loop: each unit writes only its own entries,
     * any thread may run any unit, and {@link #result} combines them in a fixed order once all
     * have run.
     */
    public static final class RowSums {
        private final long rows;
        private final long cols;
        private final int k;
        private final RowSumsBlock f;
        /** Rows per unit when rows are short, else 0. */
        private final long rowsPerUnit;
        /** Blocks per row when rows are long, else 0. */
        private final long blocksPerRow;
        private final long units;
        private final double[] out;
        /** One partial per block of a long row, or null. */
        private final double @Nullable [] partials;
        private boolean combined;

        private RowSums(long rows, long cols, int k, RowSumsBlock f) {
            this.rows = rows;
            this.cols = cols;
            this.k = k;
            this.f = f;
            this.out = new double[Math.toIntExact(rows * k)];
            if (rows == 0 || cols == 0) {
                rowsPerUnit = blocksPerRow = units = 0;
                partials = null;
            } else if (cols <= REDUCTION_BLOCK) {
                rowsPerUnit = REDUCTION_BLOCK / cols;
                blocksPerRow = 0;
                units = (rows + rowsPerUnit - 1) / rowsPerUnit;
                partials = null;
            } else {
                rowsPerUnit = 0;
                blocksPerRow = (cols + REDUCTION_BLOCK - 1) / REDUCTION_BLOCK;
                units = Math.multiplyExact(rows, blocksPerRow);
                partials = new double[Math.toIntExact(units * k)];
            }
        }

        /** The number of units. */
        public long units() {
            return units;
        }

        /** Runs the units [u0, u1). */
        public void run(long u0, long u1) {
            if (partials == null) {
                // each unit sums its rows whole into their own entries of out: nothing to combine
                for (long u = u0; u < u1; u++) {
                    long row = u * rowsPerUnit, count = Math.min(rowsPerUnit, rows - row);
                    f.add(row * cols, (int) (count * cols), (int) cols, out, (int) (row * k));
                }
                return;
            }
            double[] one = new double[k];
            for (long b = u0; b < u1; b++) {
                long row = b / blocksPerRow, first = (b % blocksPerRow) * REDUCTION_BLOCK;
                int length = (int) Math.min(REDUCTION_BLOCK, cols - first);
                java.util.Arrays.fill(one, 0);
                f.add(row * cols + first, length, length, one, 0);
                System.arraycopy(one, 0, partials, (int) b * k, k);
            }
        }

        /** The sums, row by row, once every unit has run. */
        public double[] result() {
            if (partials != null && !combined) {
                combined = true;
                for (int b = 0; b < units; b++) {
                    int row = (int) (b / blocksPerRow);
                    for (int j = 0; j < k; j++) {
                        out[row * k + j] += partials[b * k + j];
                    }
                }
            }
            return out;
        }
    }

    /** The largest block partial; NaN if any partial is NaN; 0 for n = 0. */
    public double maxOfBlocks(long n, boolean parallel, BlockFunction f) {
        double m = 0;
        for (double p : blocks(n, parallel, f)) {
            m = Math.max(m, p);
        }
        return m;
    }
}
