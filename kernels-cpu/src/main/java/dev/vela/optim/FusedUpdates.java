package dev.vela.optim;

import static dev.vela.memory.SegmentChecks.checkCount;
import static dev.vela.memory.SegmentChecks.checkRange;
import static dev.vela.memory.SegmentChecks.checkSameLength;
import static dev.vela.memory.SegmentChecks.checkWritableRange;

import dev.vela.internal.run.KernelRunner;
import dev.vela.internal.simd.OptimOps;
import dev.vela.internal.simd.SimdProvider;
import dev.vela.kernels.Implementation;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;

/**
 * Fused optimizer updates, the stateless kernel layer: each call reads every parameter,
 * gradient and state element once and writes each once (float32 arithmetic, per-step scalars
 * such as bias corrections computed once in double). Frameworks that manage their own state call
 * these directly.
 *
 * <p>Arguments follow {@link dev.vela.kernels.FloatKernels}: segments with {@code long} element
 * offsets, all checks before any write (including that p, g and the state buffers do not
 * overlap), chunks on the instance's pool. Elementwise results do not depend on the thread
 * count. The vector path may fuse multiply-adds; results then differ from the scalar path in the
 * last bits. NaN or infinite gradients propagate into the parameters as IEEE arithmetic says.
 */
public final class FusedUpdates {

    private static final long F = Float.BYTES;

    private final OptimOps ops;
    private final KernelRunner run;
    private final Implementation implementation;

    private FusedUpdates(OptimOps ops, Implementation implementation, VelaPool pool) {
        this.ops = ops;
        this.implementation = implementation;
        this.run = new KernelRunner(pool);
    }

    private static final class DefaultHolder {
        static final FusedUpdates DEFAULT = create(SimdProvider.chosen(), VelaPool.defaultPool());
    }

    /** The best implementation on this JVM, on the default pool. */
    public static FusedUpdates get() {
        return DefaultHolder.DEFAULT;
    }

    /**
     * The given implementation on the given pool.
     *
     * @throws IllegalStateException if the implementation is unavailable on this JVM
     */
    public static FusedUpdates create(Implementation implementation, VelaPool pool) {
        if (implementation == null) {
            throw new NullPointerException("implementation must not be null");
        }
        if (pool == null) {
            throw new NullPointerException("pool must not be null");
        }
        return new FusedUpdates(SimdProvider.optimOps(implementation), implementation, pool);
    }

    public Implementation implementation() {
        return implementation;
    }

    /** A short name of the implementation, such as {@code vector-512-fma} or {@code scalar}. */
    public String implementationName() {
        return ops.name();
    }

    /**
     * One AdamW step (PyTorch semantics, see {@link AdamWParams}) over n elements.
     *
     * @param step the step number t >= 1 this update is (1 for the first)
     * @param p parameters, updated in place
     * @param g gradients, read only
     * @param m first moments, updated in place (zero before the first step)
     * @param v second moments, updated in place (zero before the first step)
     */
    public void adamW(AdamWParams h, long step, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                      MemorySegment m, long mOffset, MemorySegment v, long vOffset) {
        if (h == null) {
            throw new NullPointerException("h must not be null");
        }
        Hyper.step(step);
        checkCount("n", n);
        checkWritableRange("p", p, pOffset, n, F);
        checkRange("g", g, gOffset, n, F);
        checkWritableRange("m", m, mOffset, n, F);
        checkWritableRange("v", v, vOffset, n, F);
        checkDisjoint(n, new String[] {"p", "g", "m", "v"}, new MemorySegment[] {p, g, m, v},
                new long[] {pOffset, gOffset, mOffset, vOffset});
        OptimOps.AdamWStep s = new OptimOps.AdamWStep(h.maximize() ? -1f : 1f, (float) h.decayFactor(),
                (float) h.beta1(), (float) (1 - h.beta1()), (float) h.beta2(), (float) (1 - h.beta2()),
                (float) h.stepSize(step), (float) h.invSqrtBias2(step), (float) h.eps());
        run.elementwise(n, run.share(p, g, m, v),
                (o, len) -> ops.adamW(len, s, p, pOffset + o, g, gOffset + o, m, mOffset + o, v, vOffset + o));
    }

    /** One AdamW step over whole arrays of equal length. */
    public void adamW(AdamWParams h, long step, float[] p, float[] g, float[] m, float[] v) {
        checkSameLength("p", p.length, "g", g.length);
        checkSameLength("p", p.length, "m", m.length);
        checkSameLength("p", p.length, "v", v.length);
        adamW(h, step, p.length, MemorySegment.ofArray(p), 0, MemorySegment.ofArray(g), 0, MemorySegment.ofArray(m), 0,
                MemorySegment.ofArray(v), 0);
    }

    /**
     * One Lion step (see {@link LionParams}) over n elements.
     *
     * @param p parameters, updated in place
     * @param g gradients, read only
     * @param m momentum, updated in place (zero before the first step)
     */
    public void lion(LionParams h, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                     MemorySegment m, long mOffset) {
        if (h == null) {
            throw new NullPointerException("h must not be null");
        }
        checkCount("n", n);
        checkWritableRange("p", p, pOffset, n, F);
        checkRange("g", g, gOffset, n, F);
        checkWritableRange("m", m, mOffset, n, F);
        checkDisjoint(n, new String[] {"p", "g", "m"}, new MemorySegment[] {p, g, m}, new long[] {pOffset, gOffset, mOffset});
        OptimOps.LionStep s = new OptimOps.LionStep(h.maximize() ? -1f : 1f, (float) h.decayFactor(),
                (float) h.lr(), (float) h.beta1(), (float) (1 - h.beta1()), (float) h.beta2(), (float) (1 - h.beta2()));
        run.elementwise(n, run.share(p, g, m), (o, len) -> ops.lion(len, s, p, pOffset + o, g, gOffset + o, m, mOffset + o));
    }

    /** One Lion step over whole arrays of equal length. */
    public void lion(LionParams h, float[] p, float[] g, float[] m) {
        checkSameLength("p", p.length, "g", g.length);
        checkSameLength("p", p.length, "m", m.length);
        lion(h, p.length, MemorySegment.ofArray(p), 0, MemorySegment.ofArray(g), 0, MemorySegment.ofArray(m), 0);
    }

    /** Fails, naming both, if any two of the n-element ranges share memory. */
    private static void checkDisjoint(long n, String[] names, MemorySegment[] segments, long[] offsets) {
        if (n == 0) {
            return;
        }
        MemorySegment[] ranges = new MemorySegment[segments.length];
        for (int i = 0; i < segments.length; i++) {
            ranges[i] = segments[i].asSlice(offsets[i] * F, n * F);
        }
        for (int i = 0; i < ranges.length; i++) {
            for (int j = i + 1; j < ranges.length; j++) {
                if (ranges[i].asOverlappingSlice(ranges[j]).isPresent()) {
                    throw new IllegalArgumentException(names[i] + " and " + names[j] + " overlap; a fused update needs "
                            + "separate buffers");
                }
            }
        }
    }
}
