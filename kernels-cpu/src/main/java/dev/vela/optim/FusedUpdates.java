package dev.vela.optim;

import static dev.vela.optim.Operands.sameLength;
import static dev.vela.optim.Operands.sameLengthOrNull;

import dev.vela.internal.run.KernelRunner;
import dev.vela.internal.simd.OptimOps;
import dev.vela.internal.simd.OptimOps.AdamStep;
import dev.vela.internal.simd.OptimOps.SgdStep;
import dev.vela.internal.simd.SimdProvider;
import dev.vela.kernels.Implementation;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * Fused optimizer updates, the stateless kernel layer: each call reads every parameter,
 * gradient and state element once and writes each once (float32 arithmetic; per-step scalars
 * such as bias corrections and trust ratios computed once in double). The norm-based rules
 * (LAMB, LARS, AdamP, SGDP) first make one read-only pass for their norms. Frameworks that
 * manage their own state call these directly; {@link Optimizer} manages it for you.
 *
 * <p>Conventions, for every method: state buffers hold zeros before the first step; {@code step}
 * is the number of this update, 1 for the first; arguments follow
 * {@link dev.vela.kernels.FloatKernels} (segments with {@code long} element offsets, or whole
 * arrays of equal length); everything is checked before anything is written, including that no
 * two buffers overlap; chunks run on the instance's pool. Results do not depend on the thread
 * count (the norms are summed over fixed blocks in a fixed order). The vector path may fuse
 * multiply-adds, so its results differ from the scalar path's in the last bits. NaN or infinite
 * gradients propagate into the parameters as IEEE arithmetic says; {@link Optimizer} can skip
 * such steps.
 */
public final class FusedUpdates {

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

    /** The pool the updates run on. */
    public VelaPool pool() {
        return run.pool();
    }

    private static <T> T notNull(String name, @Nullable T value) {
        if (value == null) {
            throw new NullPointerException(name + " must not be null");
        }
        return value;
    }

    private static float sign(boolean maximize) {
        return maximize ? -1f : 1f;
    }

    // ---- Adam, AdamW ------------------------------------------------------------------------------

    /**
     * One Adam or AdamW step ({@link AdamParams}) over n elements, without amsgrad.
     *
     * @param p parameters, updated in place
     * @param g gradients, read only
     * @param m first moments, updated in place
     * @param v second moments, updated in place
     * @throws IllegalArgumentException if {@code h.amsgrad()} (use {@link #adamAmsgrad})
     */
    public void adam(AdamParams h, long step, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                     MemorySegment m, long mOffset, MemorySegment v, long vOffset) {
        if (notNull("h", h).amsgrad()) {
            throw new IllegalArgumentException("h.amsgrad is true: call adamAmsgrad with a vMax buffer");
        }
        AdamStep s = adamStep(h, step);
        Operands.of(n).written("p", p, pOffset).read("g", g, gOffset).written("m", m, mOffset).written("v", v, vOffset)
                .checkDisjoint();
        run.elementwise(n, run.share(p, g, m, v),
                (o, len) -> ops.adam(len, s, p, pOffset + o, g, gOffset + o, m, mOffset + o, v, vOffset + o));
    }

