package dev.vela.bench;

import dev.vela.nativeref.CReference;
import dev.vela.optim.AdamParams;
import dev.vela.optim.FusedUpdates;
import dev.vela.optim.LionParams;
import dev.vela.parallel.VelaPool;
import dev.vela.kernels.Implementation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
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
 * Fused optimizer steps on off-heap float32 tensors, Vela against the C reference with the same
 * maths. AdamW moves 28 bytes per parameter (p, g, m, v read; p, m, v written), Lion 20 (p, g, m
 * read; p, m written). The step number is fixed so that every invocation does identical work;
 * updates stay bounded (Adam's by lr, Lion's exactly lr).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OptimizerBench {

    @Param({"1048576", "67108864"})
    public long size;

    @Param({"1", "all"})
    public String threads;

    @Param({"vector"})
    public String impl;

    private static final AdamParams ADAMW = AdamParams.adamW();
    private static final LionParams LION = LionParams.defaults().withWeightDecay(0.1);
    private static final long STEP = 10;

    private Arena arena;
    private VelaPool pool;
    private FusedUpdates u;
    private CReference c;
    private MemorySegment p, g, m, v;

    @Setup(Level.Trial)
    public void setUp() {
        int t = BenchSupport.threads(threads);
        pool = VelaPool.create(t);
        u = FusedUpdates.create(Implementation.valueOf(impl.toUpperCase(Locale.ROOT)), pool);
        c = BenchSupport.c(t);
        arena = Arena.ofShared();
        p = BenchSupport.floats(arena, size, -0.5f, 1e-3f);
        g = BenchSupport.floats(arena, size, -0.3f, 7e-4f);
        m = BenchSupport.floats(arena, size, 0f, 0f);
        v = BenchSupport.floats(arena, size, 0f, 0f);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        pool.close();
    }

    @Benchmark
    @BytesPerElement(28)
    public void adamW() {
        u.adam(ADAMW, STEP, size, p, 0, g, 0, m, 0, v, 0);
    }

    @Benchmark
    @BytesPerElement(28)
    public void cAdamW() {
        c.adamW(ADAMW, STEP, size, p, g, m, v);
    }

    @Benchmark
    @BytesPerElement(20)
    public void lion() {
        u.lion(LION, size, p, 0, g, 0, m, 0);
    }

    @Benchmark
    @BytesPerElement(20)
    public void cLion() {
        c.lion(LION, size, p, g, m);
    }
}
