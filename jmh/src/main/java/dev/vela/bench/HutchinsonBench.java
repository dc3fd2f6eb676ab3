package dev.vela.bench;

import dev.vela.kernels.FloatKernels;
import dev.vela.kernels.Implementation;
import dev.vela.linalg.Gemm;
import dev.vela.linalg.HessianVectorProduct;
import dev.vela.linalg.Hutchinson;
import dev.vela.linalg.MatrixView;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
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
 * Hutchinson's diagonal estimate with {@link #PROBES} probes on an explicit symmetric n x n
 * operator (products by SGEMV), against the same number of bare operator products: the summary's
 * {@code hvp_only} ratio is the estimate's time over the products' time (the target: the
 * overhead beyond the products at most 10%, a ratio of at most 1.10). GFLOP/s counts the
 * products' 2n² per probe.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HutchinsonBench {

    static final int PROBES = 10;

    @Param({"512", "2048"})
    public int size;

    @Param({"1", "all"})
    public String threads;

    private Arena arena;
    private VelaPool pool;
    private HessianVectorProduct hvp;
    private Hutchinson hutchinson;
    private MemorySegment z, hz, diag;

    /** Floating-point operations of the products of one estimate. */
    static double flops(long size) {
        return 2.0 * size * size * PROBES;
    }

    @Setup(Level.Trial)
    public void setUp() {
        pool = VelaPool.create(BenchSupport.threads(threads));
        arena = BenchSupport.arena();
        MemorySegment h = arena.allocate((long) size * size * Float.BYTES, 64);
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < size; i++) {
            for (int j = 0; j <= i; j++) {
                float v = (float) r.nextDouble(-1, 1);
                h.setAtIndex(ValueLayout.JAVA_FLOAT, (long) i * size + j, v);
                h.setAtIndex(ValueLayout.JAVA_FLOAT, (long) j * size + i, v);
            }
        }
        hvp = HessianVectorProduct.of(MatrixView.rowMajor(h, size, size), Gemm.create(Implementation.VECTOR, pool));
        hutchinson = Hutchinson.create(FloatKernels.create(Implementation.VECTOR, pool));
        z = arena.allocate((long) size * Float.BYTES, 64);
        hz = arena.allocate((long) size * Float.BYTES, 64);
        diag = arena.allocate((long) size * Float.BYTES, 64);
        for (int i = 0; i < size; i++) {
            z.setAtIndex(ValueLayout.JAVA_FLOAT, i, i % 3 == 0 ? -1f : 1f);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public void estimate() {
        hutchinson.estimate(hvp, PROBES, 7, diag, 0);
    }

    @Benchmark
    public void hvpOnly() {
        for (int j = 0; j < PROBES; j++) {
            hvp.apply(z, hz);
        }
    }
}
