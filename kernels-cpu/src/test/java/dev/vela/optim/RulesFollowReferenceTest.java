package dev.vela.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vela.kernels.Capabilities;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Every rule, on every implementation, for 100 steps on random tensors (lengths 0..3L+1 and
 * larger, odd offsets, heap and off-heap) with random hyperparameters, against the
 * double-precision {@link Reference}. Gradients are random each step (independent of p), so an
 * error does not feed back through the gradient.
 *
 * <p>Error bound, accumulated per element over the trajectory: each step may add
 * {@code 2^-22 |p|} (the roundings of p itself) plus {@code kappa |dp|}, with dp the reference's
 * update. kappa is 2^-20 for the elementwise rules: about ten float roundings in the update, each
 * 2^-24, and for diffGrad one more from the vector exp. The norm-based rules (LAMB, LARS, SGDP,
 * AdamP) take kappa = 2e-5: their norms are summed in float lanes within blocks of 16K elements,
 * about 1000 additions a lane, whose worst-case relative error is 1000 * 2^-24 = 6e-5 and
 * typical error some 30 times smaller. EXAdam is ill-conditioned in two places (the sum of m~ and
 * g~, and d2 when m^2 is near eps); its reference reports the extra error these allow (see
 * Reference.exAdam), found when a 70001-element case missed the plain bound by 30x.
 */
class RulesFollowReferenceTest {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final double ELEMENTWISE = 0x1p-20;
    private static final double NORM_BASED = 2e-5;

    /** One rule with drawn hyperparameters: the kernel and the reference over the same tensor. */
    interface Rule {
        int buffers();

        /** rows of the tensor (AdamP, SGDP), 1 otherwise. */
        default int rows() {
            return 1;
        }

        double kappa();

        void kernel(FusedUpdates u, int t, int n, MemorySegment p, MemorySegment g, MemorySegment[] s, long o);

        void reference(int t, double[] p, double[] g, double[][] s);
    }

    enum Kind { SGD, ADAM, AMSGRAD, ADABELIEF, DIFFGRAD, EXADAM, LAMB, LARS, SGDSAI, ADAMP, SGDP, RMSPROP, ADAGRAD }

    record Case(FusedUpdates u, Kind kind, int n, int offset, boolean offHeap, long seed) {
    }