    /** One Adam or AdamW step over whole arrays of equal length, without amsgrad. */
    public void adam(AdamParams h, long step, float[] p, float[] g, float[] m, float[] v) {
        adam(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "m", m), 0,
                sameLength(p, "v", v), 0);
    }

    /**
     * One Adam or AdamW step with amsgrad: {@code vMax <- max(vMax, v)} on the raw second moment,
     * and the denominator uses vMax. {@code h.amsgrad()} must be true.
     */
    public void adamAmsgrad(AdamParams h, long step, long n, MemorySegment p, long pOffset, MemorySegment g,
                            long gOffset, MemorySegment m, long mOffset, MemorySegment v, long vOffset,
                            MemorySegment vMax, long vMaxOffset) {
        if (!notNull("h", h).amsgrad()) {
            throw new IllegalArgumentException("h.amsgrad is false: call adam, which keeps no vMax");
        }
        AdamStep s = adamStep(h, step);
        Operands.of(n).written("p", p, pOffset).read("g", g, gOffset).written("m", m, mOffset).written("v", v, vOffset)
                .written("vMax", vMax, vMaxOffset).checkDisjoint();
        run.elementwise(n, run.share(p, g, m, v, vMax), (o, len) -> ops.adamAmsgrad(len, s, p, pOffset + o, g,
                gOffset + o, m, mOffset + o, v, vOffset + o, vMax, vMaxOffset + o));
    }

    /** One amsgrad step over whole arrays of equal length. */
    public void adamAmsgrad(AdamParams h, long step, float[] p, float[] g, float[] m, float[] v, float[] vMax) {
        adamAmsgrad(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "m", m), 0,
                sameLength(p, "v", v), 0, sameLength(p, "vMax", vMax), 0);
    }

    private static AdamStep adamStep(AdamParams h, long step) {
        return new AdamStep(sign(h.maximize()), h.decoupled() ? 0f : (float) h.weightDecay(), (float) h.decayFactor(),
                (float) h.beta1(), (float) (1 - h.beta1()), (float) h.beta2(), (float) (1 - h.beta2()),
                (float) h.stepSize(step), (float) h.invSqrtBias2(step), (float) h.eps());
    }

    // ---- SGD ----------------------------------------------------------------------------------------

    /**
     * One SGD step ({@link SgdParams}) over n elements.
     *
     * @param b the momentum buffer, updated in place; required when {@code h.momentum() != 0},
     *     else may be null (and is not touched). Its contents are ignored on step 1.
     */
    public void sgd(SgdParams h, long step, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                    @Nullable MemorySegment b, long bOffset) {
        notNull("h", h);
        SgdStep s = new SgdStep(sign(h.maximize()), (float) h.weightDecay(), 1f, (float) h.lr(), (float) h.momentum(),
                (float) (1 - h.dampening()), Hyper.step(step) == 1, h.nesterov());
        MemorySegment buffer = h.hasMomentum() ? b : null;
        Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                .state("b", buffer, bOffset, h.hasMomentum(), "momentum is " + h.momentum()).checkDisjoint();
        sgdPass(n, s, p, pOffset, g, gOffset, buffer, bOffset);
    }

    /** One SGD step over whole arrays of equal length; b may be null without momentum. */
    public void sgd(SgdParams h, long step, float[] p, float[] g, float @Nullable [] b) {
        sgd(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLengthOrNull(p, "b", b), 0);
    }

    private void sgdPass(long n, SgdStep s, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                         @Nullable MemorySegment b, long bOffset) {
        boolean share = b == null ? run.share(p, g) : run.share(p, g, b);
        run.elementwise(n, share, (o, len) -> ops.sgd(len, s, p, pOffset + o, g, gOffset + o, b, bOffset + o));
    }

    // ---- Lion, signSGD / Signum ---------------------------------------------------------------------

    /**
     * One Lion step ({@link LionParams}) over n elements.
     *
     * @param m momentum, updated in place
     */
    public void lion(LionParams h, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                     MemorySegment m, long mOffset) {
        notNull("h", h);
        OptimOps.LionStep s = new OptimOps.LionStep(sign(h.maximize()), (float) h.decayFactor(), (float) h.lr(),
                (float) h.beta1(), (float) (1 - h.beta1()), (float) h.beta2(), (float) (1 - h.beta2()));
        Operands.of(n).written("p", p, pOffset).read("g", g, gOffset).written("m", m, mOffset).checkDisjoint();
        run.elementwise(n, run.share(p, g, m), (o, len) -> ops.lion(len, s, p, pOffset + o, g, gOffset + o, m,
                mOffset + o));
    }

    /** One Lion step over whole arrays of equal length. */
    public void lion(LionParams h, float[] p, float[] g, float[] m) {
        lion(h, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "m", m), 0);
    }

    /**
     * One signSGD or Signum step ({@link SignumParams}) over n elements.
     *
     * @param m the momentum buffer, updated in place; required when {@code h.momentum() != 0},
     *     else may be null
     */
    public void signum(SignumParams h, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                       @Nullable MemorySegment m, long mOffset) {
        notNull("h", h);
        OptimOps.SignumStep s = new OptimOps.SignumStep(sign(h.maximize()), (float) (1 - h.lr() * h.weightDecay()),
                (float) h.lr(), (float) h.momentum(), (float) (1 - h.momentum()));
        MemorySegment buffer = h.hasMomentum() ? m : null;
        Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                .state("m", buffer, mOffset, h.hasMomentum(), "momentum is " + h.momentum()).checkDisjoint();
        boolean share = buffer == null ? run.share(p, g) : run.share(p, g, buffer);
        run.elementwise(n, share, (o, len) -> ops.signum(len, s, p, pOffset + o, g, gOffset + o, buffer, mOffset + o));
    }

    /** One signSGD or Signum step over whole arrays; m may be null for signSGD. */
    public void signum(SignumParams h, float[] p, float[] g, float @Nullable [] m) {
        signum(h, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLengthOrNull(p, "m", m), 0);
    }

    // ---- AdaBelief, diffGrad, EXAdam ---------------------------------------------------------------

    /**
     * One AdaBelief step ({@link AdaBeliefParams}) over n elements.
     *
     * @param m first moments, updated in place
     * @param s the "belief" second moments (with eps folded in), updated in place
     */
    public void adaBelief(AdaBeliefParams h, long step, long n, MemorySegment p, long pOffset, MemorySegment g,
                          long gOffset, MemorySegment m, long mOffset, MemorySegment s, long sOffset) {
        notNull("h", h);
        OptimOps.AdaBeliefStep k = adaBeliefStep(h, step);
        Operands.of(n).written("p", p, pOffset).read("g", g, gOffset).written("m", m, mOffset).written("s", s, sOffset)
                .checkDisjoint();
        run.elementwise(n, run.share(p, g, m, s),
                (o, len) -> ops.adaBelief(len, k, p, pOffset + o, g, gOffset + o, m, mOffset + o, s, sOffset + o));
    }

    /** One AdaBelief step over whole arrays of equal length. */
    public void adaBelief(AdaBeliefParams h, long step, float[] p, float[] g, float[] m, float[] s) {
        adaBelief(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "m", m), 0,
                sameLength(p, "s", s), 0);
    }

    private static OptimOps.AdaBeliefStep adaBeliefStep(AdaBeliefParams h, long step) {
        double bc1 = Hyper.biasCorrection(h.beta1(), step), bc2 = Hyper.biasCorrection(h.beta2(), step);
        double stepSize = h.lr() / bc1, invSqrtBc2 = 1 / Math.sqrt(bc2);
        boolean sgdStep = false;
        if (h.rectify()) {
            double rhoInf = 2 / (1 - h.beta2()) - 1;
            double rho = rhoInf - 2 * step * Math.pow(h.beta2(), step) / bc2;
            if (rho >= 5) {
                stepSize *= Math.sqrt(bc2 * (rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
                invSqrtBc2 = 1;
            } else {
                sgdStep = true;
                stepSize = h.degenerateToSgd() ? stepSize : 0;
            }
        }
        float decay = h.decoupled() ? (float) (1 - h.lr() * h.weightDecay()) : 1f;
        float l2 = h.decoupled() ? 0f : (float) h.weightDecay();
        return new OptimOps.AdaBeliefStep(sign(h.maximize()), l2, decay, (float) h.beta1(), (float) (1 - h.beta1()),
                (float) h.beta2(), (float) (1 - h.beta2()), (float) h.eps(), (float) stepSize, (float) invSqrtBc2,
                (float) h.eps(), sgdStep);
    }

    /**
     * One diffGrad step ({@link DiffGradParams}) over n elements.
     *
     * @param prev the previous step's gradient (after the L2 term), updated in place
     */
    public void diffGrad(DiffGradParams h, long step, long n, MemorySegment p, long pOffset, MemorySegment g,
                         long gOffset, MemorySegment m, long mOffset, MemorySegment v, long vOffset, MemorySegment prev,
                         long prevOffset) {
        notNull("h", h);
        double bc1 = Hyper.biasCorrection(h.beta1(), step), bc2 = Hyper.biasCorrection(h.beta2(), step);
        OptimOps.DiffGradStep s = new OptimOps.DiffGradStep(sign(h.maximize()), (float) h.weightDecay(),
                (float) h.beta1(), (float) (1 - h.beta1()), (float) h.beta2(), (float) (1 - h.beta2()),
                (float) (h.lr() * Math.sqrt(bc2) / bc1), (float) h.eps());
        Operands.of(n).written("p", p, pOffset).read("g", g, gOffset).written("m", m, mOffset).written("v", v, vOffset)
                .written("prev", prev, prevOffset).checkDisjoint();
        run.elementwise(n, run.share(p, g, m, v, prev), (o, len) -> ops.diffGrad(len, s, p, pOffset + o, g,
                gOffset + o, m, mOffset + o, v, vOffset + o, prev, prevOffset + o));
    }

    /** One diffGrad step over whole arrays of equal length. */
    public void diffGrad(DiffGradParams h, long step, float[] p, float[] g, float[] m, float[] v, float[] prev) {
        diffGrad(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "m", m), 0,
                sameLength(p, "v", v), 0, sameLength(p, "prev", prev), 0);
    }

    /** One EXAdam step ({@link ExAdamParams}) over n elements. */
    public void exAdam(ExAdamParams h, long step, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                       MemorySegment m, long mOffset, MemorySegment v, long vOffset) {
        notNull("h", h);
        double b1t = Math.pow(h.beta1(), Hyper.step(step)), b2t = Math.pow(h.beta2(), step);
        OptimOps.ExAdamStep s = new OptimOps.ExAdamStep(sign(h.maximize()), (float) (1 - h.lr() * h.weightDecay()),
                (float) h.beta1(), (float) (1 - h.beta1()), (float) h.beta2(), (float) (1 - h.beta2()), (float) b1t,
                (float) b2t, (float) (1 / (1 - b1t)), (float) (1 / (1 - b2t)), (float) h.lr(), (float) h.eps());
        Operands.of(n).written("p", p, pOffset).read("g", g, gOffset).written("m", m, mOffset).written("v", v, vOffset)
                .checkDisjoint();
        run.elementwise(n, run.share(p, g, m, v),
                (o, len) -> ops.exAdam(len, s, p, pOffset + o, g, gOffset + o, m, mOffset + o, v, vOffset + o));
    }

    /** One EXAdam step over whole arrays of equal length. */
    public void exAdam(ExAdamParams h, long step, float[] p, float[] g, float[] m, float[] v) {
        exAdam(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "m", m), 0,
                sameLength(p, "v", v), 0);
    }

    // ---- norm-based: LAMB, LARS, SGD-SaI -------------------------------------------------------------

    /**
     * One LAMB step ({@link LambParams}) over one tensor of n elements: a read-only pass for
     * {@code ||p||} and {@code ||u||}, then the fused update.
     *
     * @return the trust ratio applied
     */
    public double lamb(LambParams h, long step, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                       MemorySegment m, long mOffset, MemorySegment v, long vOffset) {
        notNull("h", h);
        double invBc1 = h.biasCorrection() ? 1 / Hyper.biasCorrection(h.beta1(), step) : 1;
        double invSqrtBc2 = h.biasCorrection() ? 1 / Math.sqrt(Hyper.biasCorrection(h.beta2(), step)) : 1;
        Hyper.step(step);
        Operands.of(n).written("p", p, pOffset).read("g", g, gOffset).written("m", m, mOffset).written("v", v, vOffset)
                .checkDisjoint();
        float gScale = sign(h.maximize());
        AdamStep norms = new AdamStep(gScale, 0f, 1f, (float) h.beta1(), (float) (1 - h.beta1()), (float) h.beta2(),
                (float) (1 - h.beta2()), (float) invBc1, (float) invSqrtBc2, (float) h.eps());
        boolean share = run.share(p, g, m, v);
        double[] sums = run.sums(n, share, 2, (o, len, out) -> ops.lambSums(len, norms, (float) h.weightDecay(), p,
                pOffset + o, g, gOffset + o, m, mOffset + o, v, vOffset + o, out));
        double trust = h.trustRatio(Math.sqrt(sums[0]), Math.sqrt(sums[1]));
        double scale = h.lr() * trust;
        AdamStep s = new AdamStep(gScale, 0f, (float) (1 - scale * h.weightDecay()), (float) h.beta1(),
                (float) (1 - h.beta1()), (float) h.beta2(), (float) (1 - h.beta2()), (float) (scale * invBc1),
                (float) invSqrtBc2, (float) h.eps());
        run.elementwise(n, share,
                (o, len) -> ops.adam(len, s, p, pOffset + o, g, gOffset + o, m, mOffset + o, v, vOffset + o));
        return trust;
    }

    /** One LAMB step over whole arrays of equal length; returns the trust ratio. */
    public double lamb(LambParams h, long step, float[] p, float[] g, float[] m, float[] v) {
        return lamb(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "m", m), 0,
                sameLength(p, "v", v), 0);
    }

    /**
     * One LARS step ({@link LarsParams}) over one tensor of n elements: a read-only pass over p
     * and g for the norms, then the fused update.
     *
     * @param b the momentum buffer (zero before the first step), required when
     *     {@code h.momentum() != 0}, else may be null
     * @return the trust ratio applied
     */
    public double lars(LarsParams h, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                       @Nullable MemorySegment b, long bOffset) {
        notNull("h", h);
        MemorySegment buffer = h.hasMomentum() ? b : null;
        Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                .state("b", buffer, bOffset, h.hasMomentum(), "momentum is " + h.momentum()).checkDisjoint();
        float gScale = sign(h.maximize()), wd = (float) h.weightDecay();
        double[] sums = run.sums(n, run.share(p, g), 2,
                (o, len, out) -> ops.larsSums(len, gScale, wd, p, pOffset + o, g, gOffset + o, out));
        double trust = h.trustRatio(Math.sqrt(sums[0]), Math.sqrt(sums[1]));
        SgdStep s = new SgdStep((float) (gScale * trust), (float) (wd * trust), 1f, (float) h.lr(),
                (float) h.momentum(), 1f, false, h.nesterov());
        sgdPass(n, s, p, pOffset, g, gOffset, buffer, bOffset);
        return trust;
    }

    /** One LARS step over whole arrays; b may be null without momentum. Returns the trust ratio. */
    public double lars(LarsParams h, float[] p, float[] g, float @Nullable [] b) {
        return lars(h, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLengthOrNull(p, "b", b), 0);
    }

    /**
     * SGD-SaI's per-tensor scale, measured on the first step's gradient: {@code ||g|| / (std(g) +
     * eps)} with the unbiased standard deviation (0 for a single element). Two read-only passes
     * (the sum, then the centred squares). With maximize the sign of g does not matter.
     */
    public double sgdSaiScale(SgdSaiParams h, long n, MemorySegment g, long gOffset) {
        notNull("h", h);
        Operands.of(n).read("g", g, gOffset);
        if (n == 0) {
            return 0;
        }
        boolean share = run.share(g);
        double[] raw = run.sums(n, share, 2, (o, len, out) -> ops.centeredSums(len, 0f, g, gOffset + o, out));
        float mean = (float) (raw[0] / n);
        double[] centred = run.sums(n, share, 2, (o, len, out) -> ops.centeredSums(len, mean, g, gOffset + o, out));
        double std = n == 1 ? 0 : Math.sqrt(centred[1] / (n - 1));
        return Math.sqrt(raw[1]) / (std + h.eps());
    }

    /** SGD-SaI's scale of a whole gradient array. */
    public double sgdSaiScale(SgdSaiParams h, float[] g) {
        return sgdSaiScale(h, g.length, MemorySegment.ofArray(g), 0);
    }

    /**
     * One SGD-SaI step ({@link SgdSaiParams}) with the tensor's frozen scale from
     * {@link #sgdSaiScale} (measured at step 1).
     *
     * @param b the momentum buffer, updated in place; its contents are ignored on step 1
     */
    public void sgdSai(SgdSaiParams h, long step, double scale, long n, MemorySegment p, long pOffset, MemorySegment g,
                       long gOffset, MemorySegment b, long bOffset) {
        notNull("h", h);
        if (!(scale >= 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be finite and >= 0, was " + scale);
        }
        SgdStep s = new SgdStep(sign(h.maximize()), 0f, (float) (1 - h.lr() * h.weightDecay()),
                (float) (h.lr() * scale), (float) h.momentum(), (float) (1 - h.momentum()), Hyper.step(step) == 1, false);
        Operands.of(n).written("p", p, pOffset).read("g", g, gOffset).written("b", b, bOffset).checkDisjoint();
        sgdPass(n, s, p, pOffset, g, gOffset, b, bOffset);
    }

    /** One SGD-SaI step over whole arrays of equal length. */
    public void sgdSai(SgdSaiParams h, long step, double scale, float[] p, float[] g, float[] b) {
        sgdSai(h, step, scale, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "b", b), 0);
    }

    // ---- AdamP, SGDP -------------------------------------------------------------------------------

    /**
     * One AdamP step ({@link AdamPParams}) over a tensor of n elements seen as {@code rows} rows
     * (its size in dimension 0; 1 for a vector, which is never projected): a read-only pass for
     * each row's cosine and projection sums, then the fused update.
     *
     * @return whether the step was projected (and so decayed by wdRatio)
     */
    public boolean adamP(AdamPParams h, long step, long rows, long n, MemorySegment p, long pOffset, MemorySegment g,
                         long gOffset, MemorySegment m, long mOffset, MemorySegment v, long vOffset) {
        notNull("h", h);
        Projection.checkRows(rows, n);
        Operands.of(n).written("p", p, pOffset).read("g", g, gOffset).written("m", m, mOffset).written("v", v, vOffset)
                .checkDisjoint();
        double stepSize = h.lr() / Hyper.biasCorrection(h.beta1(), step);
        AdamStep s = new AdamStep(sign(h.maximize()), 0f, 1f, (float) h.beta1(), (float) (1 - h.beta1()),
                (float) h.beta2(), (float) (1 - h.beta2()), (float) stepSize,
                (float) (1 / Math.sqrt(Hyper.biasCorrection(h.beta2(), step))), (float) h.eps());
        boolean share = run.share(p, g, m, v);
        Projection proj = Projection.decide(run, share, rows, n, h.delta(), h.eps(), (start, len, out) -> ops.adamPSums(
                len, s, p, pOffset + start, g, gOffset + start, m, mOffset + start, v, vOffset + start, out));
        double decay = 1 - h.lr() * h.weightDecay() * (proj.projected() ? h.wdRatio() : 1);
        proj.apply(run, share, decay, stepSize, (start, len, rowDecay) -> ops.adam(len,
                new AdamStep(s.gScale(), 0f, rowDecay, s.beta1(), s.c1(), s.beta2(), s.c2(), s.stepSize(),
                        s.invSqrtBc2(), s.eps()), p, pOffset + start, g, gOffset + start, m, mOffset + start, v,
                vOffset + start));
        return proj.projected();
    }

    /** One AdamP step over whole arrays holding a tensor of {@code rows} rows. */
    public boolean adamP(AdamPParams h, long step, long rows, float[] p, float[] g, float[] m, float[] v) {
        return adamP(h, step, rows, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0,
                sameLength(p, "m", m), 0, sameLength(p, "v", v), 0);
    }

    /**
     * One SGDP step ({@link SgdpParams}) over a tensor of n elements in {@code rows} rows, as
     * {@link #adamP}.
     *
     * @param b the momentum buffer (zero before the first step), updated in place
     * @return whether the step was projected
     */
    public boolean sgdp(SgdpParams h, long rows, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                        MemorySegment b, long bOffset) {
        notNull("h", h);
        Projection.checkRows(rows, n);
        Operands.of(n).written("p", p, pOffset).read("g", g, gOffset).written("b", b, bOffset).checkDisjoint();
        SgdStep s = new SgdStep(sign(h.maximize()), 0f, 1f, (float) h.lr(), (float) h.momentum(),
                (float) (1 - h.dampening()), false, h.nesterov());
        boolean share = run.share(p, g, b);
        Projection proj = Projection.decide(run, share, rows, n, h.delta(), 1e-8, (start, len, out) -> ops.sgdPSums(
                len, s, p, pOffset + start, g, gOffset + start, b, bOffset + start, out));
        double ratio = proj.projected() ? h.wdRatio() : 1;
        double decay = 1 - h.lr() * h.weightDecay() * ratio / (1 - h.momentum());
        proj.apply(run, share, decay, h.lr(), (start, len, rowDecay) -> ops.sgd(len,
                new SgdStep(s.gScale(), 0f, rowDecay, s.lr(), s.momentum(), s.dampC(), false, s.nesterov()), p,
                pOffset + start, g, gOffset + start, b, bOffset + start));
        return proj.projected();
    }

    /** One SGDP step over whole arrays holding a tensor of {@code rows} rows. */
    public boolean sgdp(SgdpParams h, long rows, float[] p, float[] g, float[] b) {
        return sgdp(h, rows, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "b", b), 0);
    }
}
