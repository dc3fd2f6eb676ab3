package dev.vela.internal.vector;

import static dev.vela.internal.vector.FloatSegments.load;
import static dev.vela.internal.vector.FloatSegments.madd;
import static dev.vela.internal.vector.FloatSegments.slice;
import static dev.vela.internal.vector.FloatSegments.store;
import static dev.vela.internal.vector.FloatSegments.sumLanes;

import dev.vela.internal.simd.Bf16Bits;
import dev.vela.internal.simd.OptimOps;
import dev.vela.internal.simd.ScalarOptimOps;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jspecify.annotations.Nullable;

/**
 * Vector API fused optimizer updates over int-indexed slices (heap and native segments alike).
 * Each loop runs over whole vectors with its body written out in place, coefficients broadcast
 * once before it; the last {@code n mod L} elements go through {@link ScalarOptimOps}, the same
 * rule in plain float arithmetic (without fused multiply-adds).
 *
 * <p>Why not one body shared by the loop and a masked tail: measured on AdamW (1M floats, AVX-512),
 * a body method was not inlined by C2 (too large for a cold call site) and ran 2x slower, and
 * masked loads and stores in every iteration cost the same 2x.
 */
public final class VectorOptimOps implements OptimOps {

    private static final VectorSpecies<Float> F = VectorShapes.FLOAT;
    private static final int L = F.length();
    private static final boolean FMA = VectorShapes.FMA;
    private static final ScalarOptimOps TAIL = new ScalarOptimOps();

    @Override
    public String name() {
        return "vector-" + F.vectorBitSize() + (FMA ? "-fma" : "");
    }

    private static FloatVector bc(float value) {
        return FloatVector.broadcast(F, value);
    }

    /** Math.signum lane by lane: c * 0 keeps zeros (with their sign) and NaN; others become +-1. */
    private static FloatVector sign(FloatVector c) {
        return c.mul(0f)
                .blend(1f, c.compare(VectorOperators.GT, 0f))
                .blend(-1f, c.compare(VectorOperators.LT, 0f));
    }

    // ---- Adam family -----------------------------------------------------------------------------

    @Override
    public void adam(int n, AdamStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo,
                     MemorySegment v, long vo) {
        int i = adamLoop(n, s, slice(p, po, n), slice(g, go, n), slice(m, mo, n), slice(v, vo, n), null);
        TAIL.adam(n - i, s, p, po + i, g, go + i, m, mo + i, v, vo + i);
    }

    @Override
    public void adamAmsgrad(int n, AdamStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m,
                            long mo, MemorySegment v, long vo, MemorySegment vMax, long vMaxO) {
        int i = adamLoop(n, s, slice(p, po, n), slice(g, go, n), slice(m, mo, n), slice(v, vo, n),
                slice(vMax, vMaxO, n));
        TAIL.adamAmsgrad(n - i, s, p, po + i, g, go + i, m, mo + i, v, vo + i, vMax, vMaxO + i);
    }

    /** The whole vectors of Adam, with amsgrad's running maximum when {@code xs} is not null. */
    private static int adamLoop(int n, AdamStep s, MemorySegment ps, MemorySegment gs, MemorySegment ms,
                                MemorySegment vs, @Nullable MemorySegment xs) {
        FloatVector gScale = bc(s.gScale()), l2 = bc(s.l2()), decay = bc(s.decay());
        FloatVector b1 = bc(s.beta1()), c1 = bc(s.c1()), b2 = bc(s.beta2()), c2 = bc(s.c2());
        FloatVector negStep = bc(-s.stepSize()), invSqrtBc2 = bc(s.invSqrtBc2()), eps = bc(s.eps());
        // gScale is 1 unless an optimizer unscales or clips: then the multiply (exact) is skipped
        boolean hasL2 = s.l2() != 0, scaled = s.gScale() != 1f;
        int i = 0;
        for (int b = F.loopBound(n); i < b; i += L) {
            FloatVector pv = load(ps, i);
            FloatVector gv = load(gs, i);
            if (scaled) {
                gv = gv.mul(gScale);
            }
            if (hasL2) {
                gv = madd(pv, l2, gv);
            }
            FloatVector m1 = madd(load(ms, i), b1, gv.mul(c1));
            FloatVector v1 = madd(load(vs, i), b2, gv.mul(c2).mul(gv));
            FloatVector vd = v1;
            if (xs != null) {
                vd = load(xs, i).max(v1);
                store(vd, xs, i);
            }
            store(m1, ms, i);
            store(v1, vs, i);
            store(madd(m1.div(madd(vd.sqrt(), invSqrtBc2, eps)), negStep, pv.mul(decay)), ps, i);
        }
        return i;
    }

    // ---- SGD family ------------------------------------------------------------------------------

