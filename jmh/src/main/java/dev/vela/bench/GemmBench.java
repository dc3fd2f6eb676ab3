package dev.vela.bench;

import dev.vela.kernels.Implementation;
import dev.vela.linalg.ColumnRowSample;
import dev.vela.linalg.Gemm;
import dev.vela.linalg.MatrixView;
import dev.vela.linalg.SampledMatmul;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.CommonOps_MT_FDRM;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * SGEMM {@code C = A * B} (alpha 1, beta 0, all row-major and dense): Vela's {@link Gemm},
 * OpenBLAS's {@code cblas_sgemm} (its auto-selected kernel, through FFM) and EJML's
 * {@code CommonOps_FDRM.mult} ({@code CommonOps_MT_FDRM} on all threads), on the same data.
 *
 * <p>{@code size} 512, 1024 and 2048 are square n x n products; {@code size} 8192 stands for a
 * linear layer's weight-gradient shape, (1024 x 8192) times (8192 x 1024). The summary reports
 * GFLOP/s (2mnk per product) and Vela's ratio to OpenBLAS ({@code openblas}) and to EJML
 * ({@code ejml}) in the same run. {@code wtaCrs} estimates the same product by WTA-CRS at keep
 * ratio 0.3 of the inner dimension (selection and product, X a transposed view as in a layer's
 * weight gradient); its {@code dense_gemm} ratio is a time ratio to {@code sgemm} (its GFLOP/s
 * column counts the dense product's 2mnk).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GemmBench {

    @Param({"512", "1024", "2048", "8192"})
    public int size;

    @Param({"1", "all"})
    public String threads;

    private Arena arena;
    private VelaPool pool;
    private Gemm gemm;
    private MatrixView a, b, c;
    private MemorySegment as, bs, cs;
    private FMatrixRMaj ea, eb, ec;
    private SampledMatmul sampled;
    private MatrixView xt;
    private int m, n, k;

    /** The shape of a size: {m, n, k}. */
    static int[] shape(long size) {
        return size == 8192 ? new int[] {1024, 1024, 8192} : new int[] {(int) size, (int) size, (int) size};
    }

    /** The implementation a GemmBench method runs, for the CSV's impl field. */
    static String implementation(String method, String velaImpl) {
        return switch (method) {
            case "openblasSgemm" -> "openblas-" + OpenBlas.get().coreName();
            case "ejmlSgemm" -> "ejml-0.44";
            default -> velaImpl;
        };
    }

    /** Floating-point operations of one product. */
    static double flops(long size) {
        int[] s = shape(size);
        return 2.0 * s[0] * s[1] * s[2];
    }

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        int[] s = shape(size);
        m = s[0];
        n = s[1];
        k = s[2];
        int t = BenchSupport.threads(threads);
        arena = BenchSupport.arena();
        as = random(arena, (long) m * k, 1);
        bs = random(arena, (long) k * n, 2);
        cs = arena.allocate((long) m * n * Float.BYTES, 64);
        a = new MatrixView(as, 0, m, k, k, MatrixView.Layout.ROW_MAJOR);
        b = new MatrixView(bs, 0, k, n, n, MatrixView.Layout.ROW_MAJOR);
        c = new MatrixView(cs, 0, m, n, n, MatrixView.Layout.ROW_MAJOR);
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        switch (method) {
            case "sgemm" -> {
                pool = VelaPool.create(t);
                gemm = Gemm.create(Implementation.VECTOR, pool);
            }
            case "wtaCrs" -> {
                pool = VelaPool.create(t);
                sampled = SampledMatmul.create(Gemm.create(Implementation.VECTOR, pool));
                // X = the transpose of a row-major tokens x outputs gradient, as in a linear layer
                xt = new MatrixView(as, 0, m, k, m, MatrixView.Layout.COLUMN_MAJOR);
            }
            case "openblasSgemm" -> OpenBlas.get().setThreads(t);
            case "ejmlSgemm" -> {
                ea = new FMatrixRMaj(m, k);
                eb = new FMatrixRMaj(k, n);
                ec = new FMatrixRMaj(m, n);
                MemorySegment.copy(as, ValueLayout.JAVA_FLOAT, 0, ea.data, 0, m * k);
                MemorySegment.copy(bs, ValueLayout.JAVA_FLOAT, 0, eb.data, 0, k * n);
            }
            default -> throw new IllegalStateException("unknown benchmark " + method);
        }
    }

    private static MemorySegment random(Arena arena, long count, long seed) {
        MemorySegment s = arena.allocate(count * Float.BYTES, 64);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < count; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextDouble(-1, 1));
        }
        return s;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (pool != null) {
            pool.close();
        }
        arena.close();
    }

    @Benchmark
    public void sgemm() {
        gemm.sgemm(1f, a, b, 0f, c);
    }

    /** WTA-CRS at keep ratio 0.3 of the inner dimension: selection (norms, winners, draws) and the product. */
    @Benchmark
    public void wtaCrs() {
        ColumnRowSample s = sampled.select(SampledMatmul.Method.WTA_CRS, xt, b, (int) (0.3 * k), 42);
        sampled.multiply(s, xt, b, c);
    }

    @Benchmark
    public void openblasSgemm() {
        OpenBlas.get().sgemm(m, n, k, 1f, as, bs, 0f, cs);
    }

    @Benchmark
    public void ejmlSgemm() {
        if (threads.equals("1")) {
            CommonOps_FDRM.mult(ea, eb, ec);
        } else {
            CommonOps_MT_FDRM.mult(ea, eb, ec);
        }
    }
}
