package dev.vela.parallel;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed set of worker threads that run chunked parallel loops.
 *
 * <p>{@link #parallelFor} cuts {@code [0, n)} into chunks of exactly {@code grain} elements (the
 * last one shorter); the chunk boundaries depend only on {@code n} and {@code grain}, never on
 * the number of threads. The body receives runs of whole contiguous chunks (a range that starts
 * at a multiple of {@code grain} and ends at one, or at {@code n}). The calling thread works on chunks too, so a loop started from inside
 * a worker (nested parallelism) finishes even when every worker is busy, and no thread is
 * started per call. Loops of a single chunk run inline on the caller.
 *
 * <p>{@link #reduceBlocks} computes one partial per fixed-size block and returns the partials in
 * block order: combined in that order they give bit-identical results for any thread count.
 *
 * <p>A pool of {@code t} threads owns {@code t - 1} daemon workers; the caller is the t-th.
 * Who creates a pool closes it; the {@linkplain #defaultPool() default pool} lives as long as
 * the JVM.
 */
public final class VelaPool implements AutoCloseable {

    private static final class DefaultHolder {
        static final VelaPool DEFAULT = create(defaultThreads());
    }

    /** Spin iterations (each a CPU pause) before a waiting thread parks: roughly 0.1 to 1 ms. */
    private static final int SPINS = 1 << 13;

    private final int threads;
    private final Thread[] workers;
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private volatile boolean closed;

    private VelaPool(int threads) {
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workLoop, "vela-worker-" + (i + 1) + "/" + threads);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /**
     * A pool running loops on {@code threads} threads (the caller included).
     *
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public static VelaPool create(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        return new VelaPool(threads);
    }

    /**
     * The shared pool: {@code -Dvela.threads=N} threads if set, else one per available processor.
     */
    public static VelaPool defaultPool() {
        return DefaultHolder.DEFAULT;
    }

    private static int defaultThreads() {
        String p = System.getProperty("vela.threads");
        if (p == null || p.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int t = Integer.parseInt(p.trim());
            if (t >= 1) {
                return t;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("-Dvela.threads must be a positive integer, was '" + p + "'");
    }

    /** Number of threads loops run on, the caller included. */
    public int threads() {
        return threads;
    }

    /**
     * Whether the workers may touch {@code segment}: false for a segment of a confined arena,
     * which kernels then process on the calling thread alone.
     */
    public boolean canShare(MemorySegment segment) {
        return workers.length == 0 || segment.isAccessibleBy(workers[0]);
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of {@code grain} elements.
     *
     * @throws IllegalArgumentException if {@code n < 0} or {@code grain < 1}
     */
    public void parallelFor(long n, long grain, RangeBody body) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, was " + n);
        }
        if (grain < 1) {
            throw new IllegalArgumentException("grain must be >= 1, was " + grain);
        }
        if (closed) {
            throw new IllegalStateException("this VelaPool is closed");
        }
        long chunks = (n + grain - 1) / grain;
        if (chunks <= 1 || workers.length == 0) {
            if (n > 0) {
                body.run(0, n);
            }
            return;
        }
        // Threads claim runs of contiguous chunks (about 4 runs per thread), so each streams
        // through long contiguous ranges as a static schedule would, yet a late thread is covered.
        long run = Math.max(1, chunks / (4L * threads));
        Job job = new Job(n, grain, chunks, run, body);
        long helpers = Math.min(workers.length, chunks - 1);
        for (long i = 0; i < helpers; i++) {
            queue.add(job);
        }
        job.run();
        job.await();
    }

    /**
     * Splits {@code [0, n)} into blocks of {@code block} elements, computes every block's partial
     * (blocks in parallel, {@code blocksPerTask} at a time) and returns the partials in block order.
     */
    public double[] reduceBlocks(long n, long block, int blocksPerTask, BlockFunction f) {
        if (block < 1) {
            throw new IllegalArgumentException("block must be >= 1, was " + block);
        }
        long blocks = (n + block - 1) / block;
        if (blocks > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("n / block is too large: " + blocks + " blocks");
        }
        double[] partials = new double[(int) blocks];
        parallelFor(blocks, Math.max(1, blocksPerTask), (b0, b1) -> {
            for (long b = b0; b < b1; b++) {
                long start = b * block;
                partials[(int) b] = f.apply(start, Math.min(block, n - start));
            }
        });
        return partials;
    }

    /** Stops the workers; loops already running finish. The default pool ignores close(). */
    @Override
    public void close() {
        if (this == DefaultHolder.DEFAULT || closed) {
            return;
        }
        closed = true;
        for (Thread w : workers) {
            w.interrupt();
        }
    }

    @Override
    public String toString() {
        return "VelaPool[threads=" + threads + (closed ? ", closed" : "") + "]";
    }

    /**
     * Workers spin a little before parking: waking a parked thread costs tens of microseconds
     * on a VM, as long as a whole in-cache kernel call.
     */
    private void workLoop() {
        while (!closed) {
            Runnable job = queue.poll();
            for (int spin = 0; job == null && spin < SPINS; spin++) {
                Thread.onSpinWait();
                job = queue.poll();
            }
            try {
                (job != null ? job : queue.take()).run();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One parallel loop: threads claim runs of chunk indices from a counter until none are left. */
    private static final class Job implements Runnable {
        private final long n, grain, chunks, run;
        private final RangeBody body;
        private final AtomicLong next = new AtomicLong();
        private final AtomicLong done = new AtomicLong();
        private final CountDownLatch finished = new CountDownLatch(1);
        private volatile Throwable failure;

        Job(long n, long grain, long chunks, long run, RangeBody body) {
            this.n = n;
            this.grain = grain;
            this.chunks = chunks;
            this.run = run;
            this.body = body;
        }

        @Override
        public void run() {
            for (long c; (c = next.getAndAdd(run)) < chunks; ) {
                long last = Math.min(chunks, c + run);
                try {
                    body.run(c * grain, Math.min(n, last * grain));
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                } finally {
                    if (done.addAndGet(last - c) == chunks) {
                        finished.countDown();
                    }
                }
            }
        }

        void await() {
            for (int spin = 0; done.get() < chunks && spin < SPINS; spin++) {
                Thread.onSpinWait();
            }
            boolean interrupted = false;
            while (true) {
                try {
                    finished.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            Throwable t = failure;
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }
    }
}
