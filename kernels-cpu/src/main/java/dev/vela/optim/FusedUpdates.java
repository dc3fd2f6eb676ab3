package dev.vela.optim;

import static dev.vela.optim.Operands.sameLength;
import static dev.vela.optim.Operands.sameLengthOrNull;

import dev.vela.internal.run.KernelRunner;
import dev.vela.internal.simd.OptimOps;
import dev.vela.internal.simd.SimdProvider;
import dev.vela.kernels.Implementation;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * Fused optimizer updates, the stateless kernel layer: each call reads every parameter,
 * gradient and state element once and writes each once (float32 arithmetic; per-step scalars
 * such as bias corrections and trust ratios computed once in double). The norm-based rules
 * (LAMB, LARS, AdamP, SGDP) first make one pass for their norms; LAMB, AdamP and SGDP advance
 * their state in it, and the update pass reads the state back instead of recomputing it from g
 * (4 to 8 fewer bytes read per parameter than a read-only first pass). Frameworks that
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

    /** Prepares one tensor's step (gradient scale 1) and runs it in parallel chunks. */
    private Rules.SpanUpdate update(Hyperparameters h, long step, Operands checked, Rules.Tensor t, double... scalars) {
        return update(h, step, 1.0, checked, t, scalars);
    }

    private Rules.SpanUpdate update(Hyperparameters h, long step, double gradScale, Operands checked, Rules.Tensor t,
                                    double... scalars) {
        checked.checkDisjoint();
        boolean share = checked.shareable(run);
        Rules.SpanUpdate u = Rules.prepare(ops, run, share, h, step, gradScale, t, scalars).update(run, share);
        run.elementwise(t.n(), share, u::run);
        return u;
    }

    // ---- any elementwise rule --------------------------------------------------------------------

    /** The state buffers rule h keeps with these hyperparameters, by name, in {@link #update}'s order. */
    public static java.util.List<String> stateNames(Hyperparameters h) {
        return Rules.stateNames(notNull("h", h));
    }

    /** Whether h's rule updates each element from that element alone (no norm over the tensor). */
    public static boolean isElementwise(Hyperparameters h) {
        return !(notNull("h", h) instanceof LambParams || h instanceof LarsParams || h instanceof AdamPParams
                || h instanceof SgdpParams || h instanceof SgdSaiParams);
    }

    /**
     * One step of any elementwise rule ({@link #isElementwise}) over n elements, with every
     * gradient multiplied by {@code gradScale} (loss unscaling, clipping) as the rule reads it:
     * the same arithmetic as the rule's own method, for optimizers that store their state
     * elsewhere (the 8-bit optimizer dequantizes a block, calls this, and quantizes it back).
     *
     * @param state the rule's state buffers in {@link #stateNames} order
     * @param stateOffsets their element offsets
     * @throws IllegalArgumentException if the rule is norm-based, gradScale is negative or not
     *     finite, or the state buffers do not match {@link #stateNames} (each named)
     */
    public void update(Hyperparameters h, long step, double gradScale, long n, MemorySegment p, long pOffset,
                       MemorySegment g, long gOffset, MemorySegment[] state, long[] stateOffsets) {
        if (!isElementwise(h)) {
            throw new IllegalArgumentException("h is " + h.getClass().getSimpleName()
                    + ", a norm-based rule: call its own method, which computes the norm over the whole tensor");
        }
        Hyper.nonNegative("gradScale", gradScale);
        java.util.List<String> names = Rules.stateNames(h);
        if (notNull("state", state).length != names.size() || notNull("stateOffsets", stateOffsets).length != names.size()) {
            throw new IllegalArgumentException("state and stateOffsets must hold " + names.size() + " buffers "
                    + names + ", held " + state.length + " and " + stateOffsets.length);
        }
        Operands checked = Operands.of(n).written("p", p, pOffset).read("g", g, gOffset);
        Rules.Tensor t = Rules.Tensor.of(n, 1, p, pOffset, g, gOffset);
        for (int k = 0; k < state.length; k++) {
            checked = checked.written(names.get(k), state[k], stateOffsets[k]);
            t = t.and(state[k], stateOffsets[k]);
        }
        update(h, Hyper.step(step), gradScale, checked, t);
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
        update(h, Hyper.step(step), Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                .written("m", m, mOffset).written("v", v, vOffset),
                Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(m, mOffset).and(v, vOffset));
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
        update(h, Hyper.step(step), Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                .written("m", m, mOffset).written("v", v, vOffset).written("vMax", vMax, vMaxOffset),
                Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(m, mOffset).and(v, vOffset).and(vMax, vMaxOffset));
    }

    /** One amsgrad step over whole arrays of equal length. */
    public void adamAmsgrad(AdamParams h, long step, float[] p, float[] g, float[] m, float[] v, float[] vMax) {
        adamAmsgrad(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "m", m), 0,
                sameLength(p, "v", v), 0, sameLength(p, "vMax", vMax), 0);
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
        boolean momentum = notNull("h", h).hasMomentum();
        update(h, Hyper.step(step), Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                        .state("b", momentum ? b : null, bOffset, momentum, "momentum is " + h.momentum()),
                Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(momentum ? b : null, bOffset));
    }

    /** One SGD step over whole arrays of equal length; b may be null without momentum. */
    public void sgd(SgdParams h, long step, float[] p, float[] g, float @Nullable [] b) {
        sgd(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLengthOrNull(p, "b", b), 0);
    }

    // ---- Lion, signSGD / Signum ---------------------------------------------------------------------

    /**
     * One Lion step ({@link LionParams}) over n elements.
     *
     * @param m momentum, updated in place
     */
    public void lion(LionParams h, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                     MemorySegment m, long mOffset) {
        update(notNull("h", h), 1, Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                .written("m", m, mOffset),
                Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(m, mOffset));
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
        boolean momentum = notNull("h", h).hasMomentum();
        update(h, 1, Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                        .state("m", momentum ? m : null, mOffset, momentum, "momentum is " + h.momentum()),
                Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(momentum ? m : null, mOffset));
    }

    /** One signSGD or Signum step over whole arrays; m may be null for signSGD. */
    public void signum(SignumParams h, float[] p, float[] g, float @Nullable [] m) {
        signum(h, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLengthOrNull(p, "m", m), 0);
    }

    // ---- RMSprop, AdaGrad --------------------------------------------------------------------------

    /**
     * One RMSprop step ({@link RmspropParams}) over n elements.
     *
     * @param v the second moment, updated in place
     * @param gavg the gradient average, updated in place; required when {@code h.centered()}
     * @param b the momentum buffer, updated in place; required when {@code h.momentum() != 0}
     */
    public void rmsprop(RmspropParams h, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                        MemorySegment v, long vOffset, @Nullable MemorySegment gavg, long gavgOffset,
                        @Nullable MemorySegment b, long bOffset) {
        boolean centered = notNull("h", h).centered(), momentum = h.hasMomentum();
        Rules.Tensor t = Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(v, vOffset);
        if (centered) {
            t = t.and(gavg, gavgOffset);
        }
        if (momentum) {
            t = t.and(b, bOffset);
        }
        update(h, 1, Operands.of(n).written("p", p, pOffset).read("g", g, gOffset).written("v", v, vOffset)
                .state("gavg", centered ? gavg : null, gavgOffset, centered, "centered is true")
                .state("b", momentum ? b : null, bOffset, momentum, "momentum is " + h.momentum()), t);
    }

    /** One RMSprop step over whole arrays; gavg and b may be null when the rule keeps none. */
    public void rmsprop(RmspropParams h, float[] p, float[] g, float[] v, float @Nullable [] gavg, float @Nullable [] b) {
        rmsprop(h, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "v", v), 0,
                sameLengthOrNull(p, "gavg", gavg), 0, sameLengthOrNull(p, "b", b), 0);
    }

    /**
     * One AdaGrad step ({@link AdagradParams}) at step {@code step} (>= 1, for the lr decay).
     *
     * @param sum the sum of squared gradients (without the initial accumulator), updated in place
     */
    public void adagrad(AdagradParams h, long step, long n, MemorySegment p, long pOffset, MemorySegment g,
                        long gOffset, MemorySegment sum, long sumOffset) {
        update(notNull("h", h), Hyper.step(step), Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                .written("sum", sum, sumOffset), Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(sum, sumOffset));
    }

    /** One AdaGrad step over whole arrays of equal length. */
    public void adagrad(AdagradParams h, long step, float[] p, float[] g, float[] sum) {
        adagrad(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "sum", sum), 0);
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
        update(notNull("h", h), Hyper.step(step), Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                .written("m", m, mOffset).written("s", s, sOffset),
                Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(m, mOffset).and(s, sOffset));
    }

    /** One AdaBelief step over whole arrays of equal length. */
    public void adaBelief(AdaBeliefParams h, long step, float[] p, float[] g, float[] m, float[] s) {
        adaBelief(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "m", m), 0,
                sameLength(p, "s", s), 0);
    }

    /**
     * One diffGrad step ({@link DiffGradParams}) over n elements.
     *
     * @param prev the previous step's gradient (after the L2 term), updated in place
     */
    public void diffGrad(DiffGradParams h, long step, long n, MemorySegment p, long pOffset, MemorySegment g,
                         long gOffset, MemorySegment m, long mOffset, MemorySegment v, long vOffset, MemorySegment prev,
                         long prevOffset) {
        update(notNull("h", h), Hyper.step(step), Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                .written("m", m, mOffset).written("v", v, vOffset).written("prev", prev, prevOffset),
                Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(m, mOffset).and(v, vOffset).and(prev, prevOffset));
    }

    /** One diffGrad step over whole arrays of equal length. */
    public void diffGrad(DiffGradParams h, long step, float[] p, float[] g, float[] m, float[] v, float[] prev) {
        diffGrad(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "m", m), 0,
                sameLength(p, "v", v), 0, sameLength(p, "prev", prev), 0);
    }

    /** One EXAdam step ({@link ExAdamParams}) over n elements. */
    public void exAdam(ExAdamParams h, long step, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                       MemorySegment m, long mOffset, MemorySegment v, long vOffset) {
        update(notNull("h", h), Hyper.step(step), Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                .written("m", m, mOffset).written("v", v, vOffset),
                Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(m, mOffset).and(v, vOffset));
    }

    /** One EXAdam step over whole arrays of equal length. */
    public void exAdam(ExAdamParams h, long step, float[] p, float[] g, float[] m, float[] v) {
        exAdam(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "m", m), 0,
                sameLength(p, "v", v), 0);
    }

    // ---- norm-based: LAMB, LARS, SGD-SaI -------------------------------------------------------------

    /**
     * One LAMB step ({@link LambParams}) over one tensor of n elements: a pass that
     * advances m and v and sums {@code ||p||} and {@code ||u||}, then the update of p.
     */
    public void lamb(LambParams h, long step, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                     MemorySegment m, long mOffset, MemorySegment v, long vOffset) {
        update(notNull("h", h), Hyper.step(step), Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                .written("m", m, mOffset).written("v", v, vOffset),
                Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(m, mOffset).and(v, vOffset));
    }

    /**
     * One LAMB step as {@link #lamb(LambParams, long, long, MemorySegment, long, MemorySegment,
     * long, MemorySegment, long, MemorySegment, long)}, with a direction buffer {@code q} of n
     * floats whose contents are ignored and overwritten. The first pass also writes the Adam
     * direction m / (sqrt(v / bc2) + eps) there, and the update of p reads p and q instead of p, m
     * and v, without a square root or division, for 4 bytes per parameter more memory. The
     * arithmetic is the same: m and v get the same bits, and so does p, except where the two
     * passes cut the tensor into vector spans differently (a length that is not a multiple of
     * the vector width), where an element's direction may be rounded once by a fused multiply-add
     * in one pass and twice in the other, moving p by an ulp of the step.
     *
     * <p>It pays where the buffers stay in cache and costs where they do not. Measured on Zen 4
     * (2 cores): 20 to 25% faster at 1M parameters; 7 to 16% slower at 64M, where storing q first
     * reads its cache lines from memory (write-allocate), so a step moves 44 bytes per parameter
     * instead of 40.
     */
    public void lamb(LambParams h, long step, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                     MemorySegment m, long mOffset, MemorySegment v, long vOffset, MemorySegment q, long qOffset) {
        update(notNull("h", h), Hyper.step(step), Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                        .written("m", m, mOffset).written("v", v, vOffset).written("q", q, qOffset),
                Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(m, mOffset).and(v, vOffset).and(q, qOffset));
    }

    /** One LAMB step over whole arrays of equal length. */
    public void lamb(LambParams h, long step, float[] p, float[] g, float[] m, float[] v) {
        lamb(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "m", m), 0,
                sameLength(p, "v", v), 0);
    }

    /** One LAMB step over whole arrays of equal length, with the direction buffer q. */
    public void lamb(LambParams h, long step, float[] p, float[] g, float[] m, float[] v, float[] q) {
        lamb(h, step, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "m", m), 0,
                sameLength(p, "v", v), 0, sameLength(p, "q", q), 0);
    }

    /**
     * One LARS step ({@link LarsParams}) over one tensor of n elements: a read-only pass over p
     * and g for the norms, then the fused update.
     *
     * @param b the momentum buffer (zero before the first step), required when
     *     {@code h.momentum() != 0}, else may be null
     */
    public void lars(LarsParams h, long n, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                     @Nullable MemorySegment b, long bOffset) {
        boolean momentum = notNull("h", h).hasMomentum();
        update(h, 1, Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                        .state("b", momentum ? b : null, bOffset, momentum, "momentum is " + h.momentum()),
                Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(momentum ? b : null, bOffset));
    }

    /** One LARS step over whole arrays; b may be null without momentum. */
    public void lars(LarsParams h, float[] p, float[] g, float @Nullable [] b) {
        lars(h, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLengthOrNull(p, "b", b), 0);
    }

    /**
     * SGD-SaI's per-tensor scale, measured on the first step's gradient: {@code ||g|| / (std(g) +
     * eps)} with the unbiased standard deviation (0 for a single element). Two read-only passes
     * (the sum, then the centred squares). The sign of g does not matter.
     */
    public double sgdSaiScale(SgdSaiParams h, long n, MemorySegment g, long gOffset) {
        notNull("h", h);
        Operands checked = Operands.of(n).read("g", g, gOffset);
        return Rules.sgdSaiScale(ops, run, checked.shareable(run), h.eps(), 1.0, n, g, gOffset);
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
        update(h, Hyper.step(step), Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                .written("b", b, bOffset),
                Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(b, bOffset), scale);
    }

    /** One SGD-SaI step over whole arrays of equal length. */
    public void sgdSai(SgdSaiParams h, long step, double scale, float[] p, float[] g, float[] b) {
        sgdSai(h, step, scale, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "b", b), 0);
    }

    // ---- AdamP, SGDP -------------------------------------------------------------------------------

    /**
     * One AdamP step ({@link AdamPParams}) over a tensor of n elements seen as {@code rows} rows
     * (its size in dimension 0; 1 for a vector, which is never projected): a pass that advances
     * m and v and sums each row's cosine and projection terms, then the update of p (a vector
     * takes Adam's single pass).
     *
     * @return whether the step was projected (and so decayed by wdRatio)
     */
    public boolean adamP(AdamPParams h, long step, long rows, long n, MemorySegment p, long pOffset, MemorySegment g,
                         long gOffset, MemorySegment m, long mOffset, MemorySegment v, long vOffset) {
        notNull("h", h);
        Projection.checkRows(rows, n);
        return Rules.projected(update(h, Hyper.step(step), Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                .written("m", m, mOffset).written("v", v, vOffset),
                Rules.Tensor.of(n, rows, p, pOffset, g, gOffset).and(m, mOffset).and(v, vOffset)));
    }

    /**
     * One AdamP step as {@link #adamP(AdamPParams, long, long, long, MemorySegment, long,
     * MemorySegment, long, MemorySegment, long, MemorySegment, long)}, with a direction buffer
     * {@code q} of n floats whose contents are ignored and overwritten (a tensor of one row does not
     * use it): as {@link #lamb(LambParams, long, long, MemorySegment, long, MemorySegment, long,
     * MemorySegment, long, MemorySegment, long, MemorySegment, long) lamb} with one, the same
     * arithmetic with less computation, where it pays.
     *
     * @return whether the step was projected
     */
    public boolean adamP(AdamPParams h, long step, long rows, long n, MemorySegment p, long pOffset, MemorySegment g,
                         long gOffset, MemorySegment m, long mOffset, MemorySegment v, long vOffset, MemorySegment q,
                         long qOffset) {
        notNull("h", h);
        Projection.checkRows(rows, n);
        return Rules.projected(update(h, Hyper.step(step), Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                        .written("m", m, mOffset).written("v", v, vOffset).written("q", q, qOffset),
                Rules.Tensor.of(n, rows, p, pOffset, g, gOffset).and(m, mOffset).and(v, vOffset).and(q, qOffset)));
    }

    /** One AdamP step over whole arrays holding a tensor of {@code rows} rows. */
    public boolean adamP(AdamPParams h, long step, long rows, float[] p, float[] g, float[] m, float[] v) {
        return adamP(h, step, rows, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0,
                sameLength(p, "m", m), 0, sameLength(p, "v", v), 0);
    }

    /** One AdamP step over whole arrays holding a tensor of {@code rows} rows, with the direction buffer q. */
    public boolean adamP(AdamPParams h, long step, long rows, float[] p, float[] g, float[] m, float[] v, float[] q) {
        return adamP(h, step, rows, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0,
                sameLength(p, "m", m), 0, sameLength(p, "v", v), 0, sameLength(p, "q", q), 0);
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
        return Rules.projected(update(h, 1, Operands.of(n).written("p", p, pOffset).read("g", g, gOffset)
                .written("b", b, bOffset),
                Rules.Tensor.of(n, rows, p, pOffset, g, gOffset).and(b, bOffset)));
    }

    /** One SGDP step over whole arrays holding a tensor of {@code rows} rows. */
    public boolean sgdp(SgdpParams h, long rows, float[] p, float[] g, float[] b) {
        return sgdp(h, rows, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0, sameLength(p, "b", b), 0);
    }

    // ---- bfloat16 storage: AdamW and Lion ----------------------------------------------------------

    /**
     * One Adam or AdamW step on bfloat16 parameters and moments (2 bytes each; gradients float32):
     * every element is widened exactly, updated in float32 as {@link #adam}, and written back with
     * stochastic rounding, so updates far below bf16's resolution (2^-8 relative) still move p in
     * expectation. The rounding is deterministic: its random bits come from {@code seed}, the
     * step, the buffer and the element's index, never from the thread count or the chunking.
     * No amsgrad.
     */
    public void adamBf16(AdamParams h, long step, long seed, long n, MemorySegment p, long pOffset, MemorySegment g,
                         long gOffset, MemorySegment m, long mOffset, MemorySegment v, long vOffset) {
        if (notNull("h", h).amsgrad()) {
            throw new IllegalArgumentException("h.amsgrad is true: the bfloat16 path has no vMax");
        }
        updateBf16(h, Hyper.step(step), seed, Operands.of(n).writtenBf16("p", p, pOffset).read("g", g, gOffset)
                .writtenBf16("m", m, mOffset).writtenBf16("v", v, vOffset),
                Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(m, mOffset).and(v, vOffset));
    }

    /** One bfloat16 Adam or AdamW step over whole arrays (bf16 bits in the shorts). */
    public void adamBf16(AdamParams h, long step, long seed, short[] p, float[] g, short[] m, short[] v) {
        adamBf16(h, step, seed, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0,
                sameLength(p, "m", m), 0, sameLength(p, "v", v), 0);
    }

    /**
     * One Lion step on bfloat16 parameters and momentum (gradients float32), with stochastic
     * rounding as {@link #adamBf16}; {@code step} only seeds the rounding.
     */
    public void lionBf16(LionParams h, long step, long seed, long n, MemorySegment p, long pOffset, MemorySegment g,
                         long gOffset, MemorySegment m, long mOffset) {
        updateBf16(notNull("h", h), Hyper.step(step), seed, Operands.of(n).writtenBf16("p", p, pOffset)
                .read("g", g, gOffset).writtenBf16("m", m, mOffset),
                Rules.Tensor.of(n, 1, p, pOffset, g, gOffset).and(m, mOffset));
    }

    /** One bfloat16 Lion step over whole arrays (bf16 bits in the shorts). */
    public void lionBf16(LionParams h, long step, long seed, short[] p, float[] g, short[] m) {
        lionBf16(h, step, seed, p.length, MemorySegment.ofArray(p), 0, sameLength(p, "g", g), 0,
                sameLength(p, "m", m), 0);
    }

    private void updateBf16(Hyperparameters h, long step, long seed, Operands checked, Rules.Tensor t) {
        checked.checkDisjoint();
        Rules.SpanUpdate u = Rules.prepareBf16(ops, h, step, seed, 1.0, t);
        run.elementwise(t.n(), checked.shareable(run), u::run);
    }

    OptimOps ops() {
        return ops;
    }

    KernelRunner runner() {
        return run;
    }
}
