package dev.vela.bench;

import dev.vela.kernels.DoubleKernels;
import dev.vela.kernels.Implementation;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * Float64 level-1 kernels on off-heap segments. Sizes hold the same bytes as the float32
 * suite's (4 MB in cache, 256 MB out of cache), so their STREAM anchors are the float32 runs
 * at twice the element count; {@code size} here counts doubles.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DoubleKernelBench {

    @Param({"524288", "33554432"})
    public long size;

    @Param({"1", "all"})
    public String threads;

    @Param({"vector"})
    public String impl;

    private Arena arena;
    private VelaPool pool;
    private DoubleKernels k;
    private MemorySegment x, y;

    @Setup(Level.Trial)
    public void setUp() {
        pool = VelaPool.create(BenchSupport.threads(threads));
        k = DoubleKernels.create(Implementation.valueOf(impl.toUpperCase(Locale.ROOT)), pool);
        arena = BenchSupport.arena();
        x = arena.allocate(size * 8, 64);
        y = arena.allocate(size * 8, 64);
        for (long i = 0; i < size; i++) {
            x.setAtIndex(ValueLayout.JAVA_DOUBLE, i, (i % 1024) * 1e-3 - 0.5);
            y.setAtIndex(ValueLayout.JAVA_DOUBLE, i, 1 + (i % 1024) * 1e-3);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        pool.close();
    }

    @Benchmark
    @BytesPerElement(24)
    public void axpy() {
        k.axpy(size, 1e-9, x, 0, y, 0);
    }

    @Benchmark
    @BytesPerElement(16)
    public double dot() {
        return k.dot(size, x, 0, y, 0);
    }

    @Benchmark
    @BytesPerElement(8)
    public double sum() {
        return k.sum(size, x, 0);
    }

    @Benchmark
    @BytesPerElement(8)
    public double norm2() {
        return k.norm2(size, x, 0);
    }
}
