package dev.vela.optim;

import dev.vela.internal.run.KernelRunner;
import dev.vela.internal.simd.Bf16Bits;
import dev.vela.internal.simd.OptimOps;
import dev.vela.internal.simd.OptimOps.AdamStep;
import dev.vela.internal.simd.OptimOps.SgdStep;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The one place where each rule's hyperparameters become per-step kernel coefficients, shared by
 * {@link FusedUpdates} (one tensor per call) and {@link Optimizer} (many tensors per step): which
 * state buffers a rule keeps, and the preparation of one tensor's step (coefficients, plus the
 * read-only norm pass of the norm-based rules) as a span update that the caller runs over the
 * tensor's elements, in any chunking.
 */
final class Rules {

    private Rules() {
    }

    /** One tensor's step over the elements [start, start + length), length <= MAX_SPAN. */
    @FunctionalInterface
    interface SpanUpdate {
        void run(long start, int length);
    }

    /**
     * One tensor's prepared step: the sums its rule needs over the whole tensor before any element
     * is updated (none for elementwise rules), and the span update made from their result. Kept
     * apart so that the {@link Optimizer} can run the sums of all its tensors in one parallel
     * loop, where one loop per tensor would leave threads idle on small tensors.
     */
    static final class Prepared {
        private final KernelRunner.@Nullable RowSums sums;
        private final java.util.function.Function<double @Nullable [], SpanUpdate> finish;

        private Prepared(KernelRunner.@Nullable RowSums sums,
                         java.util.function.Function<double @Nullable [], SpanUpdate> finish) {
            this.sums = sums;
            this.finish = finish;
        }

        /** A step that needs no sums. */
        static Prepared ready(SpanUpdate update) {
            return new Prepared(null, s -> update);
        }

        /** A step made from {@code sums}' result (null when there are none to run). */
        static Prepared after(KernelRunner.@Nullable RowSums sums,
                              java.util.function.Function<double @Nullable [], SpanUpdate> finish) {
            return new Prepared(sums, finish);
        }

        /** The sums still to run before {@link #update}, or null. */
        KernelRunner.@Nullable RowSums sums() {
            return sums;
        }

        /** The span update, once {@link #sums} (if any) have all run. */
        SpanUpdate update() {
            return finish.apply(sums == null ? null : sums.result());
        }

        /** Runs the sums on {@code run} (on its pool when parallel), then returns the span update. */
        SpanUpdate update(KernelRunner run, boolean parallel) {
            if (sums != null) {
                run.run(sums, parallel);
            }
            return update();
        }
    }

    /**
     * One tensor's buffers: p and g, then the rule's state buffers in {@link #stateNames} order
     * (null where a rule does not use one), each with its element offset; rows as AdamP sees it.
     */
    record Tensor(long n, long rows, MemorySegment p, long pOffset, MemorySegment g, long gOffset,
                  @Nullable MemorySegment[] state, long[] stateOffsets) {

        /** p and g only; state buffers are appended with {@link #and}. */
        static Tensor of(long n, long rows, MemorySegment p, long pOffset, MemorySegment g, long gOffset) {
            return new Tensor(n, rows, p, pOffset, g, gOffset, new MemorySegment[0], new long[0]);
        }

        /** This tensor with one more state buffer (null where the rule keeps none). */
        Tensor and(@Nullable MemorySegment s, long offset) {
            MemorySegment[] st = java.util.Arrays.copyOf(state, state.length + 1);
            long[] so = java.util.Arrays.copyOf(stateOffsets, stateOffsets.length + 1);
            st[state.length] = s;
            so[state.length] = offset;
            return new Tensor(n, rows, p, pOffset, g, gOffset, st, so);
        }

        MemorySegment s(int i) {
            MemorySegment x = state[i];
            if (x == null) {
                throw new IllegalStateException("state buffer " + i + " is missing");
            }
            return x;
        }

        @Nullable MemorySegment sOrNull(int i) {
            return i < state.length ? state[i] : null;
        }

        long o(int i) {
            return stateOffsets[i];
        }
    }

