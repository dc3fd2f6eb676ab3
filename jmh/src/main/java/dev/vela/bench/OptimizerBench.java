package dev.vela.bench;

import dev.vela.nativeref.CReference;
import dev.vela.optim.AdaBeliefParams;
import dev.vela.optim.AdagradParams;
import dev.vela.optim.RmspropParams;
import dev.vela.optim.AdamPParams;
import dev.vela.optim.AdamParams;
import dev.vela.optim.DiffGradParams;
import dev.vela.optim.ExAdamParams;
import dev.vela.optim.FusedUpdates;
import dev.vela.optim.LambParams;
import dev.vela.optim.LarsParams;
import dev.vela.optim.LionParams;
import dev.vela.optim.Optimizer;
import dev.vela.optim.SgdParams;
import dev.vela.optim.SgdSaiParams;
import dev.vela.optim.SgdpParams;
import dev.vela.optim.SignumParams;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.jspecify.annotations.Nullable;

/**
 * Fused optimizer steps on off-heap float32 tensors: every first-order rule, and Vela's AdamW
 * and Lion against the C reference with the same maths. Bytes per parameter count what each step
 * must move: every buffer it reads once plus every buffer it writes once (AdamW: p, g, m, v read;
 * p, m, v written = 28). The norm-based rules make two passes: LAMB and AdamP read p, g, m, v
 * and write m, v, then read p, m, v and write p (40); with a direction buffer q
 * ({@code lambDirection}, {@code adamPDirection}) they read p, g, m, v and write m, v, q, then
 * read p, q and write p (40); SGDP (Nesterov, as its README sets it) reads
 * p, g, b and writes b, then reads p, g, b and writes p (32); LARS reads p, g, then makes SGD's
 * pass (28). The step number is fixed so that
 * every invocation does identical work; updates stay bounded. AdamP and SGDP see the tensor as
 * 1024 rows, so their per-row projection test runs. The bf16 rows keep p and the moments in
 * bfloat16 (2 bytes each, gradients float32): AdamW moves 16 bytes per parameter, Lion 12.
 * RMSprop (plain) and AdaGrad read p, g and one state and write p and the state: 20.
 *
 * <p>{@code optimizerOneTensor} and {@code optimizerManyTensors} run AdamW through the
 * {@link Optimizer} layer (its own state, step counter and bias corrections), over the same
 * parameters as one tensor and as tensors of {@value #SMALL_TENSOR} elements (256 at 1M, 16384
 * at 64M), whose chunks one parallel loop shares out (multi-tensor apply): against
 * {@code adamW} they show what the layer and many small tensors cost.
 * {@code optimizerManyTensorsLamb} does the same with LAMB, whose norm passes over all tensors
 * run as one parallel loop before the update passes (against {@code lamb}).
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
    private static final AdamParams AMSGRAD = AdamParams.adamW().withAmsgrad(true);
    private static final SgdParams SGD = SgdParams.defaults().withMomentum(0.9, 0, false).withWeightDecay(1e-4);
    private static final LionParams LION = LionParams.defaults().withWeightDecay(0.1);
    private static final SignumParams SIGNUM = SignumParams.signum().withWeightDecay(0.1);
    private static final AdaBeliefParams ADABELIEF = AdaBeliefParams.defaults().withWeightDecay(1e-2, true);
    private static final DiffGradParams DIFFGRAD = DiffGradParams.defaults();
    private static final ExAdamParams EXADAM = ExAdamParams.defaults().withWeightDecay(1e-2);
    private static final LambParams LAMB = LambParams.defaults().withWeightDecay(1e-2);
    private static final LarsParams LARS = LarsParams.defaults().withLr(0.1).withWeightDecay(1e-4);
    private static final SgdSaiParams SGDSAI = SgdSaiParams.defaults();
    private static final AdamPParams ADAMP = AdamPParams.defaults().withWeightDecay(1e-2);
    private static final SgdpParams SGDP = SgdpParams.defaults();
    private static final RmspropParams RMSPROP = RmspropParams.defaults();
    private static final AdagradParams ADAGRAD = AdagradParams.defaults();
    private static final long STEP = 10;
    private static final long ROWS = 1024;
    static final int SMALL_TENSOR = 4096;

    private Arena arena;
    private VelaPool pool;
    private FusedUpdates u;
    private CReference c;
    private MemorySegment p, g, m, v, x;
    /** bfloat16 parameters and moments, allocated only for the bf16 rows. */
    private MemorySegment pb, mb, vb;
    private double saiScale;
    /**
     * AdamW through the Optimizer layer over p and g (its own state): built only in the fork of
     * the benchmark that steps it, so the other forks do not allocate its state.
     */
    private @Nullable Optimizer layer;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        setUp(params.getBenchmark());
    }

    /** The buffers, and the Optimizer layer where {@code benchmark} (a method's full name) steps one. */
    void setUp(String benchmark) {
        int t = BenchSupport.threads(threads);
        pool = VelaPool.create(t);
        u = FusedUpdates.create(Implementation.valueOf(impl.toUpperCase(Locale.ROOT)), pool);
        c = BenchSupport.c(t);
        arena = BenchSupport.arena();
        p = BenchSupport.floats(arena, size, -0.5f, 1e-3f);
        g = BenchSupport.floats(arena, size, -0.3f, 7e-4f);
        m = BenchSupport.floats(arena, size, 0f, 0f);
        v = BenchSupport.floats(arena, size, 0f, 0f);
        x = BenchSupport.floats(arena, size, 0f, 0f);
        saiScale = u.sgdSaiScale(SGDSAI, size, g, 0);
        if (benchmark.endsWith(".optimizerOneTensor")) {
            layer = Optimizer.builder().kernels(u).group(ADAMW, dev.vela.optim.Param.of("w", p, g, size)).build();
        } else if (benchmark.endsWith(".optimizerManyTensors")) {
            layer = Optimizer.builder().kernels(u).group(ADAMW, smallTensors()).build();
        } else if (benchmark.endsWith(".optimizerManyTensorsLamb")) {
            layer = Optimizer.builder().kernels(u).group(LAMB, smallTensors()).build();
        }
        if (benchmark.endsWith("Bf16")) {
            pb = arena.allocate(2 * size, 64);
            mb = arena.allocate(2 * size, 64);
            vb = arena.allocate(2 * size, 64);
            short one = dev.vela.kernels.BFloat16.fromFloat(0.5f);
            for (long i = 0; i < size; i++) {
                pb.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, i, one);
            }
        }
    }

    /** p and g cut into tensors of {@value #SMALL_TENSOR} elements. */
    private dev.vela.optim.Param[] smallTensors() {
        dev.vela.optim.Param[] small = new dev.vela.optim.Param[(int) (size / SMALL_TENSOR)];
        for (int i = 0; i < small.length; i++) {
            long at = (long) i * SMALL_TENSOR * Float.BYTES, bytes = (long) SMALL_TENSOR * Float.BYTES;
            small[i] = dev.vela.optim.Param.of("w" + i, p.asSlice(at, bytes), g.asSlice(at, bytes), SMALL_TENSOR);
        }
        return small;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (layer != null) {
            layer.close();
        }
        arena.close();
        pool.close();
    }

    @Benchmark
    @BytesPerElement(28)
    @TrafficPattern("1r3u")
    public void adamW() {
        u.adam(ADAMW, STEP, size, p, 0, g, 0, m, 0, v, 0);
    }

    @Benchmark
    @BytesPerElement(28)
    @TrafficPattern("1r3u")
    public Optimizer.StepReport optimizerOneTensor() {
        return java.util.Objects.requireNonNull(layer).step();
    }

    @Benchmark
    @BytesPerElement(28)
    @TrafficPattern("1r3u")
    public Optimizer.StepReport optimizerManyTensors() {
        return java.util.Objects.requireNonNull(layer).step();
    }

    @Benchmark
    @BytesPerElement(40)
    @TrafficPattern("2r2u+2r1u")
    public Optimizer.StepReport optimizerManyTensorsLamb() {
        return java.util.Objects.requireNonNull(layer).step();
    }

    @Benchmark
    @BytesPerElement(28)
    @TrafficPattern("1r3u")
    public void cAdamW() {
        c.adamW(ADAMW, STEP, size, p, g, m, v);
    }

    @Benchmark
    @BytesPerElement(36)
    @TrafficPattern("1r4u")
    public void adamWAmsgrad() {
        u.adamAmsgrad(AMSGRAD, STEP, size, p, 0, g, 0, m, 0, v, 0, x, 0);
    }

    @Benchmark
    @BytesPerElement(20)
    @TrafficPattern("1r2u")
    public void sgdMomentum() {
        u.sgd(SGD, STEP, size, p, 0, g, 0, m, 0);
    }

    @Benchmark
    @BytesPerElement(20)
    @TrafficPattern("1r2u")
    public void lion() {
        u.lion(LION, size, p, 0, g, 0, m, 0);
    }

    @Benchmark
    @BytesPerElement(20)
    @TrafficPattern("1r2u")
    public void cLion() {
        c.lion(LION, size, p, g, m);
    }

    @Benchmark
    @BytesPerElement(20)
    @TrafficPattern("1r2u")
    public void signum() {
        u.signum(SIGNUM, size, p, 0, g, 0, m, 0);
    }

    @Benchmark
    @BytesPerElement(28)
    @TrafficPattern("1r3u")
    public void adaBelief() {
        u.adaBelief(ADABELIEF, STEP, size, p, 0, g, 0, m, 0, v, 0);
    }

    @Benchmark
    @BytesPerElement(36)
    @TrafficPattern("1r4u")
    public void diffGrad() {
        u.diffGrad(DIFFGRAD, STEP, size, p, 0, g, 0, m, 0, v, 0, x, 0);
    }

    @Benchmark
    @BytesPerElement(28)
    @TrafficPattern("1r3u")
    public void exAdam() {
        u.exAdam(EXADAM, STEP, size, p, 0, g, 0, m, 0, v, 0);
    }

    @Benchmark
    @BytesPerElement(40)
    @TrafficPattern("2r2u+2r1u")
    public void lamb() {
        u.lamb(LAMB, STEP, size, p, 0, g, 0, m, 0, v, 0);
    }

    @Benchmark
    @BytesPerElement(40)
    @TrafficPattern("2r2u1w+1r1u")
    public void lambDirection() {
        u.lamb(LAMB, STEP, size, p, 0, g, 0, m, 0, v, 0, x, 0);
    }

    @Benchmark
    @BytesPerElement(28)
    @TrafficPattern("2r+1r2u")
    public void lars() {
        u.lars(LARS, size, p, 0, g, 0, m, 0);
    }

    @Benchmark
    @BytesPerElement(20)
    @TrafficPattern("1r2u")
    public void sgdSai() {
        u.sgdSai(SGDSAI, STEP, saiScale, size, p, 0, g, 0, m, 0);
    }

    @Benchmark
    @BytesPerElement(40)
    @TrafficPattern("2r2u+2r1u")
    public boolean adamP() {
        return u.adamP(ADAMP, STEP, ROWS, size, p, 0, g, 0, m, 0, v, 0);
    }

    @Benchmark
    @BytesPerElement(40)
    @TrafficPattern("2r2u1w+1r1u")
    public boolean adamPDirection() {
        return u.adamP(ADAMP, STEP, ROWS, size, p, 0, g, 0, m, 0, v, 0, x, 0);
    }

    @Benchmark
    @BytesPerElement(32)
    @TrafficPattern("2r1u+2r1u")
    public boolean sgdp() {
        return u.sgdp(SGDP, ROWS, size, p, 0, g, 0, m, 0);
    }

    @Benchmark
    @BytesPerElement(16)
    public void adamWBf16() {
        u.adamBf16(ADAMW, STEP, 1, size, pb, 0, g, 0, mb, 0, vb, 0);
    }

    @Benchmark
    @BytesPerElement(12)
    public void lionBf16() {
        u.lionBf16(LION, STEP, 1, size, pb, 0, g, 0, mb, 0);
    }

    @Benchmark
    @BytesPerElement(20)
    @TrafficPattern("1r2u")
    public void rmsprop() {
        u.rmsprop(RMSPROP, size, p, 0, g, 0, v, 0, null, 0, null, 0);
    }

    @Benchmark
    @BytesPerElement(20)
    @TrafficPattern("1r2u")
    public void adagrad() {
        u.adagrad(ADAGRAD, STEP, size, p, 0, g, 0, v, 0);
    }
}
