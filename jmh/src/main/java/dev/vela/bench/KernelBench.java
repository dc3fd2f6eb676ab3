package dev.vela.bench;

import dev.vela.kernels.FloatKernels;
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

/**
 * The first kernel family on off-heap float32 segments, in cache and out of cache, on one
 * thread and on all of them; {@code cAxpy} and {@code cDot} are the C references for axpy and
 * dot. In-place kernels use factors that keep the data bounded (no drift into subnormals or
 * infinities over millions of calls).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class KernelBench {

    @Param({"1048576", "67108864"})
    public long size;

    @Param({"1", "all"})
    public String threads;

    /** The implementation demanded; the fork fails if it is unavailable (never silently scalar). */
    @Param({"vector"})
    public String impl;

    private Arena arena;
    private VelaPool pool;
    private FloatKernels k;
    private CReference c;
    private MemorySegment x, y, z, out;

    @Setup(Level.Trial)
    public void setUp() {
        int t = BenchSupport.threads(threads);
        pool = VelaPool.create(t);
        k = BenchSupport.kernels(impl, pool);
        c = BenchSupport.c(t);
        arena = BenchSupport.arena();
        x = BenchSupport.floats(arena, size, -0.5f, 1e-3f);
        y = BenchSupport.floats(arena, size, 1f, 1e-3f);
        z = BenchSupport.floats(arena, size, 0.25f, 1e-3f);
        out = BenchSupport.floats(arena, size, 0f, 0f);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        pool.close();
    }

    @Benchmark
    @BytesPerElement(4)
    public void fill() {
        k.fill(size, 1.5f, out, 0);
    }

    @Benchmark
    @BytesPerElement(8)
    public void copy() {
        k.copy(size, x, 0, out, 0);
    }

    @Benchmark
    @BytesPerElement(8)
    public void scale() {
        k.scale(size, -1f, out, 0);
    }

    @Benchmark
    @BytesPerElement(12)
    public void axpy() {
        k.axpy(size, 1e-7f, x, 0, out, 0);
    }

    @Benchmark
    @BytesPerElement(12)
    public void axpby() {
        k.axpby(size, 0.5f, x, 0, 0.5f, out, 0);
    }

    @Benchmark
    @BytesPerElement(12)
    public void add() {
        k.add(size, x, 0, y, 0, out, 0);
    }

    @Benchmark
    @BytesPerElement(12)
    public void sub() {
        k.sub(size, x, 0, y, 0, out, 0);
    }

    @Benchmark
    @BytesPerElement(12)
    public void mul() {
        k.mul(size, x, 0, y, 0, out, 0);
    }

    @Benchmark
    @BytesPerElement(12)
    public void div() {
        k.div(size, x, 0, y, 0, out, 0);
    }

    @Benchmark
    @BytesPerElement(16)
    public void fma() {
        k.fma(size, x, 0, y, 0, z, 0, out, 0);
    }

    @Benchmark
    @BytesPerElement(8)
    public void sqrt() {
        k.sqrt(size, y, 0, out, 0);
    }

    @Benchmark
    @BytesPerElement(8)
    public void clamp() {
        k.clamp(size, -0.25f, 0.25f, x, 0, out, 0);
    }

    @Benchmark
    @BytesPerElement(8)
    public double dot() {
        return k.dot(size, x, 0, y, 0);
    }

    @Benchmark
    @BytesPerElement(4)
    public double sum() {
        return k.sum(size, x, 0);
    }

    @Benchmark
    @BytesPerElement(4)
    public double norm2() {
        return k.norm2(size, x, 0);
    }

    @Benchmark
    @BytesPerElement(4)
    public float maxAbs() {
        return k.maxAbs(size, x, 0);
    }

    @Benchmark
    @BytesPerElement(4)
    public long countNonFinite() {
        return k.countNonFinite(size, x, 0);
    }

    @Benchmark
    @BytesPerElement(12)
    public void cAxpy() {
        c.axpy(size, 1e-7f, x, out);
    }

    @Benchmark
    @BytesPerElement(8)
    public float cDot() {
        return c.dot(size, x, y);
    }
}