    /** The state buffers a rule keeps with these hyperparameters, by name, in order. */
    static List<String> stateNames(Hyperparameters h) {
        return switch (h) {
            case AdamParams a -> a.amsgrad() ? List.of("m", "v", "vMax") : List.of("m", "v");
            case SgdParams s -> s.hasMomentum() ? List.of("b") : List.of();
            case LionParams l -> List.of("m");
            case SignumParams s -> s.hasMomentum() ? List.of("m") : List.of();
            case AdaBeliefParams a -> List.of("m", "s");
            case DiffGradParams d -> List.of("m", "v", "prev");
            case ExAdamParams e -> List.of("m", "v");
            case LambParams l -> List.of("m", "v");
            case LarsParams l -> l.hasMomentum() ? List.of("b") : List.of();
            case SgdSaiParams s -> List.of("b");
            case AdamPParams a -> List.of("m", "v");
            case SgdpParams s -> List.of("b");
            case RmspropParams r -> rmspropStateNames(r);
            case AdagradParams a -> List.of("sum");
        };
    }

    private static List<String> rmspropStateNames(RmspropParams r) {
        List<String> names = new java.util.ArrayList<>(List.of("v"));
        if (r.centered()) {
            names.add("gavg");
        }
        if (r.hasMomentum()) {
            names.add("b");
        }
        return List.copyOf(names);
    }

    /** The per-tensor scalars a rule keeps (SGD-SaI's frozen scale), by name. */
    static List<String> scalarNames(Hyperparameters h) {
        return h instanceof SgdSaiParams ? List.of("gsnr") : List.of();
    }

    private static float sign(boolean maximize) {
        return maximize ? -1f : 1f;
    }

    /**
     * Prepares one tensor's step. {@code gradScale} multiplies every gradient element (loss
     * unscaling and global-norm clipping, 1 for none); {@code scalars} holds the rule's
     * per-tensor scalars and is updated (SGD-SaI measures its scale at step 1, on {@code run},
     * unless {@code scalars[0]} is already set by the caller, NaN meaning "measure").
     */
    static Prepared prepare(OptimOps ops, KernelRunner run, boolean parallel, Hyperparameters h, long step,
                            double gradScale, Tensor t, double[] scalars) {
        Hyper.step(step);
        return switch (h) {
            case AdamParams a -> Prepared.ready(adam(ops, a, step, gradScale, t));
            case SgdParams s -> Prepared.ready(sgd(ops, new SgdStep((float) (sign(s.maximize()) * gradScale),
                    (float) s.weightDecay(), 1f, (float) s.lr(), (float) s.momentum(), (float) (1 - s.dampening()),
                    step == 1, s.nesterov()), t, s.hasMomentum()));
            case LionParams l -> Prepared.ready(lion(ops, l, gradScale, t));
            case SignumParams s -> Prepared.ready(signum(ops, s, gradScale, t));
            case AdaBeliefParams a -> Prepared.ready(adaBelief(ops, a, step, gradScale, t));
            case DiffGradParams d -> Prepared.ready(diffGrad(ops, d, step, gradScale, t));
            case ExAdamParams e -> Prepared.ready(exAdam(ops, e, step, gradScale, t));
            case LambParams l -> lamb(ops, l, step, gradScale, t);
            case LarsParams l -> lars(ops, l, gradScale, t);
            case SgdSaiParams s -> Prepared.ready(sgdSai(ops, run, parallel, s, step, gradScale, t, scalars));
            case AdamPParams a -> adamP(ops, a, step, gradScale, t);
            case SgdpParams s -> sgdp(ops, s, gradScale, t);
            case RmspropParams r -> Prepared.ready(rmsprop(ops, r, gradScale, t));
            case AdagradParams a -> Prepared.ready(adagrad(ops, a, step, gradScale, t));
        };
    }

