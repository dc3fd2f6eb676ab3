package dev.vela.bench;

import dev.vela.nativeref.CReference;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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

/** STREAM copy and triad on float32 off-heap arrays, in Java (Vector API) and in C (OpenMP). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StreamBench {

    /** 1M floats (12 MB for triad: in the 32 MB L3 here) and 64M floats (out of cache). */
    @Param({"1048576", "67108864"})
    public long size;

    @Param({"1", "all"})
    public String threads;

    private Arena arena;
    private VelaPool pool;
    private CReference c;
    private MemorySegment a, b, cc;

    @Setup(Level.Trial)
    public void setUp() {
        int t = BenchSupport.threads(threads);
        pool = VelaPool.create(t);
        c = BenchSupport.c(t);
        arena = BenchSupport.arena();
        a = BenchSupport.floats(arena, size, 1f, 1e-3f);
        b = BenchSupport.floats(arena, size, 2f, 1e-3f);
        cc = BenchSupport.floats(arena, size, 0.5f, 1e-3f);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        pool.close();
    }

    @Benchmark
    @BytesPerElement(8)
    public void javaCopy() {
        JavaStream.copy(pool, size, a, cc);
    }

    @Benchmark
    @BytesPerElement(12)
    public void javaTriad() {
        JavaStream.triad(pool, size, 3f, b, cc, a);
    }

    @Benchmark
    @BytesPerElement(8)
    public void cCopy() {
        c.streamCopy(size, a, cc);
    }

    @Benchmark
    @BytesPerElement(12)
    public void cTriad() {
        c.streamTriad(size, 3f, b, cc, a);
    }
}