    @Provide
    Arbitrary<Case> cases() {
        int small = 3 * Math.max(4, Capabilities.current().floatLanes()) + 1;
        Arbitrary<Integer> lengths = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(0, small)),
                Tuple.of(2, Arbitraries.integers().between(small, 3000)),
                Tuple.of(1, Arbitraries.of(40_003, 70_001)));
        return Combinators.combine(Arbitraries.of(FusedUpdatesTest.implementations()), Arbitraries.of(Kind.class),
                        lengths, Arbitraries.integers().between(0, 7), Arbitraries.of(true, false),
                        Arbitraries.longs().withoutEdgeCases())
                .as(Case::new);
    }

    private static double pick(SplittableRandom r, double... values) {
        return values[r.nextInt(values.length)];
    }

    /** The rule of this case, hyperparameters drawn from the seed. */
    static Rule rule(Kind kind, SplittableRandom r, int n) {
        double lr = pick(r, 1e-4, 1e-3, 0.03);
        double wd = pick(r, 0, 0.01, 0.1);
        boolean max = r.nextBoolean();
        double b1 = pick(r, 0, 0.5, 0.9), b2 = pick(r, 0.9, 0.99, 0.999);
        return switch (kind) {
            case SGD -> {
                double mu = pick(r, 0, 0.5, 0.9);
                boolean nesterov = mu > 0 && r.nextBoolean();
                SgdParams h = new SgdParams(lr, mu, nesterov ? 0 : pick(r, 0, 0.3), wd, nesterov, max);
                yield elementwise(h, 1, (u, t, len, p, g, s, o) -> u.sgd(h, t, len, p, o, g, o, h.hasMomentum() ? s[0] : null, o),
                        (t, p, g, s) -> Reference.sgd(h, t, p, g, s[0]));
            }
            case ADAM, AMSGRAD -> {
                AdamParams h = new AdamParams(lr, b1, b2, pick(r, 1e-8, 1e-3), wd, r.nextBoolean(), kind == Kind.AMSGRAD,
                        max);
                yield elementwise(h, 3, (u, t, len, p, g, s, o) -> {
                    if (h.amsgrad()) {
                        u.adamAmsgrad(h, t, len, p, o, g, o, s[0], o, s[1], o, s[2], o);
                    } else {
                        u.adam(h, t, len, p, o, g, o, s[0], o, s[1], o);
                    }
                }, (t, p, g, s) -> Reference.adam(h, t, p, g, s[0], s[1], s[2]));
            }
            case ADABELIEF -> {
                // beta1 = 0 makes the residual g - m exactly 0, so s is eps alone and the step
                // m / sqrt(eps) diverges in both precisions: not a meaningful setting.
                AdaBeliefParams h = new AdaBeliefParams(lr, Math.max(b1, 0.5), b2, pick(r, 1e-16, 1e-8), wd, r.nextBoolean(),
                        r.nextBoolean(), r.nextBoolean(), max);
                yield elementwise(h, 2, (u, t, len, p, g, s, o) -> u.adaBelief(h, t, len, p, o, g, o, s[0], o, s[1], o),
                        (t, p, g, s) -> Reference.adaBelief(h, t, p, g, s[0], s[1]));
            }
            case DIFFGRAD -> {
                DiffGradParams h = new DiffGradParams(lr, b1, b2, 1e-8, wd, max);
                yield elementwise(h, 3, (u, t, len, p, g, s, o) -> u.diffGrad(h, t, len, p, o, g, o, s[0], o, s[1], o, s[2], o),
                        (t, p, g, s) -> Reference.diffGrad(h, t, p, g, s[0], s[1], s[2]));
            }
            case EXADAM -> {
                ExAdamParams h = new ExAdamParams(lr, b1, b2, 1e-8, wd, max);
                // reference buffers 2 and 3: the step's extra error bound and the average of |g|
                yield new SimpleRule(h, 2, 1, ELEMENTWISE, (u, t, len, p, g, s, o) -> u.exAdam(h, t, len, p, o, g, o,
                        s[0], o, s[1], o), (t, p, g, s) -> Reference.exAdam(h, t, p, g, s[0], s[1], ELEMENTWISE, s[2], s[3]), true);
            }
            case RMSPROP -> {
                RmspropParams h = new RmspropParams(lr, pick(r, 0.9, 0.99), 1e-8, wd, pick(r, 0, 0.9), r.nextBoolean(),
                        max);
                // reference buffers 3 and 4: the step's extra error bound (the cancellations in the
                // centered variance and in g + wd p, see Reference.rmsprop) and its accumulation
                // through momentum
                yield new SimpleRule(h, 3, 1, ELEMENTWISE, (u, t, len, p, g, s, o) -> u.rmsprop(h, len, p, o, g, o,
                        s[0], o, h.centered() ? s[1] : null, o, h.hasMomentum() ? s[2] : null, o),
                        (t, p, g, s) -> Reference.rmsprop(h, p, g, s[0], s[1], s[2], s[3], s[4]), true);
            }
            case ADAGRAD -> {
                AdagradParams h = new AdagradParams(lr, pick(r, 0, 0.01), wd, pick(r, 0, 0.1), 1e-10, max);
                yield elementwise(h, 1, (u, t, len, p, g, s, o) -> u.adagrad(h, t, len, p, o, g, o, s[0], o),
                        (t, p, g, s) -> Reference.adagrad(h, t, p, g, s[0]));
            }
            case LAMB -> {
                LambParams h = new LambParams(lr, b1, b2, 1e-6, wd, r.nextBoolean(), pick(r, 10, 1e-3,
                        Double.POSITIVE_INFINITY), max);
                yield normBased(h, 2, 1, (u, t, len, p, g, s, o) -> u.lamb(h, t, len, p, o, g, o, s[0], o, s[1], o),
                        (t, p, g, s) -> Reference.lamb(h, t, p, g, s[0], s[1]));
            }
            case LARS -> {
                double mu = pick(r, 0, 0.9);
                LarsParams h = new LarsParams(pick(r, 0.1, 1, 10), mu, wd, pick(r, 1e-3, 0.02), pick(r, 0, 1e-8),
                        mu > 0 && r.nextBoolean(), max);
                yield normBased(h, 1, 1, (u, t, len, p, g, s, o) -> u.lars(h, len, p, o, g, o, h.hasMomentum() ? s[0] : null, o),
                        (t, p, g, s) -> Reference.lars(h, p, g, s[0]));
            }
            case SGDSAI -> {
                SgdSaiParams h = new SgdSaiParams(lr * 0.1, pick(r, 0, 0.9), 1e-8, wd, max);
                double[] scale = new double[2];
                yield normBased(h, 1, 1, (u, t, len, p, g, s, o) -> {
                    if (t == 1) {
                        scale[0] = u.sgdSaiScale(h, len, g, o);
                    }
                    u.sgdSai(h, t, scale[0], len, p, o, g, o, s[0], o);
                }, (t, p, g, s) -> {
                    if (t == 1) {
                        scale[1] = Reference.gsnr(h, g);
                    }
                    Reference.sgdSai(h, t, scale[1], p, g, s[0]);
                });
            }
            case ADAMP -> {
                int rows = rowsOf(r, n);
                AdamPParams h = new AdamPParams(lr, b1, b2, 1e-8, wd, 0.1, pick(r, 0.1, 1), max);
                yield normBased(h, 2, rows, (u, t, len, p, g, s, o) -> u.adamP(h, t, rows, len, p, o, g, o, s[0], o, s[1], o),
                        (t, p, g, s) -> Reference.adamP(h, t, rows, p, g, s[0], s[1]));
            }
            case SGDP -> {
                int rows = rowsOf(r, n);
                double mu = pick(r, 0, 0.9);
                boolean nesterov = mu > 0 && r.nextBoolean();
                SgdpParams h = new SgdpParams(lr, mu, nesterov ? 0 : pick(r, 0, 0.3), wd, nesterov, 0.1,
                        pick(r, 0.1, 1), max);
                yield normBased(h, 1, rows, (u, t, len, p, g, s, o) -> u.sgdp(h, rows, len, p, o, g, o, s[0], o),
                        (t, p, g, s) -> Reference.sgdp(h, rows, p, g, s[0]));
            }
        };
    }

    /** A divisor of n, > 1 where n allows. */
    private static int rowsOf(SplittableRandom r, int n) {
        for (int tries = 0; tries < 20 && n > 1; tries++) {
            int rows = 2 + r.nextInt(Math.min(n, 16) - 1);
            if (n % rows == 0) {
                return rows;
            }
        }
        return 1;
    }

    @FunctionalInterface
    interface KernelStep {
        void apply(FusedUpdates u, int t, int n, MemorySegment p, MemorySegment g, MemorySegment[] s, long o);
    }

    @FunctionalInterface
    interface ReferenceStep {
        void apply(int t, double[] p, double[] g, double[][] s);
    }

    /**
     * A rule as the property runs it. With {@code magnitude}, the reference gets two more buffers
     * than the kernel and leaves in the first each element's extra error bound for the step.
     */
    record SimpleRule(Object h, int buffers, int rows, double kappa, KernelStep k, ReferenceStep ref, boolean magnitude)
            implements Rule {

        SimpleRule(Object h, int buffers, int rows, double kappa, KernelStep k, ReferenceStep ref) {
            this(h, buffers, rows, kappa, k, ref, false);
        }

        @Override
        public void kernel(FusedUpdates u, int t, int n, MemorySegment p, MemorySegment g, MemorySegment[] s, long o) {
            k.apply(u, t, n, p, g, s, o);
        }

        @Override
        public void reference(int t, double[] p, double[] g, double[][] s) {
            ref.apply(t, p, g, s);
        }

        @Override
        public String toString() {
            return h + (rows > 1 ? " rows " + rows : "");
        }
    }

    private static SimpleRule elementwise(Object h, int buffers, KernelStep k, ReferenceStep ref) {
        return new SimpleRule(h, buffers, 1, ELEMENTWISE, k, ref);
    }

    private static SimpleRule normBased(Object h, int buffers, int rows, KernelStep k, ReferenceStep ref) {
        return new SimpleRule(h, buffers, rows, NORM_BASED, k, ref);
    }

    private static MemorySegment place(Case c, Arena arena, float[] values) {
        MemorySegment s = c.offHeap() ? arena.allocate((long) (c.offset() + values.length) * 4, 64)
                : MemorySegment.ofArray(new float[c.offset() + values.length]);
        MemorySegment.copy(values, 0, s, F, (long) c.offset() * 4, values.length);
        return s;
    }

    @Property(tries = 300)
    void everyRuleFollowsItsDoubleReferenceFor100Steps(@ForAll("cases") Case c) {
        SplittableRandom r = new SplittableRandom(c.seed());
        int n = c.n();
        Rule rule = rule(c.kind(), r, n);
        float[] p0 = new float[n], scale = new float[n];
        for (int i = 0; i < n; i++) {
            p0[i] = (float) r.nextDouble(-2, 2);
            scale[i] = (float) Math.pow(10, r.nextDouble(-3, 1));
        }
        double[] p = new double[n], tol = new double[n];
        boolean magnitude = rule instanceof SimpleRule sr && sr.magnitude();
        double[][] state = new double[rule.buffers() + (magnitude ? 2 : 0)][n];
        for (int i = 0; i < n; i++) {
            p[i] = p0[i];
        }
        boolean orthogonal = rule.rows() > 1 && r.nextBoolean();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment ps = place(c, arena, p0), gs = place(c, arena, new float[n]);
            MemorySegment[] ss = new MemorySegment[rule.buffers()];
            for (int k = 0; k < ss.length; k++) {
                ss[k] = place(c, arena, new float[n]);
            }
            for (int t = 1; t <= 100; t++) {
                float[] g = new float[n];
                for (int i = 0; i < n; i++) {
                    g[i] = (float) (r.nextGaussian() * scale[i]);
                }
                if (orthogonal) {
                    orthogonalizeRows(g, p, rule.rows());
                }
                double[] gd = new double[n];
                for (int i = 0; i < n; i++) {
                    gd[i] = g[i];
                }
                MemorySegment.copy(g, 0, gs, F, (long) c.offset() * 4, n);
                rule.kernel(c.u(), t, n, ps, gs, ss, c.offset());
                double[] before = p.clone();
                rule.reference(t, p, gd, state);
                for (int i = 0; i < n; i++) {
                    tol[i] += 0x1p-22 * Math.abs(p[i]) + rule.kappa() * Math.abs(p[i] - before[i])
                            + (magnitude ? state[rule.buffers()][i] : 0);
                }
            }
            for (int i = 0; i < n; i++) {
                float got = ps.getAtIndex(F, c.offset() + i);
                assertEquals(p[i], got, tol[i] + Float.MIN_NORMAL, "p[" + i + "] after 100 steps, " + rule + " " + c);
            }
        }
    }

    /** Removes from each row of g its component along the same row of p, so AdamP/SGDP project. */
    private static void orthogonalizeRows(float[] g, double[] p, int rows) {
        int cols = g.length / rows;
        for (int k = 0; k < rows; k++) {
            double gp = 0, pp = 0;
            for (int j = k * cols; j < (k + 1) * cols; j++) {
                gp += g[j] * p[j];
                pp += p[j] * p[j];
            }
            for (int j = k * cols; j < (k + 1) * cols && pp > 0; j++) {
                g[j] = (float) (g[j] - p[j] * gp / pp);
            }
        }
    }

    /**
     * signSGD and Signum, step by step against the reference applied to the kernel's own state:
     * a sign within rounding of zero may differ between float and double, so such coordinates
     * only have to move by lr in either direction (or not at all).
     */
    @Property(tries = 60)
    void signumFollowsTheReferenceStepByStep(@ForAll("cases") Case c) {
        SplittableRandom r = new SplittableRandom(c.seed());
        int n = c.n();
        SignumParams h = new SignumParams(pick(r, 1e-4, 1e-3, 0.03), pick(r, 0, 0.5, 0.9), pick(r, 0, 0.1),
                r.nextBoolean());
        float[] p0 = new float[n];
        for (int i = 0; i < n; i++) {
            p0[i] = (float) r.nextDouble(-2, 2);
        }
        try (Arena arena = Arena.ofShared()) {
            MemorySegment ps = place(c, arena, p0), gs = place(c, arena, new float[n]);
            MemorySegment ms = h.hasMomentum() ? place(c, arena, new float[n]) : null;
            for (int t = 1; t <= 100; t++) {
                float[] g = new float[n];
                for (int i = 0; i < n; i++) {
                    g[i] = (float) (r.nextGaussian() * (i % 3 == 0 ? 1e-3 : 1));
                }
                MemorySegment.copy(g, 0, gs, F, (long) c.offset() * 4, n);
                double[] p = new double[n], gd = new double[n], m = ms == null ? null : new double[n];
                for (int i = 0; i < n; i++) {
                    p[i] = ps.getAtIndex(F, c.offset() + i);
                    gd[i] = g[i];
                    if (m != null) {
                        m[i] = ms.getAtIndex(F, c.offset() + i);
                    }
                }
                double[] before = p.clone(), mBefore = m == null ? null : m.clone();
                c.u().signum(h, n, ps, c.offset(), gs, c.offset(), ms, c.offset());
                Reference.signum(h, p, gd, m);
                for (int i = 0; i < n; i++) {
                    float got = ps.getAtIndex(F, c.offset() + i);
                    double decayed = before[i] * (1 - h.lr() * h.weightDecay());
                    double tolP = 2 * Math.ulp((float) (Math.abs(before[i]) + h.lr()));
                    double d = m == null ? gd[i] : m[i];
                    double scale = m == null ? Math.abs(gd[i]) : Math.abs(h.momentum() * mBefore[i])
                            + Math.abs((1 - h.momentum()) * gd[i]);
                    if (Math.abs(d) <= 4 * Math.ulp((float) scale)) {
                        double moved = Math.abs(got - decayed);
                        assertTrue(moved <= tolP || Math.abs(moved - h.lr()) <= tolP, "p[" + i + "] step " + t);
                    } else {
                        assertEquals(p[i], got, tolP, "p[" + i + "] step " + t + " " + h + " " + c);
                    }
                }
            }
        }
    }
}
