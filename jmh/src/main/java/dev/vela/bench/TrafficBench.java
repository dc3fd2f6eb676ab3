package dev.vela.bench;

import dev.vela.parallel.VelaPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The traffic anchors of the optimizer benchmarks: each {@link TrafficPattern} that
 * {@link OptimizerBench} declares, run by {@link Traffic} over the same sizes, threads and kind
 * of pages. {@code ./vela bench} with a filter runs just the patterns of the optimizer benchmarks
 * it matched.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TrafficBench {

    @Param({"1048576", "67108864"})
    public long size;

    @Param({"1", "all"})
    public String threads;

    /** Every pattern OptimizerBench declares (a test keeps the two lists in step). */
    @Param({"1r3u", "1r2u", "1r4u", "2r+1r2u", "2r2u+2r1u", "2r2u1w+1r1u", "2r1u+2r1u"})
    public String pattern;

    private Arena arena;
    private VelaPool pool;
    private List<Traffic.Pass> passes;
    private MemorySegment[] buffers;

    @Setup(Level.Trial)
    public void setUp() {
        pool = VelaPool.create(BenchSupport.threads(threads));
        arena = BenchSupport.arena();
        passes = Traffic.parse(pattern);
        buffers = new MemorySegment[Traffic.buffers(pattern)];
        for (int k = 0; k < buffers.length; k++) {
            buffers[k] = BenchSupport.floats(arena, size, 0.25f * k, 1e-4f);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        pool.close();
    }

    /** Bytes per element depend on the pattern; {@link Summary} takes them from it. */
    @Benchmark
    public void move() {
        Traffic.run(pool, size, passes, buffers);
    }
}