    // ---- elementwise rules -------------------------------------------------------------------------

    private static SpanUpdate adam(OptimOps ops, AdamParams h, long step, double gradScale, Tensor t) {
        return adamSpans(ops, adamStep(h, step, gradScale), t, h.amsgrad());
    }

    private static AdamStep adamStep(AdamParams h, long step, double gradScale) {
        return new AdamStep((float) (sign(h.maximize()) * gradScale),
                h.decoupled() ? 0f : (float) h.weightDecay(), (float) h.decayFactor(), (float) h.beta1(),
                (float) (1 - h.beta1()), (float) h.beta2(), (float) (1 - h.beta2()), (float) h.stepSize(step),
                (float) h.invSqrtBias2(step), (float) h.eps());
    }

    private static SpanUpdate adamSpans(OptimOps ops, AdamStep s, Tensor t, boolean amsgrad) {
        MemorySegment p = t.p(), g = t.g(), m = t.s(0), v = t.s(1);
        long po = t.pOffset(), go = t.gOffset(), mo = t.o(0), vo = t.o(1);
        if (amsgrad) {
            MemorySegment x = t.s(2);
            long xo = t.o(2);
            return (o, len) -> ops.adamAmsgrad(len, s, p, po + o, g, go + o, m, mo + o, v, vo + o, x, xo + o);
        }
        return (o, len) -> ops.adam(len, s, p, po + o, g, go + o, m, mo + o, v, vo + o);
    }

    private static SpanUpdate sgd(OptimOps ops, SgdStep s, Tensor t, boolean momentum) {
        MemorySegment p = t.p(), g = t.g(), b = momentum ? t.s(0) : null;
        long po = t.pOffset(), go = t.gOffset(), bo = momentum ? t.o(0) : 0;
        return (o, len) -> ops.sgd(len, s, p, po + o, g, go + o, b, bo + o);
    }

    private static OptimOps.LionStep lionStep(LionParams h, double gradScale) {
        return new OptimOps.LionStep((float) (sign(h.maximize()) * gradScale), (float) h.decayFactor(),
                (float) h.lr(), (float) h.beta1(), (float) (1 - h.beta1()), (float) h.beta2(), (float) (1 - h.beta2()));
    }

    private static SpanUpdate lion(OptimOps ops, LionParams h, double gradScale, Tensor t) {
        OptimOps.LionStep s = lionStep(h, gradScale);
        MemorySegment p = t.p(), g = t.g(), m = t.s(0);
        long po = t.pOffset(), go = t.gOffset(), mo = t.o(0);
        return (o, len) -> ops.lion(len, s, p, po + o, g, go + o, m, mo + o);
    }

    private static SpanUpdate signum(OptimOps ops, SignumParams h, double gradScale, Tensor t) {
        OptimOps.SignumStep s = new OptimOps.SignumStep((float) (sign(h.maximize()) * gradScale),
                (float) (1 - h.lr() * h.weightDecay()), (float) h.lr(), (float) h.momentum(),
                (float) (1 - h.momentum()));
        MemorySegment p = t.p(), g = t.g(), m = h.hasMomentum() ? t.s(0) : null;
        long po = t.pOffset(), go = t.gOffset(), mo = h.hasMomentum() ? t.o(0) : 0;
        return (o, len) -> ops.signum(len, s, p, po + o, g, go + o, m, mo + o);
    }