    @Override
    public void sgd(int n, SgdStep s, MemorySegment p, long po, MemorySegment g, long go, @Nullable MemorySegment b,
                    long bo) {
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n);
        FloatVector gScale = bc(s.gScale()), l2 = bc(s.l2()), decay = bc(s.decay()), negLr = bc(-s.lr());
        FloatVector mu = bc(s.momentum()), dampC = bc(s.dampC());
        boolean hasL2 = s.l2() != 0, first = s.first(), nesterov = s.nesterov();
        int i = 0;
        if (b == null) {
            for (int e = F.loopBound(n); i < e; i += L) {
                FloatVector pv = load(ps, i);
                FloatVector d = load(gs, i).mul(gScale);
                if (hasL2) {
                    d = madd(pv, l2, d);
                }
                store(madd(d, negLr, pv.mul(decay)), ps, i);
            }
        } else {
            MemorySegment bs = slice(b, bo, n);
            for (int e = F.loopBound(n); i < e; i += L) {
                FloatVector pv = load(ps, i);
                FloatVector d = load(gs, i).mul(gScale);
                if (hasL2) {
                    d = madd(pv, l2, d);
                }
                FloatVector b1 = first ? d : madd(load(bs, i), mu, d.mul(dampC));
                store(b1, bs, i);
                d = nesterov ? madd(b1, mu, d) : b1;
                store(madd(d, negLr, pv.mul(decay)), ps, i);
            }
        }
        TAIL.sgd(n - i, s, p, po + i, g, go + i, b, bo + i);
    }

    // ---- sign methods ----------------------------------------------------------------------------

    @Override
    public void lion(int n, LionStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo) {
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n), ms = slice(m, mo, n);
        FloatVector gScale = bc(s.gScale()), decay = bc(s.decay()), negLr = bc(-s.lr());
        FloatVector b1 = bc(s.beta1()), c1 = bc(s.c1()), b2 = bc(s.beta2()), c2 = bc(s.c2());
        int i = 0;
        for (int b = F.loopBound(n); i < b; i += L) {
            FloatVector gv = load(gs, i).mul(gScale);
            FloatVector mv = load(ms, i);
            FloatVector c = madd(b1, mv, gv.mul(c1));
            store(madd(negLr, sign(c), load(ps, i).mul(decay)), ps, i);
            store(madd(b2, mv, gv.mul(c2)), ms, i);
        }
        TAIL.lion(n - i, s, p, po + i, g, go + i, m, mo + i);
    }

    @Override
    public void signum(int n, SignumStep s, MemorySegment p, long po, MemorySegment g, long go,
                       @Nullable MemorySegment m, long mo) {
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n);
        FloatVector gScale = bc(s.gScale()), decay = bc(s.decay()), negLr = bc(-s.lr());
        FloatVector beta = bc(s.beta()), c = bc(s.c());
        int i = 0;
        if (m == null) {
            for (int b = F.loopBound(n); i < b; i += L) {
                FloatVector d = load(gs, i).mul(gScale);
                store(madd(negLr, sign(d), load(ps, i).mul(decay)), ps, i);
            }
        } else {
            MemorySegment ms = slice(m, mo, n);
            for (int b = F.loopBound(n); i < b; i += L) {
                FloatVector d = madd(load(ms, i), beta, load(gs, i).mul(gScale).mul(c));
                store(d, ms, i);
                store(madd(negLr, sign(d), load(ps, i).mul(decay)), ps, i);
            }
        }
        TAIL.signum(n - i, s, p, po + i, g, go + i, m, mo + i);
    }

    // ---- AdaBelief, diffGrad, EXAdam -------------------------------------------------------------

    @Override
    public void rmsprop(int n, RmspropStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment v,
                        long vo, @Nullable MemorySegment gavg, long ao, @Nullable MemorySegment b, long bo) {
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n), vs = slice(v, vo, n);
        MemorySegment as = gavg == null ? null : slice(gavg, ao, n), bs = b == null ? null : slice(b, bo, n);
        FloatVector gScale = bc(s.gScale()), l2 = bc(s.l2()), alpha = bc(s.alpha()), c = bc(s.c());
        FloatVector eps = bc(s.eps()), negLr = bc(-s.lr()), mu = bc(s.momentum());
        boolean hasL2 = s.l2() != 0;
        int i = 0;
        for (int e = F.loopBound(n); i < e; i += L) {
            FloatVector pv = load(ps, i);
            FloatVector gv = load(gs, i).mul(gScale);
            if (hasL2) {
                gv = madd(pv, l2, gv);
            }
            FloatVector v1 = madd(load(vs, i), alpha, gv.mul(c).mul(gv));
            store(v1, vs, i);
            FloatVector d;
            if (as != null) {
                FloatVector a1 = madd(load(as, i), alpha, gv.mul(c));
                store(a1, as, i);
                d = v1.sub(a1.mul(a1)).sqrt().add(eps);
            } else {
                d = v1.sqrt().add(eps);
            }
            if (bs != null) {
                FloatVector b1 = madd(load(bs, i), mu, gv.div(d));
                store(b1, bs, i);
                store(madd(b1, negLr, pv), ps, i);
            } else {
                store(madd(gv.div(d), negLr, pv), ps, i);
            }
        }
        TAIL.rmsprop(n - i, s, p, po + i, g, go + i, v, vo + i, gavg, ao + i, b, bo + i);
    }

    @Override
    public void adagrad(int n, AdagradStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment sum,
                        long so) {
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n), ss = slice(sum, so, n);
        FloatVector gScale = bc(s.gScale()), l2 = bc(s.l2()), init = bc(s.init()), eps = bc(s.eps());
        FloatVector negLr = bc(-s.lr());
        boolean hasL2 = s.l2() != 0;
        int i = 0;
        for (int e = F.loopBound(n); i < e; i += L) {
            FloatVector pv = load(ps, i);
            FloatVector gv = load(gs, i).mul(gScale);
            if (hasL2) {
                gv = madd(pv, l2, gv);
            }
            FloatVector s1 = madd(gv, gv, load(ss, i));
            store(s1, ss, i);
            store(madd(gv.div(init.add(s1).sqrt().add(eps)), negLr, pv), ps, i);
        }
        TAIL.adagrad(n - i, s, p, po + i, g, go + i, sum, so + i);
    }

    @Override
    public void adaBelief(int n, AdaBeliefStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m,
                          long mo, MemorySegment v, long vo) {
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n), ms = slice(m, mo, n), vs = slice(v, vo, n);
        FloatVector gScale = bc(s.gScale()), l2 = bc(s.l2()), decay = bc(s.decay());
        FloatVector b1 = bc(s.beta1()), c1 = bc(s.c1()), b2 = bc(s.beta2()), c2 = bc(s.c2());
        FloatVector epsState = bc(s.epsState()), negStep = bc(-s.stepSize()), invSqrtBc2 = bc(s.invSqrtBc2());
        FloatVector eps = bc(s.eps());
        boolean hasL2 = s.l2() != 0, sgdStep = s.sgdStep();
        int i = 0;
        for (int b = F.loopBound(n); i < b; i += L) {
            FloatVector pv = load(ps, i);
            FloatVector gv = load(gs, i).mul(gScale);
            if (hasL2) {
                gv = madd(pv, l2, gv);
            }
            FloatVector m1 = madd(load(ms, i), b1, gv.mul(c1));
            FloatVector r = gv.sub(m1);
            FloatVector v1 = madd(load(vs, i), b2, r.mul(c2).mul(r)).add(epsState);
            FloatVector d = sgdStep ? m1 : m1.div(madd(v1.sqrt(), invSqrtBc2, eps));
            store(m1, ms, i);
            store(v1, vs, i);
            store(madd(d, negStep, pv.mul(decay)), ps, i);
        }
        TAIL.adaBelief(n - i, s, p, po + i, g, go + i, m, mo + i, v, vo + i);
    }

    /** Up to this |prev - g'| diffGrad's friction comes from the sigmoid's series. */
    private static final float SIGMOID_SERIES_MAX = 0.25f;

    /** Elements per diffGrad tile on the exponential path; tiles are aligned to multiples of it. */
    private static final int DIFFGRAD_TILE = 1024;

    /**
     * diffGrad. Its friction xi = 1 / (1 + e^-x), x = |prev - g'|, is the sigmoid of x. Where
     * every lane of a vector has x <= 1/4, xi comes from the sigmoid's odd series to x^7 (within
     * 1e-10; see {@link #diffGradSeries}) in the update loop itself. From the first vector with
     * a larger x to the next multiple of 1024 elements, a tile takes the exponential path: the
     * friction 1 + e^-x over prev, then the update. The two paths round differently (about one
     * element in 5000), so tiles are aligned to the call's start, not to where the larger x was
     * found: the runner's spans start at multiples of 1024, and each element's path is then the
     * same for any thread count. The exponential was once the Vector API's EXP, 0.33 ns per element here
     * (a call around which every live register is saved), and a loop that merely contained the
     * call ran at half speed even where it never made it: hence the separate loops; our own
     * polynomial inside the update loop ran slower still. Gradients of trained networks rarely
     * change by a quarter between steps.
     */
    @Override
    public void diffGrad(int n, DiffGradStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m,
                         long mo, MemorySegment v, long vo, MemorySegment prev, long prevO) {
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n), ms = slice(m, mo, n), vs = slice(v, vo, n);
        MemorySegment qs = slice(prev, prevO, n);
        int bound = F.loopBound(n);
        for (int i = diffGradSeries(0, bound, s, ps, gs, ms, vs, qs); i < bound;
             i = diffGradSeries(i, bound, s, ps, gs, ms, vs, qs)) {
            // the tile ends at the next multiple of DIFFGRAD_TILE: spans start at such multiples,
            // so each element's path, and its bits, do not depend on how a tensor is cut
            int c = Math.min((i / DIFFGRAD_TILE + 1) * DIFFGRAD_TILE, bound) - i;
            diffGradFriction(c, i, s, ps, gs, qs);
            diffGradUpdate(c, i, s, ps, gs, ms, vs, qs);
            i += c;
        }
        TAIL.diffGrad(n - bound, s, p, po + bound, g, go + bound, m, mo + bound, v, vo + bound, prev, prevO + bound);
    }

    /**
     * The whole vectors from {@code from} while every lane's x = |prev - g'| is at most 1/4, with
     * xi = 1/2 + x/4 - x^3/48 + x^5/480 - 17 x^7/80640 (the next term, 31 x^9/1451520, is below
     * 8e-11); returns where it stopped: {@code bound}, or the first vector it left untouched.
     */
    private static int diffGradSeries(int from, int bound, DiffGradStep s, MemorySegment ps, MemorySegment gs,
                                      MemorySegment ms, MemorySegment vs, MemorySegment qs) {
        FloatVector gScale = bc(s.gScale()), l2 = bc(s.l2());
        FloatVector b1 = bc(s.beta1()), c1 = bc(s.c1()), b2 = bc(s.beta2()), c2 = bc(s.c2());
        FloatVector negStep = bc(-s.stepSize()), eps = bc(s.eps()), half = bc(0.5f);
        FloatVector s1 = bc(0.25f), s3 = bc(-1f / 48), s5 = bc(1f / 480), s7 = bc(-17f / 80640);
        boolean hasL2 = s.l2() != 0;
        int i = from;
        for (; i < bound; i += L) {
            FloatVector pv = load(ps, i);
            FloatVector gv = load(gs, i).mul(gScale);
            if (hasL2) {
                gv = madd(pv, l2, gv);
            }
            FloatVector x = load(qs, i).sub(gv).abs();
            if (x.compare(VectorOperators.GT, SIGMOID_SERIES_MAX).anyTrue()) {
                break;
            }
            FloatVector x2 = x.mul(x);
            FloatVector xi = madd(madd(madd(madd(s7, x2, s5), x2, s3), x2, s1), x, half);
            FloatVector m1 = madd(load(ms, i), b1, gv.mul(c1));
            FloatVector v1 = madd(load(vs, i), b2, gv.mul(c2).mul(gv));
            store(m1, ms, i);
            store(v1, vs, i);
            store(gv, qs, i);
            store(madd(xi.mul(m1).div(v1.sqrt().add(eps)), negStep, pv), ps, i);
        }
        return i;
    }

    /**
     * The exponential path's friction 1 + e^-|prev - g'| for the tile [t0, t0 + c), written over
     * prev (the update reads it from there before it stores g' into prev): the exponent, then
     * {@link #onePlusExp} over it. prev, not a scratch array: with heap segments, a float[]
     * accessed in the same loops left C2 without the segments' array type, and it compiled their
     * vector stores as per-lane fallbacks (3x slower).
     */
    private static void diffGradFriction(int c, int t0, DiffGradStep s, MemorySegment ps, MemorySegment gs,
                                         MemorySegment qs) {
        FloatVector gScale = bc(s.gScale()), l2 = bc(s.l2());
        boolean hasL2 = s.l2() != 0;
        for (int j = 0; j < c; j += L) {
            FloatVector gv = load(gs, t0 + j).mul(gScale);
            if (hasL2) {
                gv = madd(load(ps, t0 + j), l2, gv);
            }
            store(load(qs, t0 + j).sub(gv).abs().neg(), qs, t0 + j);
        }
        onePlusExp(qs, t0, c);
    }

    /**
     * y[i] = 1 + e^y[i] for y <= 0 (NaN stays NaN), over [from, from + c), c a multiple of L:
     * y = k ln2 + r with |r| <= ln2 / 2, e^r by Cephes' expf polynomial (relative error about
     * 1e-7), 2^k from the exponent bits. Below y = -20, 1 + e^y rounds to 1 in float, so y is
     * clamped there and k stays in [-29, 0] (no subnormal scale). Only adds, multiplies and fused
     * multiply-adds, so the same bits in interpreted and compiled code: the Vector API's EXP, once
     * used here, calls a stub when compiled whose results differ in the last bit from its
     * interpreted fallback's, and a step gave different bits before and after C2 compiled it
     * (OptimizerTest caught it once, comparing a warm optimizer with one kernel call per tensor).
     */
    private static void onePlusExp(MemorySegment ys, int from, int c) {
        FloatVector one = bc(1f), floor = bc(-20f), log2e = bc(1.44269504f), round = bc(0x1.8p23f);
        FloatVector negLn2Hi = bc(-0.693359375f), negLn2Lo = bc(2.12194440e-4f);
        FloatVector c0 = bc(1.9875691500e-4f), c1 = bc(1.3981999507e-3f), c2 = bc(8.3334519073e-3f);
        FloatVector c3 = bc(4.1665795894e-2f), c4 = bc(1.6666665459e-1f), c5 = bc(5.0000001201e-1f);
        IntVector bias = IntVector.broadcast(I, 127 - Float.floatToRawIntBits(0x1.8p23f));
        for (int i = from; i < from + c; i += L) {
            FloatVector x = load(ys, i).max(floor);
            // t = 1.5 * 2^23 + k: adding the constant rounds x log2(e) to the nearest integer k,
            // which then sits in t's low mantissa bits
            FloatVector t = madd(x, log2e, round);
            FloatVector k = t.sub(round);
            FloatVector r = madd(k, negLn2Lo, madd(k, negLn2Hi, x));
            FloatVector poly = madd(madd(madd(madd(madd(c0, r, c1), r, c2), r, c3), r, c4), r, c5);
            FloatVector er = madd(poly, r.mul(r), r.add(one));
            FloatVector scale = ((IntVector) t.reinterpretAsInts()).add(bias).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats();
            store(er.mul(scale).add(one), ys, i);
        }
    }

    /**
     * The tile's update: m, v as Adam; p -= stepSize m / (friction (sqrt(v) + eps)), the friction
     * read from prev; prev = g'.
     */
    private static void diffGradUpdate(int c, int t0, DiffGradStep s, MemorySegment ps, MemorySegment gs,
                                       MemorySegment ms, MemorySegment vs, MemorySegment qs) {
        FloatVector gScale = bc(s.gScale()), l2 = bc(s.l2());
        FloatVector b1 = bc(s.beta1()), c1 = bc(s.c1()), b2 = bc(s.beta2()), c2 = bc(s.c2());
        FloatVector negStep = bc(-s.stepSize()), eps = bc(s.eps());
        boolean hasL2 = s.l2() != 0;
        for (int j = 0; j < c; j += L) {
            int i = t0 + j;
            FloatVector pv = load(ps, i);
            FloatVector gv = load(gs, i).mul(gScale);
            if (hasL2) {
                gv = madd(pv, l2, gv);
            }
            FloatVector m1 = madd(load(ms, i), b1, gv.mul(c1));
            FloatVector v1 = madd(load(vs, i), b2, gv.mul(c2).mul(gv));
            FloatVector friction = load(qs, i);
            store(m1, ms, i);
            store(v1, vs, i);
            store(gv, qs, i);
            // xi m / (sqrt(v) + eps) with xi = 1 / friction, as one division
            store(madd(m1.div(friction.mul(v1.sqrt().add(eps))), negStep, pv), ps, i);
        }
    }

    /**
     * Below this eps the one-division form could underflow (its denominator is as small as
     * eps^3), so the whole call runs the scalar loop.
     */
    private static final float EXADAM_MIN_EPS = 0x1p-40f;

    /**
     * Lanes with v or m^2 above this (compared as bits: both are >= 0, and infinities and NaN
     * without the sign bit compare above; a NaN with it gives NaN in either form) take the
     * scalar loop: up to it the one-division form's products (at most about 2^121, with invBc2
     * up to 2^24) stay finite.
     */
    private static final int EXADAM_MAX_MOMENT_BITS = Float.floatToRawIntBits(0x1p32f);

    /**
     * EXAdam with one division per element instead of three. With D1 = v + eps, d1 = N1 / D1
     * where N1 = (1 + beta2t) v + eps, and D2 = m^2 + eps, d2 = N2 / D2 where N2 = (1 + beta1t)
     * m^2 + eps, the step factor is d1 / (sqrt(d2 v invBc2) + eps) = N1 D2 / (D1 (sqrt(invBc2
     * N2 v D2) + eps D2)); -lr invBc1 is folded into N1 and invBc2 into N2. Three divisions
     * and a square root made the rule compute-bound in cache at 0.55 ns per element (AdamW, one
     * of each: 0.31). A vector with a lane beyond 2^32 in v or m^2 (infinities and NaN included)
     * is redone by the scalar loop, which keeps the paper's form.
     */
    @Override
    public void exAdam(int n, ExAdamStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m,
                       long mo, MemorySegment v, long vo) {
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n), ms = slice(m, mo, n), vs = slice(v, vo, n);
        float negLrInvBc1 = -s.lr() * s.invBc1();
        FloatVector gScale = bc(s.gScale()), decay = bc(s.decay());
        FloatVector b1 = bc(s.beta1()), c1 = bc(s.c1()), b2 = bc(s.beta2()), c2 = bc(s.c2());
        FloatVector n1Slope = bc(negLrInvBc1 * (1 + s.beta2t())), n1Eps = bc(negLrInvBc1 * s.eps());
        FloatVector n2Slope = bc(s.invBc2() * (1 + s.beta1t())), n2Eps = bc(s.invBc2() * s.eps());
        FloatVector eps = bc(s.eps());
        boolean scaled = s.gScale() != 1f;
        int i = 0;
        for (int b = s.eps() >= EXADAM_MIN_EPS ? F.loopBound(n) : 0; i < b; i += L) {
            FloatVector gv = load(gs, i);
            if (scaled) {
                gv = gv.mul(gScale);
            }
            FloatVector m1 = madd(load(ms, i), b1, gv.mul(c1));
            FloatVector v1 = madd(load(vs, i), b2, gv.mul(c2).mul(gv));
            FloatVector mm = m1.mul(m1);
            if (v1.reinterpretAsInts().max(mm.reinterpretAsInts())
                    .compare(VectorOperators.GT, EXADAM_MAX_MOMENT_BITS).anyTrue()) {
                TAIL.exAdam(L, s, ps, i, gs, i, ms, i, vs, i);
                continue;
            }
            FloatVector d2 = mm.add(eps);
            FloatVector den = v1.add(eps).mul(madd(d2, eps, madd(n2Slope, mm, n2Eps).mul(v1).mul(d2).sqrt()));
            FloatVector ratio = madd(n1Slope, v1, n1Eps).mul(d2).div(den);
            store(m1, ms, i);
            store(v1, vs, i);
            store(madd(m1.add(gv), ratio, load(ps, i).mul(decay)), ps, i);
        }
        TAIL.exAdam(n - i, s, p, po + i, g, go + i, m, mo + i, v, vo + i);
    }

    // ---- reductions: block sums in float lanes, added in double ---------------------------------
    // The first passes that also write state (LAMB, AdamP, SGDP) run one vector per iteration:
    // unrolled by two with their stores they ran 1.2x to 3x slower. LARS's read-only pass keeps
    // two vectors with an accumulator pair per sum, where one chain per sum was latency-bound.

    @Override
    public void lambMomentsAndSums(int n, AdamStep s, float wd, MemorySegment p, long po, MemorySegment g, long go,
                                   MemorySegment m, long mo, MemorySegment v, long vo, @Nullable MemorySegment q,
                                   long qo, double[] out) {
        // one vector per iteration: unrolled by two with its stores the loop ran 3x slower
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n), ms = slice(m, mo, n), vs = slice(v, vo, n);
        MemorySegment qs = q == null ? null : slice(q, qo, n);
        FloatVector gScale = bc(s.gScale()), b1 = bc(s.beta1()), c1 = bc(s.c1()), b2 = bc(s.beta2()), c2 = bc(s.c2());
        FloatVector invBc1 = bc(s.stepSize()), invSqrtBc2 = bc(s.invSqrtBc2()), eps = bc(s.eps()), decay = bc(wd);
        FloatVector pp = FloatVector.zero(F), uu = pp;
        int i = 0;
        for (int b = F.loopBound(n); i < b; i += L) {
            FloatVector pv = load(ps, i);
            FloatVector gv = load(gs, i).mul(gScale);
            FloatVector m1 = madd(load(ms, i), b1, gv.mul(c1));
            FloatVector v1 = madd(load(vs, i), b2, gv.mul(c2).mul(gv));
            store(m1, ms, i);
            store(v1, vs, i);
            FloatVector qv = m1.div(madd(v1.sqrt(), invSqrtBc2, eps));
            if (qs != null) {
                store(qv, qs, i);
            }
            FloatVector u = madd(pv, decay, qv.mul(invBc1));
            pp = madd(pv, pv, pp);
            uu = madd(u, u, uu);
        }
        out[0] += sumLanes(pp);
        out[1] += sumLanes(uu);
        TAIL.lambMomentsAndSums(n - i, s, wd, p, po + i, g, go + i, m, mo + i, v, vo + i, q, qo + i, out);
    }

    @Override
    public void larsSums(int n, float gScale, float wd, MemorySegment p, long po, MemorySegment g, long go,
                         double[] out) {
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n);
        FloatVector scale = bc(gScale), decay = bc(wd);
        boolean hasWd = wd != 0;
        // two accumulators per sum: one chain of fused multiply-adds was latency-bound at half
        // the bandwidth of the elementwise kernels
        FloatVector pp0 = FloatVector.zero(F), pp1 = pp0, uu0 = pp0, uu1 = pp0;
        int i = 0;
        for (int b = n - n % (2 * L); i < b; i += 2 * L) {
            FloatVector p0 = load(ps, i), p1 = load(ps, i + L);
            FloatVector u0 = load(gs, i).mul(scale), u1 = load(gs, i + L).mul(scale);
            if (hasWd) {
                u0 = madd(p0, decay, u0);
                u1 = madd(p1, decay, u1);
            }
            pp0 = madd(p0, p0, pp0);
            pp1 = madd(p1, p1, pp1);
            uu0 = madd(u0, u0, uu0);
            uu1 = madd(u1, u1, uu1);
        }
        out[0] += sumLanes(pp0.add(pp1));
        out[1] += sumLanes(uu0.add(uu1));
        TAIL.larsSums(n - i, gScale, wd, p, po + i, g, go + i, out);
    }


    @Override
    public void adamPMomentsAndSums(int n, int cols, AdamStep s, MemorySegment p, long po, MemorySegment g, long go,
                                    MemorySegment m, long mo, MemorySegment v, long vo, @Nullable MemorySegment q,
                                    long qo, double[] out, int outOffset) {
        // one vector per iteration: unrolled by two (eight accumulators) it ran 3x slower
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n), ms = slice(m, mo, n), vs = slice(v, vo, n);
        MemorySegment qs = q == null ? null : slice(q, qo, n);
        FloatVector gScale = bc(s.gScale()), l2 = bc(s.l2()), b1 = bc(s.beta1()), c1 = bc(s.c1());
        FloatVector b2 = bc(s.beta2()), c2 = bc(s.c2()), invSqrtBc2 = bc(s.invSqrtBc2()), eps = bc(s.eps());
        boolean hasL2 = s.l2() != 0;
        float[] lanes = new float[4 * L];
        for (int at = 0, o = outOffset; at < n; at += cols, o += 4) {
            FloatVector gp = FloatVector.zero(F), gg = gp, pp = gp, pu = gp;
            int i = at;
            for (int b = at + F.loopBound(cols); i < b; i += L) {
                FloatVector pv = load(ps, i);
                FloatVector gv = load(gs, i).mul(gScale);
                if (hasL2) {
                    gv = madd(pv, l2, gv);
                }
                FloatVector m1 = madd(load(ms, i), b1, gv.mul(c1));
                FloatVector v1 = madd(load(vs, i), b2, gv.mul(c2).mul(gv));
                FloatVector u = m1.div(madd(v1.sqrt(), invSqrtBc2, eps));
                store(m1, ms, i);
                store(v1, vs, i);
                if (qs != null) {
                    store(u, qs, i);
                }
                gp = madd(gv, pv, gp);
                gg = madd(gv, gv, gg);
                pp = madd(pv, pv, pp);
                pu = madd(pv, u, pu);
            }
            gp.intoArray(lanes, 0);
            gg.intoArray(lanes, L);
            pp.intoArray(lanes, 2 * L);
            pu.intoArray(lanes, 3 * L);
            addLanes(out, o, lanes);
            int rest = at + cols - i;
            TAIL.adamPMomentsAndSums(rest, rest, s, p, po + i, g, go + i, m, mo + i, v, vo + i, q, qo + i, out, o);
        }
    }

    @Override
    public void sgdPMomentumAndSums(int n, int cols, SgdStep s, MemorySegment p, long po, MemorySegment g, long go,
                                    MemorySegment b, long bo, double[] out, int outOffset) {
        // one vector per iteration: unrolled by two (eight accumulators, two stores) it took 543
        // against 448 us per 1M (JMH, 1 thread), as LAMB's and AdamP's first passes did
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n), bs = slice(b, bo, n);
        FloatVector gScale = bc(s.gScale()), l2 = bc(s.l2()), mu = bc(s.momentum()), dampC = bc(s.dampC());
        boolean hasL2 = s.l2() != 0, first = s.first(), nesterov = s.nesterov();
        float[] lanes = new float[4 * L];
        for (int at = 0, o = outOffset; at < n; at += cols, o += 4) {
            FloatVector gp = FloatVector.zero(F), gg = gp, pp = gp, pd = gp;
            int i = at;
            for (int e = at + F.loopBound(cols); i < e; i += L) {
                FloatVector pv = load(ps, i);
                FloatVector gv = load(gs, i).mul(gScale);
                if (hasL2) {
                    gv = madd(pv, l2, gv);
                }
                FloatVector d = first ? gv : madd(load(bs, i), mu, gv.mul(dampC));
                store(d, bs, i);
                if (nesterov) {
                    d = madd(d, mu, gv);
                }
                gp = madd(gv, pv, gp);
                gg = madd(gv, gv, gg);
                pp = madd(pv, pv, pp);
                pd = madd(pv, d, pd);
            }
            gp.intoArray(lanes, 0);
            gg.intoArray(lanes, L);
            pp.intoArray(lanes, 2 * L);
            pd.intoArray(lanes, 3 * L);
            addLanes(out, o, lanes);
            int rest = at + cols - i;
            TAIL.sgdPMomentumAndSums(rest, rest, s, p, po + i, g, go + i, b, bo + i, out, o);
        }
    }

    @Override
    public void adamApply(int n, AdamStep s, MemorySegment p, long po, MemorySegment m, long mo, MemorySegment v,
                          long vo) {
        MemorySegment ps = slice(p, po, n), ms = slice(m, mo, n), vs = slice(v, vo, n);
        FloatVector decay = bc(s.decay()), negStep = bc(-s.stepSize()), invSqrtBc2 = bc(s.invSqrtBc2());
        FloatVector eps = bc(s.eps());
        int i = 0;
        for (int b = F.loopBound(n); i < b; i += L) {
            FloatVector vd = load(vs, i);
            store(madd(load(ms, i).div(madd(vd.sqrt(), invSqrtBc2, eps)), negStep, load(ps, i).mul(decay)), ps, i);
        }
        TAIL.adamApply(n - i, s, p, po + i, m, mo + i, v, vo + i);
    }

    @Override
    public void directionApply(int n, AdamStep s, MemorySegment p, long po, MemorySegment q, long qo) {
        MemorySegment ps = slice(p, po, n), qs = slice(q, qo, n);
        FloatVector decay = bc(s.decay()), negStep = bc(-s.stepSize());
        int i = 0;
        for (int b = F.loopBound(n); i < b; i += L) {
            store(madd(load(qs, i), negStep, load(ps, i).mul(decay)), ps, i);
        }
        TAIL.directionApply(n - i, s, p, po + i, q, qo + i);
    }

    @Override
    public void sgdApply(int n, SgdStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment b,
                         long bo) {
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n), bs = slice(b, bo, n);
        FloatVector gScale = bc(s.gScale()), l2 = bc(s.l2()), decay = bc(s.decay()), negLr = bc(-s.lr());
        FloatVector mu = bc(s.momentum());
        boolean hasL2 = s.l2() != 0, nesterov = s.nesterov();
        int i = 0;
        for (int e = F.loopBound(n); i < e; i += L) {
            FloatVector pv = load(ps, i);
            FloatVector d = load(bs, i);
            if (nesterov) {
                FloatVector gv = load(gs, i).mul(gScale);
                if (hasL2) {
                    gv = madd(pv, l2, gv);
                }
                d = madd(d, mu, gv);
            }
            store(madd(d, negLr, pv.mul(decay)), ps, i);
        }
        TAIL.sgdApply(n - i, s, p, po + i, g, go + i, b, bo + i);
    }

    @Override
    public void centeredSums(int n, float center, MemorySegment x, long xo, double[] out) {
        MemorySegment xs = slice(x, xo, n);
        FloatVector sum = FloatVector.zero(F), squares = sum;
        int i = 0;
        for (int b = F.loopBound(n); i < b; i += L) {
            FloatVector xv = load(xs, i);
            FloatVector d = xv.sub(center);
            sum = sum.add(xv);
            squares = madd(d, d, squares);
        }
        out[0] += sumLanes(sum);
        out[1] += sumLanes(squares);
        TAIL.centeredSums(n - i, center, x, xo + i, out);
    }

    /**
     * Adds to out[o + j] the lanes of the j-th of four vectors stored one after another in
     * {@code lanes}, each summed by sumLanes. A row's sums go through an array because C2 did not
     * inline this call into the large row kernels: with the four vectors as arguments, each call
     * boxed them on the heap (JFR: about 10% of AdamP's first pass over rows of 1024).
     */
    private static void addLanes(double[] out, int o, float[] lanes) {
        for (int j = 0; j < 4; j++) {
            out[o + j] += sumLanes(FloatVector.fromArray(F, lanes, j * L));
        }
    }

    // ---- bfloat16 storage ------------------------------------------------------------------------

    private static final VectorSpecies<Short> S = VectorShapes.HALF_SHORT;
    private static final VectorSpecies<Integer> I = VectorShapes.INT;
    private static final java.nio.ByteOrder NO = java.nio.ByteOrder.nativeOrder();

    @Override
    public void bf16ToFloat(int n, MemorySegment src, long so, MemorySegment dst, long dO) {
        MemorySegment ss = shorts(src, so, n), ds = slice(dst, dO, n);
        int i = 0;
        for (int b = F.loopBound(n); i < b; i += L) {
            store(widen(ss, i), ds, i);
        }
        TAIL.bf16ToFloat(n - i, src, so + i, dst, dO + i);
    }

    @Override
    public void floatToBf16(int n, MemorySegment src, long so, MemorySegment dst, long dO, int key, long index0) {
        MemorySegment ss = slice(src, so, n), ds = shorts(dst, dO, n);
        IntVector lanes = IntVector.zero(I).addIndex(1), keys = IntVector.broadcast(I, key);
        int i = 0;
        for (int b = F.loopBound(n); i < b; i += L) {
            narrow(load(ss, i), lanes.add((int) (index0 + i)), keys, ds, i);
        }
        TAIL.floatToBf16(n - i, src, so + i, dst, dO + i, key, index0 + i);
    }

    /** The n bfloat16 elements of s from element o on. */
    private static MemorySegment shorts(MemorySegment s, long o, int n) {
        return s.asSlice(o << 1, (long) n << 1);
    }

    /** Elements i to i + L - 1 of a bfloat16 slice, widened exactly. */
    private static FloatVector widen(MemorySegment s, int i) {
        // sign extension fills the top 16 bits, which the shift then discards
        IntVector wide = (IntVector) ShortVector.fromMemorySegment(S, s, (long) i << 1, NO)
                .convertShape(VectorOperators.S2I, I, 0);
        return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * Stores x narrowed with stochastic rounding at elements i to i + L - 1 of a bfloat16 slice:
     * Bf16Bits.stochastic with Bf16Bits.random(key, index), lane by lane.
     */
    private static void narrow(FloatVector x, IntVector index, IntVector key, MemorySegment s, int i) {
        IntVector random = index.lanewise(VectorOperators.XOR, key).mul(Bf16Bits.GOLDEN).lanewise(VectorOperators.LSHR, 16);
        IntVector bits = x.reinterpretAsInts().add(random).lanewise(VectorOperators.LSHR, 16)
                .blend(Bf16Bits.NAN, x.test(VectorOperators.IS_NAN).cast(I));
        ((ShortVector) bits.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(s, (long) i << 1, NO);
    }

    @Override
    public void adamBf16(int n, AdamStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m,
                         long mo, MemorySegment v, long vo, int pKey, int mKey, int vKey, long index0) {
        MemorySegment ps = shorts(p, po, n), gs = slice(g, go, n), ms = shorts(m, mo, n), vs = shorts(v, vo, n);
        FloatVector gScale = bc(s.gScale()), l2 = bc(s.l2()), decay = bc(s.decay());
        FloatVector b1 = bc(s.beta1()), c1 = bc(s.c1()), b2 = bc(s.beta2()), c2 = bc(s.c2());
        FloatVector negStep = bc(-s.stepSize()), invSqrtBc2 = bc(s.invSqrtBc2()), eps = bc(s.eps());
        IntVector lanes = IntVector.zero(I).addIndex(1);
        IntVector pk = IntVector.broadcast(I, pKey), mk = IntVector.broadcast(I, mKey), vk = IntVector.broadcast(I, vKey);
        IntVector golden = IntVector.broadcast(I, Bf16Bits.GOLDEN), nan = IntVector.broadcast(I, Bf16Bits.NAN);
        boolean hasL2 = s.l2() != 0, scaled = s.gScale() != 1f;
        int i = 0;
        for (int b = F.loopBound(n); i < b; i += L) {
            // adamLoop's arithmetic, operation for operation (the bits must match it); widening
            // and narrowing written out as in widen and narrow, which C2 would not inline here
            FloatVector pv = ((IntVector) ShortVector.fromMemorySegment(S, ps, (long) i << 1, NO)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector gv = load(gs, i);
            if (scaled) {
                gv = gv.mul(gScale);
            }
            if (hasL2) {
                gv = madd(pv, l2, gv);
            }
            FloatVector m1 = madd(((IntVector) ShortVector.fromMemorySegment(S, ms, (long) i << 1, NO)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), b1, gv.mul(c1));
            FloatVector v1 = madd(((IntVector) ShortVector.fromMemorySegment(S, vs, (long) i << 1, NO)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), b2, gv.mul(c2).mul(gv));
            FloatVector p1 = madd(m1.div(madd(v1.sqrt(), invSqrtBc2, eps)), negStep, pv.mul(decay));
            IntVector index = lanes.add((int) (index0 + i));
            IntVector mkBits = m1.reinterpretAsInts()
                    .add(index.lanewise(VectorOperators.XOR, mk).mul(golden).lanewise(VectorOperators.LSHR, 16))
                    .lanewise(VectorOperators.LSHR, 16).blend(nan, m1.test(VectorOperators.IS_NAN).cast(I));
            ((ShortVector) mkBits.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(ms, (long) i << 1, NO);
            IntVector vkBits = v1.reinterpretAsInts()
                    .add(index.lanewise(VectorOperators.XOR, vk).mul(golden).lanewise(VectorOperators.LSHR, 16))
                    .lanewise(VectorOperators.LSHR, 16).blend(nan, v1.test(VectorOperators.IS_NAN).cast(I));
            ((ShortVector) vkBits.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(vs, (long) i << 1, NO);
            IntVector pkBits = p1.reinterpretAsInts()
                    .add(index.lanewise(VectorOperators.XOR, pk).mul(golden).lanewise(VectorOperators.LSHR, 16))
                    .lanewise(VectorOperators.LSHR, 16).blend(nan, p1.test(VectorOperators.IS_NAN).cast(I));
            ((ShortVector) pkBits.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(ps, (long) i << 1, NO);
        }
        TAIL.adamBf16(n - i, s, p, po + i, g, go + i, m, mo + i, v, vo + i, pKey, mKey, vKey, index0 + i);
    }

    @Override
    public void lionBf16(int n, LionStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m,
                         long mo, int pKey, int mKey, long index0) {
        MemorySegment ps = shorts(p, po, n), gs = slice(g, go, n), ms = shorts(m, mo, n);
        FloatVector gScale = bc(s.gScale()), decay = bc(s.decay()), negLr = bc(-s.lr());
        FloatVector b1 = bc(s.beta1()), c1 = bc(s.c1()), b2 = bc(s.beta2()), c2 = bc(s.c2());
        IntVector lanes = IntVector.zero(I).addIndex(1);
        IntVector pk = IntVector.broadcast(I, pKey), mk = IntVector.broadcast(I, mKey);
        IntVector golden = IntVector.broadcast(I, Bf16Bits.GOLDEN), nan = IntVector.broadcast(I, Bf16Bits.NAN);
        int i = 0;
        for (int b = F.loopBound(n); i < b; i += L) {
            // lion's arithmetic, operation for operation; widening and narrowing as in adamBf16
            FloatVector gv = load(gs, i).mul(gScale);
            FloatVector mv = ((IntVector) ShortVector.fromMemorySegment(S, ms, (long) i << 1, NO)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector c = madd(b1, mv, gv.mul(c1));
            FloatVector p1 = madd(negLr, sign(c), (((IntVector) ShortVector.fromMemorySegment(S, ps, (long) i << 1, NO)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).mul(decay));
            FloatVector m1 = madd(b2, mv, gv.mul(c2));
            IntVector index = lanes.add((int) (index0 + i));
            IntVector pkBits = p1.reinterpretAsInts()
                    .add(index.lanewise(VectorOperators.XOR, pk).mul(golden).lanewise(VectorOperators.LSHR, 16))
                    .lanewise(VectorOperators.LSHR, 16).blend(nan, p1.test(VectorOperators.IS_NAN).cast(I));
            ((ShortVector) pkBits.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(ps, (long) i << 1, NO);
            IntVector mkBits = m1.reinterpretAsInts()
                    .add(index.lanewise(VectorOperators.XOR, mk).mul(golden).lanewise(VectorOperators.LSHR, 16))
                    .lanewise(VectorOperators.LSHR, 16).blend(nan, m1.test(VectorOperators.IS_NAN).cast(I));
            ((ShortVector) mkBits.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(ms, (long) i << 1, NO);
        }
        TAIL.lionBf16(n - i, s, p, po + i, g, go + i, m, mo + i, pKey, mKey, index0 + i);
    }
}
