package dev.vela.internal.run;

import dev.vela.parallel.BlockFunction;
import dev.vela.parallel.RangeBody;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;

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
        // one row: every call's sums start at out[0] (the whole row, or one block of it in the
        // block's own array), which is where a SumsBlock writes them
        return rowSums(1, n, parallel, k, (start, length, cols, out, o) -> f.add(start, length, out));
    }

    /**
     * k sums for each of {@code rows} consecutive rows of {@code cols} elements, as
     * {@code out[row * k + j]}, the same for any thread count. Rows of at most
     * {@link #REDUCTION_BLOCK} elements are summed whole, as many per call as fit in a block;
     * longer rows are split into blocks of {@link #REDUCTION_BLOCK} from their start, each block's
     * sums from zero, added left to right in double (so the same sums as {@link #sums} over that
     * row).
     */
    public double[] rowSums(long rows, long cols, boolean parallel, int k, RowSumsBlock f) {
        double[] out = new double[Math.toIntExact(rows * k)];
        if (rows == 0 || cols == 0) {
            return out;
        }
        VelaPool on = parallel ? pool : INLINE;
        if (cols <= REDUCTION_BLOCK) {
            long perCall = REDUCTION_BLOCK / cols, calls = (rows + perCall - 1) / perCall;
            // each call writes its own rows' entries of out: no partials to combine
            on.parallelFor(calls, BLOCKS_PER_TASK, (c0, c1) -> {
                for (long c = c0; c < c1; c++) {
                    long row = c * perCall, count = Math.min(perCall, rows - row);
                    f.add(row * cols, (int) (count * cols), (int) cols, out, (int) (row * k));
                }
            });
            return out;
        }
        long perRow = (cols + REDUCTION_BLOCK - 1) / REDUCTION_BLOCK;
        long blocks = Math.multiplyExact(rows, perRow);
        double[] partials = new double[Math.toIntExact(blocks * k)];
        on.parallelFor(blocks, BLOCKS_PER_TASK, (b0, b1) -> {
            double[] one = new double[k];
            for (long b = b0; b < b1; b++) {
                long row = b / perRow, first = (b % perRow) * REDUCTION_BLOCK;
                int length = (int) Math.min(REDUCTION_BLOCK, cols - first);
                java.util.Arrays.fill(one, 0);
                f.add(row * cols + first, length, length, one, 0);
                System.arraycopy(one, 0, partials, (int) b * k, k);
            }
        });
        for (int b = 0; b < blocks; b++) {
            int row = (int) (b / perRow);
            for (int j = 0; j < k; j++) {
                out[row * k + j] += partials[b * k + j];
            }
        }
        return out;
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