    private static SpanUpdate rmsprop(OptimOps ops, RmspropParams h, double gradScale, Tensor t) {
        OptimOps.RmspropStep s = new OptimOps.RmspropStep((float) (sign(h.maximize()) * gradScale),
                (float) h.weightDecay(), (float) h.alpha(), (float) (1 - h.alpha()), (float) h.eps(), (float) h.lr(),
                (float) h.momentum());
        MemorySegment p = t.p(), g = t.g(), v = t.s(0);
        int next = 1;
        MemorySegment a = h.centered() ? t.s(next) : null;
        long ao = h.centered() ? t.o(next++) : 0;
        MemorySegment b = h.hasMomentum() ? t.s(next) : null;
        long bo = h.hasMomentum() ? t.o(next) : 0;
        long po = t.pOffset(), go = t.gOffset(), vo = t.o(0);
        return (o, len) -> ops.rmsprop(len, s, p, po + o, g, go + o, v, vo + o, a, ao + o, b, bo + o);
    }

    private static SpanUpdate adagrad(OptimOps ops, AdagradParams h, long step, double gradScale, Tensor t) {
        OptimOps.AdagradStep s = new OptimOps.AdagradStep((float) (sign(h.maximize()) * gradScale),
                (float) h.weightDecay(), (float) h.initialAccumulator(), (float) h.eps(), (float) h.lr(step));
        MemorySegment p = t.p(), g = t.g(), sum = t.s(0);
        long po = t.pOffset(), go = t.gOffset(), so = t.o(0);
        return (o, len) -> ops.adagrad(len, s, p, po + o, g, go + o, sum, so + o);
    }

