package dev.vela.parallel;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fixed set of worker threads that run chunked parallel loops.
 *
 * <p>{@link #parallelFor} cuts {@code [0, n)} into chunks of exactly {@code grain} elements (the
 * last one shorter); the chunk boundaries depend only on {@code n} and {@code grain}, never on
 * the number of threads. The body receives runs of whole contiguous chunks (a range that starts
 * at a multiple of {@code grain} and ends at one, or at {@code n}). Thread i of t begins with
 * the chunks in about the i-th t-th of the range, whatever the grain, so what one loop leaves in
 * a core's cache the next loop over the same data finds there; then it helps with the other
 * threads' shares. The calling thread works on chunks too, so a loop started from inside a
 * worker (nested parallelism) finishes even when every worker is busy, and no thread is started
 * per call. Loops of a single chunk run inline on the caller.
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
    /** Lane cursors sit this many longs apart, a cache line each, so claims do not contend. */
    private static final int PAD = 8;

    private final int threads;
    private final Thread[] workers;
    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private volatile boolean closed;

    private VelaPool(int threads) {
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int lane = i + 1;
            Thread t = new Thread(() -> workLoop(lane), "vela-worker-" + lane + "/" + threads);
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
        // Each thread streams through its own contiguous lane of chunks, then helps the others
        // (see Job). A single shared counter measured bimodal here: AdamW on 1M floats, two
        // threads, took 158 or 213 us depending on the JVM fork; with lanes, 160 to 170 us.
        int lanes = (int) Math.min(threads, chunks);
        Job job = new Job(n, grain, chunks, lanes, body);
        for (int i = 1; i < lanes; i++) {
            queue.add(job);
        }
        job.run(0);
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
    private void workLoop(int lane) {
        while (!closed) {
            Job job = queue.poll();
            for (int spin = 0; job == null && spin < SPINS; spin++) {
                Thread.onSpinWait();
                job = queue.poll();
            }
            try {
                (job != null ? job : queue.take()).run(lane);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * One parallel loop. The chunks are cut into one contiguous lane per thread, in thread order;
     * each thread first claims runs from its own lane, front to back, then helps with the other
     * lanes. Thread i thus touches the same part of the data in every loop of the same size, so
     * what one pass leaves in a core's cache the next pass finds there, as with OpenMP's static
     * schedule, yet a late or busy thread is covered by the others.
     */
    private static final class Job {
        private final long n, grain, chunks, run;
        private final int lanes;
        private final RangeBody body;
        /** Next unclaimed chunk of each lane, and where each lane ends. */
        private final AtomicLongArray next;
        private final long[] end;
        private final AtomicLong done = new AtomicLong();
        private final CountDownLatch finished = new CountDownLatch(1);
        private volatile Throwable failure;

        Job(long n, long grain, long chunks, int lanes, RangeBody body) {
            this.n = n;
            this.grain = grain;
            this.chunks = chunks;
            this.lanes = lanes;
            this.body = body;
            // claims of at most a quarter lane: large enough to stream
            this.run = Math.max(1, chunks / (4L * lanes));
            this.next = new AtomicLongArray(lanes * PAD);
            this.end = new long[lanes];
            for (int i = 0; i < lanes; i++) {
                next.set(i * PAD, chunks * i / lanes);
                end[i] = chunks * (i + 1) / lanes;
            }
        }

        /** Works as thread {@code lane} (0 is the caller): its own lane first, then the others'. */
        void run(int lane) {
            for (int k = 0; k < lanes; k++) {
                int l = (lane + k) % lanes;
                long last = end[l];
                for (long c; (c = next.get(l * PAD)) < last; ) {
                    // claims halve as the lane empties: a thread done with its own lane takes
                    // over the end of a slower one's in small pieces instead of waiting for it
                    // (AdamW, 64M, 2 threads: 3% faster; fixed claims of a quarter lane left one
                    // thread idle while the other finished its last claim)
                    long stop = c + Math.max(1, Math.min(run, (last - c) / 2));
                    if (!next.compareAndSet(l * PAD, c, stop)) {
                        continue;
                    }
                    try {
                        body.run(c * grain, Math.min(n, stop * grain));
                    } catch (Throwable t) {
                        if (failure == null) {
                            failure = t;
                        }
                    } finally {
                        if (done.addAndGet(stop - c) == chunks) {
                            finished.countDown();
                        }
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
