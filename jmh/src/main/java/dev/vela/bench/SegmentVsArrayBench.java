package dev.vela.bench;

import dev.vela.kernels.FloatKernels;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
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
 * DESIGN principle 2, measured: one-thread axpy through the kernels on a {@code float[]}, on a
 * heap segment over that array, and on off-heap memory, against a hand-written array-indexed
 * Vector API loop ({@code arrayLoop}, the anchor) and the same loop over an off-heap segment
 * ({@code segmentLoop}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SegmentVsArrayBench {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** 64K floats (in L2) and 16M floats (out of cache). */
    @Param({"65536", "16777216"})
    public int size;

    @Param({"vector"})
    public String impl;

    private Arena arena;
    private VelaPool pool;
    private FloatKernels k;
    private float[] xa, ya;
    private MemorySegment xh, yh, xn, yn;

    @Setup(Level.Trial)
    public void setUp() {
        pool = VelaPool.create(1);
        k = BenchSupport.kernels(impl, pool);
        arena = BenchSupport.arena();
        xa = new float[size];
        ya = new float[size];
        for (int i = 0; i < size; i++) {
            xa[i] = (i % 1024) * 1e-3f;
            ya[i] = 1f + (i % 1024) * 1e-3f;
        }
        xh = MemorySegment.ofArray(xa);
        yh = MemorySegment.ofArray(ya);
        xn = arena.allocate((long) size * 4, 64);
        yn = arena.allocate((long) size * 4, 64);
        MemorySegment.copy(xh, 0, xn, 0, (long) size * 4);
        MemorySegment.copy(yh, 0, yn, 0, (long) size * 4);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        pool.close();
    }

    @Benchmark
    @BytesPerElement(12)
    public void arrayLoop() {
        float a = 1e-7f;
        FloatVector va = FloatVector.broadcast(S, a);
        int i = 0;
        for (int b = S.loopBound(size); i < b; i += S.length()) {
            FloatVector.fromArray(S, xa, i).fma(va, FloatVector.fromArray(S, ya, i)).intoArray(ya, i);
        }
        for (; i < size; i++) {
            ya[i] = Math.fma(a, xa[i], ya[i]);
        }
    }

    @Benchmark
    @BytesPerElement(12)
    public void segmentLoop() {
        float a = 1e-7f;
        FloatVector va = FloatVector.broadcast(S, a);
        long i = 0, n = size;
        for (long b = n - n % S.length(); i < b; i += S.length()) {
            FloatVector.fromMemorySegment(S, xn, i * 4, java.nio.ByteOrder.nativeOrder())
                    .fma(va, FloatVector.fromMemorySegment(S, yn, i * 4, java.nio.ByteOrder.nativeOrder()))
                    .intoMemorySegment(yn, i * 4, java.nio.ByteOrder.nativeOrder());
        }
        for (; i < n; i++) {
            yn.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i,
                    Math.fma(a, xn.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i),
                            yn.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i)));
        }
    }

    @Benchmark
    @BytesPerElement(12)
    public void kernelsFloatArray() {
        k.axpy(1e-7f, xa, ya);
    }

    @Benchmark
    @BytesPerElement(12)
    public void kernelsHeapSegment() {
        k.axpy(size, 1e-7f, xh, 0, yh, 0);
    }

    @Benchmark
    @BytesPerElement(12)
    public void kernelsNativeSegment() {
        k.axpy(size, 1e-7f, xn, 0, yn, 0);
    }
}