    private static SpanUpdate adaBelief(OptimOps ops, AdaBeliefParams h, long step, double gradScale, Tensor t) {
        double bc1 = Hyper.biasCorrection(h.beta1(), step), bc2 = Hyper.biasCorrection(h.beta2(), step);
        double stepSize = h.lr() / bc1, invSqrtBc2 = 1 / Math.sqrt(bc2);
        boolean sgdStep = false;
        if (h.rectify()) {
            double rhoInf = 2 / (1 - h.beta2()) - 1;
            double rho = rhoInf - 2 * step * Hyper.power(h.beta2(), step) / bc2;
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
        OptimOps.AdaBeliefStep s = new OptimOps.AdaBeliefStep((float) (sign(h.maximize()) * gradScale), l2, decay,
                (float) h.beta1(), (float) (1 - h.beta1()), (float) h.beta2(), (float) (1 - h.beta2()), (float) h.eps(),
                (float) stepSize, (float) invSqrtBc2, (float) h.eps(), sgdStep);
        MemorySegment p = t.p(), g = t.g(), m = t.s(0), v = t.s(1);
        long po = t.pOffset(), go = t.gOffset(), mo = t.o(0), vo = t.o(1);
        return (o, len) -> ops.adaBelief(len, s, p, po + o, g, go + o, m, mo + o, v, vo + o);
    }

    private static SpanUpdate diffGrad(OptimOps ops, DiffGradParams h, long step, double gradScale, Tensor t) {
        double bc1 = Hyper.biasCorrection(h.beta1(), step), bc2 = Hyper.biasCorrection(h.beta2(), step);
        OptimOps.DiffGradStep s = new OptimOps.DiffGradStep((float) (sign(h.maximize()) * gradScale),
                (float) h.weightDecay(), (float) h.beta1(), (float) (1 - h.beta1()), (float) h.beta2(),
                (float) (1 - h.beta2()), (float) (h.lr() * Math.sqrt(bc2) / bc1), (float) h.eps());
        MemorySegment p = t.p(), g = t.g(), m = t.s(0), v = t.s(1), q = t.s(2);
        long po = t.pOffset(), go = t.gOffset(), mo = t.o(0), vo = t.o(1), qo = t.o(2);
        return (o, len) -> ops.diffGrad(len, s, p, po + o, g, go + o, m, mo + o, v, vo + o, q, qo + o);
    }

    private static SpanUpdate exAdam(OptimOps ops, ExAdamParams h, long step, double gradScale, Tensor t) {
        double b1t = Hyper.power(h.beta1(), step), b2t = Hyper.power(h.beta2(), step);
        OptimOps.ExAdamStep s = new OptimOps.ExAdamStep((float) (sign(h.maximize()) * gradScale),
                (float) (1 - h.lr() * h.weightDecay()), (float) h.beta1(), (float) (1 - h.beta1()), (float) h.beta2(),
                (float) (1 - h.beta2()), (float) b1t, (float) b2t, (float) (1 / (1 - b1t)), (float) (1 / (1 - b2t)),
                (float) h.lr(), (float) h.eps());
        MemorySegment p = t.p(), g = t.g(), m = t.s(0), v = t.s(1);
        long po = t.pOffset(), go = t.gOffset(), mo = t.o(0), vo = t.o(1);
        return (o, len) -> ops.exAdam(len, s, p, po + o, g, go + o, m, mo + o, v, vo + o);
    }

    // ---- norm-based rules: a first pass for the norms, then an elementwise kernel -------------------
    // LAMB, AdamP and SGDP advance their state in the first pass and the second reads it back (see
    // OptimOps); LARS's first pass only reads.

    /**
     * Where LAMB and AdamP find their optional direction buffer, after m and v: when present, the
     * first pass writes the Adam direction there and the second pass reads it instead of
     * recomputing it from m and v (the same arithmetic, without the second pass's square root and
     * division; see FusedUpdates.lamb for where the bits can differ).
     */
    static final int DIRECTION = 2;

    private static Prepared lamb(OptimOps ops, LambParams h, long step, double gradScale, Tensor t) {
        double invBc1 = h.biasCorrection() ? 1 / Hyper.biasCorrection(h.beta1(), step) : 1;
        double invSqrtBc2 = h.biasCorrection() ? 1 / Math.sqrt(Hyper.biasCorrection(h.beta2(), step)) : 1;
        float gScale = (float) (sign(h.maximize()) * gradScale);
        AdamStep norms = new AdamStep(gScale, 0f, 1f, (float) h.beta1(), (float) (1 - h.beta1()), (float) h.beta2(),
                (float) (1 - h.beta2()), (float) invBc1, (float) invSqrtBc2, (float) h.eps());
        MemorySegment p = t.p(), g = t.g(), m = t.s(0), v = t.s(1);
        long po = t.pOffset(), go = t.gOffset(), mo = t.o(0), vo = t.o(1);
        MemorySegment q = t.sOrNull(DIRECTION);
        long qo = q == null ? 0 : t.o(DIRECTION);
        KernelRunner.RowSums sums = KernelRunner.sumsPlan(t.n(), 2, (o, len, out) -> ops.lambMomentsAndSums(len,
                norms, (float) h.weightDecay(), p, po + o, g, go + o, m, mo + o, v, vo + o, q, qo + o, out));
        return Prepared.after(sums, r -> {
            double[] norm2 = java.util.Objects.requireNonNull(r);
            double scale = h.lr() * h.trustRatio(Math.sqrt(norm2[0]), Math.sqrt(norm2[1]));
            AdamStep s = new AdamStep(gScale, 0f, (float) (1 - scale * h.weightDecay()), norms.beta1(), norms.c1(),
                    norms.beta2(), norms.c2(), (float) (scale * invBc1), (float) invSqrtBc2, (float) h.eps());
            if (q != null) {
                return (o, len) -> ops.directionApply(len, s, p, po + o, q, qo + o);
            }
            return (o, len) -> ops.adamApply(len, s, p, po + o, m, mo + o, v, vo + o);
        });
    }

    private static Prepared lars(OptimOps ops, LarsParams h, double gradScale, Tensor t) {
        float gScale = (float) (sign(h.maximize()) * gradScale), wd = (float) h.weightDecay();
        MemorySegment p = t.p(), g = t.g();
        long po = t.pOffset(), go = t.gOffset();
        KernelRunner.RowSums sums = KernelRunner.sumsPlan(t.n(), 2,
                (o, len, out) -> ops.larsSums(len, gScale, wd, p, po + o, g, go + o, out));
        return Prepared.after(sums, r -> {
            double[] norm2 = java.util.Objects.requireNonNull(r);
            double trust = h.trustRatio(Math.sqrt(norm2[0]), Math.sqrt(norm2[1]));
            return sgd(ops, new SgdStep((float) (gScale * trust), (float) (wd * trust), 1f, (float) h.lr(),
                    (float) h.momentum(), 1f, false, h.nesterov()), t, h.hasMomentum());
        });
    }

    private static SpanUpdate sgdSai(OptimOps ops, KernelRunner run, boolean parallel, SgdSaiParams h, long step,
                                     double gradScale, Tensor t, double[] scalars) {
        if (Double.isNaN(scalars[0])) {
            if (step != 1) {
                throw new IllegalStateException("SGD-SaI's scale is measured at step 1; at step " + step
                        + " it must be given");
            }
            scalars[0] = sgdSaiScale(ops, run, parallel, h.eps(), gradScale, t.n(), t.g(), t.gOffset());
        }
        return sgd(ops, new SgdStep((float) (sign(h.maximize()) * gradScale), 0f,
                (float) (1 - h.lr() * h.weightDecay()), (float) (h.lr() * scalars[0]), (float) h.momentum(),
                (float) (1 - h.momentum()), step == 1, false), t, true);
    }

    /** ||c g|| / (std(c g) + eps) for the gradient scale c, from two read-only passes over g. */
    static double sgdSaiScale(OptimOps ops, KernelRunner run, boolean parallel, double eps, double gradScale, long n,
                              MemorySegment g, long gOffset) {
        if (n == 0) {
            return 0;
        }
        double[] raw = run.sums(n, parallel, 2, (o, len, out) -> ops.centeredSums(len, 0f, g, gOffset + o, out));
        float mean = (float) (raw[0] / n);
        double[] centred = run.sums(n, parallel, 2, (o, len, out) -> ops.centeredSums(len, mean, g, gOffset + o, out));
        double std = n == 1 ? 0 : Math.sqrt(centred[1] / (n - 1));
        double c = Math.abs(gradScale);
        return c * Math.sqrt(raw[1]) / (c * std + eps);
    }

    private static Prepared adamP(OptimOps ops, AdamPParams h, long step, double gradScale, Tensor t) {
        double stepSize = h.lr() / Hyper.biasCorrection(h.beta1(), step);
        AdamStep s = new AdamStep((float) (sign(h.maximize()) * gradScale), 0f, 1f, (float) h.beta1(),
                (float) (1 - h.beta1()), (float) h.beta2(), (float) (1 - h.beta2()), (float) stepSize,
                (float) (1 / Math.sqrt(Hyper.biasCorrection(h.beta2(), step))), (float) h.eps());
        MemorySegment p = t.p(), g = t.g(), m = t.s(0), v = t.s(1);
        long po = t.pOffset(), go = t.gOffset(), mo = t.o(0), vo = t.o(1);
        MemorySegment q = t.sOrNull(DIRECTION);
        long qo = q == null ? 0 : t.o(DIRECTION);
        KernelRunner.RowSums sums = Projection.sums(t.rows(), t.n(),
                (o, len, cols, out, at) -> ops.adamPMomentsAndSums(len, cols, s, p, po + o, g, go + o, m, mo + o, v,
                        vo + o, q, qo + o, out, at));
        return Prepared.after(sums, r -> {
            Projection proj = Projection.decide(t.rows(), t.n(), h.delta(), h.eps(), r);
            double decay = 1 - h.lr() * h.weightDecay() * (proj.projected() ? h.wdRatio() : 1);
            boolean advanced = proj.summed();
            return proj.spans(decay, stepSize, (o, len, rowDecay) -> {
                AdamStep row = new AdamStep(s.gScale(), 0f, rowDecay, s.beta1(), s.c1(), s.beta2(), s.c2(),
                        s.stepSize(), s.invSqrtBc2(), s.eps());
                if (advanced && q != null) {
                    ops.directionApply(len, row, p, po + o, q, qo + o);
                } else if (advanced) {
                    ops.adamApply(len, row, p, po + o, m, mo + o, v, vo + o);
                } else {
                    ops.adam(len, row, p, po + o, g, go + o, m, mo + o, v, vo + o);
                }
            });
        });
    }

    /** Whether a prepared AdamP or SGDP step projects (false for every other rule). */
    static boolean projected(SpanUpdate u) {
        return u instanceof Projection.Spans spans && spans.projected();
    }

    private static Prepared sgdp(OptimOps ops, SgdpParams h, double gradScale, Tensor t) {
        SgdStep s = new SgdStep((float) (sign(h.maximize()) * gradScale), 0f, 1f, (float) h.lr(),
                (float) h.momentum(), (float) (1 - h.dampening()), false, h.nesterov());
        MemorySegment p = t.p(), g = t.g(), b = t.s(0);
        long po = t.pOffset(), go = t.gOffset(), bo = t.o(0);
        KernelRunner.RowSums sums = Projection.sums(t.rows(), t.n(),
                (o, len, cols, out, at) -> ops.sgdPMomentumAndSums(len, cols, s, p, po + o, g, go + o, b, bo + o, out,
                        at));
        return Prepared.after(sums, r -> {
            Projection proj = Projection.decide(t.rows(), t.n(), h.delta(), 1e-8, r);
            double ratio = proj.projected() ? h.wdRatio() : 1;
            double decay = 1 - h.lr() * h.weightDecay() * ratio / (1 - h.momentum());
            boolean advanced = proj.summed();
            return proj.spans(decay, h.lr(), (o, len, rowDecay) -> {
                SgdStep row = new SgdStep(s.gScale(), 0f, rowDecay, s.lr(), s.momentum(), s.dampC(), false,
                        s.nesterov());
                if (advanced) {
                    ops.sgdApply(len, row, p, po + o, g, go + o, b, bo + o);
                } else {
                    ops.sgd(len, row, p, po + o, g, go + o, b, bo + o);
                }
            });
        });
    }

    // ---- bfloat16 storage ----------------------------------------------------------------------------

    /**
     * An elementwise rule over bfloat16 parameters and state (gradients stay float32), AdamW/Adam
     * or Lion: each element is widened exactly, updated in float32 by the rule's arithmetic and
     * narrowed back with stochastic rounding, in one pass. The random bits depend on the seed, the
     * step, the buffer (0 for p, then the state in order) and the element's index in the tensor, so
     * results do not depend on chunking or thread count.
     *
     * @throws IllegalArgumentException for any other rule, or Adam with amsgrad
     */
    static SpanUpdate prepareBf16(OptimOps ops, Hyperparameters h, long step, long seed, double gradScale,
                                  Tensor t) {
        MemorySegment p = t.p(), g = t.g(), m = t.s(0);
        long po = t.pOffset(), go = t.gOffset(), mo = t.o(0);
        int pKey = Bf16Bits.key(seed, step, 0), mKey = Bf16Bits.key(seed, step, 1);
        if (h instanceof AdamParams a && !a.amsgrad()) {
            AdamStep s = adamStep(a, step, gradScale);
            MemorySegment v = t.s(1);
            long vo = t.o(1);
            int vKey = Bf16Bits.key(seed, step, 2);
            return (o, len) -> ops.adamBf16(len, s, p, po + o, g, go + o, m, mo + o, v, vo + o, pKey, mKey, vKey, o);
        }
        if (h instanceof LionParams l) {
            OptimOps.LionStep s = lionStep(l, gradScale);
            return (o, len) -> ops.lionBf16(len, s, p, po + o, g, go + o, m, mo + o, pKey, mKey, o);
        }
        throw new IllegalArgumentException("bfloat16 storage runs AdamW/Adam without amsgrad and Lion, not " + h);
    }
}
