package dev.vela.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class VelaPoolTest {

    @Property(tries = 200)
    void everyIndexRunsExactlyOnceInGrainAlignedChunks(@ForAll @IntRange(min = 0, max = 5000) int n,
                                                       @ForAll @IntRange(min = 1, max = 700) int grain,
                                                       @ForAll @IntRange(min = 1, max = 8) int threads) {
        try (VelaPool pool = VelaPool.create(threads)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            pool.parallelFor(n, grain, (s, e) -> {
                // a chunk is a whole grain (or the tail), or the whole range when run inline
                assertTrue(s % grain == 0 && (e == n || (e - s) % grain == 0), s + ".." + e);
                for (long i = s; i < e; i++) {
                    hits.incrementAndGet((int) i);
                }
            });
            for (int i = 0; i < n; i++) {
                assertEquals(1, hits.get(i), "index " + i);
            }
        }
    }

    @Property(tries = 100)
    void blockPartialsDoNotDependOnThreads(@ForAll @IntRange(min = 0, max = 10_000) int n,
                                           @ForAll @IntRange(min = 1, max = 999) int block) {
        double[] reference = null;
        for (int t : new int[] {1, 2, 3, 8}) {
            try (VelaPool pool = VelaPool.create(t)) {
                double[] p = pool.reduceBlocks(n, block, 2, (s, len) -> s * 1e6 + len);
                if (reference == null) {
                    reference = p;
                    assertEquals((n + block - 1) / block, p.length);
                } else {
                    assertArrayEquals(reference, p);
                }
            }
        }
    }

    /**
     * Twelve chunks on three threads form the lanes [0, 4), [4, 8), [8, 12). Each lane's first
     * chunk waits until all three have started, which happens only if every thread begins with its
     * own lane: a shared front-to-back counter would hand out chunks 0, 1, 2 first and time out.
     */
    @Test
    void eachThreadStartsOnItsOwnLane() throws InterruptedException {
        try (VelaPool pool = VelaPool.create(3)) {
            CountDownLatch allStarted = new CountDownLatch(3);
            AtomicBoolean timedOut = new AtomicBoolean();
            String[] ranBy = new String[12];
            pool.parallelFor(12, 1, (s, e) -> {
                ranBy[(int) s] = Thread.currentThread().getName();
                if (s % 4 == 0) {
                    allStarted.countDown();
                    try {
                        timedOut.compareAndSet(false, !allStarted.await(30, TimeUnit.SECONDS));
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            assertEquals(false, timedOut.get(), "the lanes' first chunks did not run at the same time");
            assertEquals(Thread.currentThread().getName(), ranBy[0]);
            assertEquals("vela-worker-1/3", ranBy[4]);
            assertEquals("vela-worker-2/3", ranBy[8]);
        }
    }

    /**
     * 64 chunks on two threads: lane [32, 64) is claimed as [32, 40), [40, 48), [48, 56), then in
     * halving pieces [56, 60), [60, 62), ... The thread running the piece from 56 waits until
     * the other thread has run a chunk at or above 60: with fixed claims of a quarter lane, 56
     * would start the lane's last claim [56, 64), nothing would be left to take, and it would time
     * out.
     */
    @Test
    void aThreadDoneWithItsLaneTakesOverTheEndOfTheOther() {
        try (VelaPool pool = VelaPool.create(2)) {
            java.util.Set<String> tailRunners = java.util.concurrent.ConcurrentHashMap.newKeySet();
            AtomicBoolean timedOut = new AtomicBoolean();
            pool.parallelFor(64, 1, (s, e) -> {
                String me = Thread.currentThread().getName();
                if (e > 60) {
                    tailRunners.add(me);
                }
                if (s == 56) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (tailRunners.stream().noneMatch(r -> !r.equals(me))) {
                        if (System.nanoTime() > deadline) {
                            timedOut.set(true);
                            break;
                        }
                        Thread.onSpinWait();
                    }
                }
            });
            assertEquals(false, timedOut.get(), "no other thread ran the chunks after 60 while 56's piece waited");
        }
    }

    @Test
    void nestedLoopsFinishEvenWhenAllWorkersAreBusy() {
        try (VelaPool pool = VelaPool.create(2)) {
            AtomicLong total = new AtomicLong();
            pool.parallelFor(8, 1, (s, e) -> pool.parallelFor(1000, 10, (a, b) -> total.addAndGet(b - a)));
            assertEquals(8000, total.get());
        }
    }

    @Test
    void aFailureInAChunkReachesTheCaller() {
        try (VelaPool pool = VelaPool.create(3)) {
            IllegalStateException boom = new IllegalStateException("boom");
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> pool.parallelFor(100, 10, (s, end) -> {
                        if (s == 50) {
                            throw boom;
                        }
                    }));
            assertSame(boom, e);
        }
    }

    @Test
    void badArgumentsAreNamed() {
        assertEquals("threads must be >= 1, was 0",
                assertThrows(IllegalArgumentException.class, () -> VelaPool.create(0)).getMessage());
        try (VelaPool pool = VelaPool.create(2)) {
            assertEquals("grain must be >= 1, was 0",
                    assertThrows(IllegalArgumentException.class, () -> pool.parallelFor(10, 0, (s, e) -> { })).getMessage());
            assertEquals("n must be >= 0, was -5",
                    assertThrows(IllegalArgumentException.class, () -> pool.parallelFor(-5, 1, (s, e) -> { })).getMessage());
        }
        VelaPool closed = VelaPool.create(2);
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.parallelFor(10, 1, (s, e) -> { }));
    }

    @Test
    void confinedSegmentsAreNotShared() {
        try (VelaPool pool = VelaPool.create(2); Arena confined = Arena.ofConfined(); Arena shared = Arena.ofShared()) {
            assertEquals(false, pool.canShare(confined.allocate(8)));
            assertEquals(true, pool.canShare(shared.allocate(8)));
            assertEquals(true, pool.canShare(java.lang.foreign.MemorySegment.ofArray(new float[2])));
        }
        try (VelaPool single = VelaPool.create(1); Arena confined = Arena.ofConfined()) {
            assertEquals(true, single.canShare(confined.allocate(8)));
        }
    }

    @Test
    void defaultPoolUsesAvailableProcessorsAndIgnoresClose() {
        VelaPool d = VelaPool.defaultPool();
        d.close();
        assertEquals(Runtime.getRuntime().availableProcessors(), d.threads());
        long[] count = new long[1];
        d.parallelFor(3, 1, (s, e) -> {
            synchronized (count) {
                count[0] += e - s;
            }
        });
        assertEquals(3, count[0]);
    }
}
