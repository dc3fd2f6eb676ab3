package dev.vela.internal.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jspecify.annotations.Nullable;

/**
 * Plain loops over any segment; float arithmetic without fused multiply-adds, block sums of the
 * reductions accumulated in double. Updates divide before they scale by the step size: the
 * denominators (at least eps) keep a subnormal moment's quotient in the normal range, where
 * lr m / d would first round lr m to a few bits (0.6% off for m near 1e-42).
 */
public final class ScalarOptimOps implements OptimOps {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public String name() {
        return "scalar";
    }

    private static float get(MemorySegment s, long i) {
        return s.getAtIndex(F, i);
    }

    private static void set(MemorySegment s, long i, float value) {
        s.setAtIndex(F, i, value);
    }

    /** g' = gScale g + l2 p, the l2 term only when l2 != 0. */
    private static float grad(float gScale, float l2, float g, float p) {
        float gi = gScale * g;
        return l2 != 0 ? gi + l2 * p : gi;
    }

    // ---- elementwise ---------------------------------------------------------------------------

    @Override
    public void adam(int n, AdamStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo,
                     MemorySegment v, long vo) {
        adam(n, s, p, po, g, go, m, mo, v, vo, null, 0);
    }

    @Override
    public void adamAmsgrad(int n, AdamStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m,
                            long mo, MemorySegment v, long vo, MemorySegment vMax, long vMaxO) {
        adam(n, s, p, po, g, go, m, mo, v, vo, vMax, vMaxO);
    }

    /** Adam, with amsgrad's running maximum of v when {@code vMax} is not null. */
    private static void adam(int n, AdamStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m,
                             long mo, MemorySegment v, long vo, @Nullable MemorySegment vMax, long vMaxO) {
        for (int i = 0; i < n; i++) {
            float pi = get(p, po + i);
            float gi = grad(s.gScale(), s.l2(), get(g, go + i), pi);
            float mi = s.beta1() * get(m, mo + i) + s.c1() * gi;
            float vi = s.beta2() * get(v, vo + i) + s.c2() * gi * gi;
            float vd = vi;
            if (vMax != null) {
                vd = Math.max(get(vMax, vMaxO + i), vi);
                set(vMax, vMaxO + i, vd);
            }
            set(m, mo + i, mi);
            set(v, vo + i, vi);
            set(p, po + i, pi * s.decay() - s.stepSize() * (mi / ((float) Math.sqrt(vd) * s.invSqrtBc2() + s.eps())));
        }
    }

    @Override
    public void sgd(int n, SgdStep s, MemorySegment p, long po, MemorySegment g, long go, @Nullable MemorySegment b,
                    long bo) {
        for (int i = 0; i < n; i++) {
            float pi = get(p, po + i);
            float gi = grad(s.gScale(), s.l2(), get(g, go + i), pi);
            set(p, po + i, pi * s.decay() - s.lr() * (b == null ? gi : sgdDirection(s, gi, b, bo + i)));
        }
    }

    /** Advances the momentum buffer at index i and returns the direction. */
    private static float sgdDirection(SgdStep s, float gi, MemorySegment b, long i) {
        float bi = s.first() ? gi : s.momentum() * get(b, i) + s.dampC() * gi;
        set(b, i, bi);
        return s.nesterov() ? gi + s.momentum() * bi : bi;
    }

    @Override
    public void lion(int n, LionStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo) {
        for (int i = 0; i < n; i++) {
            float gi = s.gScale() * get(g, go + i);
            float mi = get(m, mo + i);
            float c = s.beta1() * mi + s.c1() * gi;
            set(p, po + i, get(p, po + i) * s.decay() - s.lr() * Math.signum(c));
            set(m, mo + i, s.beta2() * mi + s.c2() * gi);
        }
    }

    @Override
    public void rmsprop(int n, RmspropStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment v,
                        long vo, @Nullable MemorySegment gavg, long ao, @Nullable MemorySegment b, long bo) {
        for (int i = 0; i < n; i++) {
            float pi = get(p, po + i);
            float gi = grad(s.gScale(), s.l2(), get(g, go + i), pi);
            float vi = s.alpha() * get(v, vo + i) + s.c() * gi * gi;
            set(v, vo + i, vi);
            float d;
            if (gavg != null) {
                float ai = s.alpha() * get(gavg, ao + i) + s.c() * gi;
                set(gavg, ao + i, ai);
                d = (float) Math.sqrt(vi - ai * ai) + s.eps();
            } else {
                d = (float) Math.sqrt(vi) + s.eps();
            }
            if (b != null) {
                float bi = s.momentum() * get(b, bo + i) + gi / d;
                set(b, bo + i, bi);
                set(p, po + i, pi - s.lr() * bi);
            } else {
                set(p, po + i, pi - s.lr() * (gi / d));
            }
        }
    }

    @Override
    public void adagrad(int n, AdagradStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment sum,
                        long so) {
        for (int i = 0; i < n; i++) {
            float pi = get(p, po + i);
            float gi = grad(s.gScale(), s.l2(), get(g, go + i), pi);
            float si = get(sum, so + i) + gi * gi;
            set(sum, so + i, si);
            set(p, po + i, pi - s.lr() * (gi / ((float) Math.sqrt(s.init() + si) + s.eps())));
        }
    }

    @Override
    public void signum(int n, SignumStep s, MemorySegment p, long po, MemorySegment g, long go,
                       @Nullable MemorySegment m, long mo) {
        for (int i = 0; i < n; i++) {
            float d = s.gScale() * get(g, go + i);
            if (m != null) {
                d = s.beta() * get(m, mo + i) + s.c() * d;
                set(m, mo + i, d);
            }
            set(p, po + i, get(p, po + i) * s.decay() - s.lr() * Math.signum(d));
        }
    }

    @Override
    public void adaBelief(int n, AdaBeliefStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m,
                          long mo, MemorySegment v, long vo) {
        for (int i = 0; i < n; i++) {
            float pi = get(p, po + i);
            float gi = grad(s.gScale(), s.l2(), get(g, go + i), pi);
            float mi = s.beta1() * get(m, mo + i) + s.c1() * gi;
            float r = gi - mi;
            float vi = s.beta2() * get(v, vo + i) + s.c2() * r * r + s.epsState();
            set(m, mo + i, mi);
            set(v, vo + i, vi);
            float d = s.sgdStep() ? mi : mi / ((float) Math.sqrt(vi) * s.invSqrtBc2() + s.eps());
            set(p, po + i, pi * s.decay() - s.stepSize() * d);
        }
    }

    @Override
    public void diffGrad(int n, DiffGradStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m,
                         long mo, MemorySegment v, long vo, MemorySegment prev, long prevO) {
        for (int i = 0; i < n; i++) {
            float pi = get(p, po + i);
            float gi = grad(s.gScale(), s.l2(), get(g, go + i), pi);
            float mi = s.beta1() * get(m, mo + i) + s.c1() * gi;
            float vi = s.beta2() * get(v, vo + i) + s.c2() * gi * gi;
            float xi = 1f / (1f + (float) Math.exp(-Math.abs(get(prev, prevO + i) - gi)));
            set(m, mo + i, mi);
            set(v, vo + i, vi);
            set(prev, prevO + i, gi);
            set(p, po + i, pi - s.stepSize() * (xi * mi / ((float) Math.sqrt(vi) + s.eps())));
        }
    }

    @Override
    public void exAdam(int n, ExAdamStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m,
                       long mo, MemorySegment v, long vo) {
        for (int i = 0; i < n; i++) {
            float gi = s.gScale() * get(g, go + i);
            float mi = s.beta1() * get(m, mo + i) + s.c1() * gi;
            float vi = s.beta2() * get(v, vo + i) + s.c2() * gi * gi;
            float d1 = 1f + s.beta2t() * vi / (vi + s.eps());
            float m2 = mi * mi;
            float d2 = 1f + s.beta1t() * m2 / (m2 + s.eps());
            float num = d1 * s.invBc1() * (mi + gi);
            float den = (float) Math.sqrt(d2 * vi * s.invBc2()) + s.eps();
            set(m, mo + i, mi);
            set(v, vo + i, vi);
            set(p, po + i, get(p, po + i) * s.decay() - s.lr() * (num / den));
        }
    }

    // ---- reductions ----------------------------------------------------------------------------

    @Override
    public void lambMomentsAndSums(int n, AdamStep s, float wd, MemorySegment p, long po, MemorySegment g, long go,
                                   MemorySegment m, long mo, MemorySegment v, long vo, @Nullable MemorySegment q,
                                   long qo, double[] out) {
        double pp = 0, uu = 0;
        for (int i = 0; i < n; i++) {
            float pi = get(p, po + i);
            float gi = s.gScale() * get(g, go + i);
            float mi = s.beta1() * get(m, mo + i) + s.c1() * gi;
            float vi = s.beta2() * get(v, vo + i) + s.c2() * gi * gi;
            float qi = mi / ((float) Math.sqrt(vi) * s.invSqrtBc2() + s.eps());
            float u = s.stepSize() * qi + wd * pi;
            set(m, mo + i, mi);
            set(v, vo + i, vi);
            if (q != null) {
                set(q, qo + i, qi);
            }
            pp += (double) pi * pi;
            uu += (double) u * u;
        }
        out[0] += pp;
        out[1] += uu;
    }

    @Override
    public void larsSums(int n, float gScale, float wd, MemorySegment p, long po, MemorySegment g, long go,
                         double[] out) {
        double pp = 0, uu = 0;
        for (int i = 0; i < n; i++) {
            float pi = get(p, po + i);
            float u = grad(gScale, wd, get(g, go + i), pi);
            pp += (double) pi * pi;
            uu += (double) u * u;
        }
        out[0] += pp;
        out[1] += uu;
    }

    @Override
    public void adamPMomentsAndSums(int n, int cols, AdamStep s, MemorySegment p, long po, MemorySegment g, long go,
                                    MemorySegment m, long mo, MemorySegment v, long vo, @Nullable MemorySegment q,
                                    long qo, double[] out, int outOffset) {
        for (int at = 0, o = outOffset; at < n; at += cols, o += 4) {
            double gp = 0, gg = 0, pp = 0, pu = 0;
            for (int i = at; i < at + cols; i++) {
                float pi = get(p, po + i);
                float gi = grad(s.gScale(), s.l2(), get(g, go + i), pi);
                float mi = s.beta1() * get(m, mo + i) + s.c1() * gi;
                float vi = s.beta2() * get(v, vo + i) + s.c2() * gi * gi;
                float u = mi / ((float) Math.sqrt(vi) * s.invSqrtBc2() + s.eps());
                set(m, mo + i, mi);
                set(v, vo + i, vi);
                if (q != null) {
                    set(q, qo + i, u);
                }
                gp += (double) gi * pi;
                gg += (double) gi * gi;
                pp += (double) pi * pi;
                pu += (double) pi * u;
            }
            out[o] += gp;
            out[o + 1] += gg;
            out[o + 2] += pp;
            out[o + 3] += pu;
        }
    }

    @Override
    public void sgdPMomentumAndSums(int n, int cols, SgdStep s, MemorySegment p, long po, MemorySegment g, long go,
                                    MemorySegment b, long bo, double[] out, int outOffset) {
        for (int at = 0, o = outOffset; at < n; at += cols, o += 4) {
            double gp = 0, gg = 0, pp = 0, pd = 0;
            for (int i = at; i < at + cols; i++) {
                float pi = get(p, po + i);
                float gi = grad(s.gScale(), s.l2(), get(g, go + i), pi);
                float bi = s.first() ? gi : s.momentum() * get(b, bo + i) + s.dampC() * gi;
                float d = s.nesterov() ? gi + s.momentum() * bi : bi;
                set(b, bo + i, bi);
                gp += (double) gi * pi;
                gg += (double) gi * gi;
                pp += (double) pi * pi;
                pd += (double) pi * d;
            }
            out[o] += gp;
            out[o + 1] += gg;
            out[o + 2] += pp;
            out[o + 3] += pd;
        }
    }

    @Override
    public void adamApply(int n, AdamStep s, MemorySegment p, long po, MemorySegment m, long mo, MemorySegment v,
                          long vo) {
        for (int i = 0; i < n; i++) {
            float mi = get(m, mo + i), vi = get(v, vo + i);
            set(p, po + i, get(p, po + i) * s.decay()
                    - s.stepSize() * (mi / ((float) Math.sqrt(vi) * s.invSqrtBc2() + s.eps())));
        }
    }

    @Override
    public void directionApply(int n, AdamStep s, MemorySegment p, long po, MemorySegment q, long qo) {
        for (int i = 0; i < n; i++) {
            set(p, po + i, get(p, po + i) * s.decay() - s.stepSize() * get(q, qo + i));
        }
    }

    @Override
    public void sgdApply(int n, SgdStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment b,
                         long bo) {
        for (int i = 0; i < n; i++) {
            float pi = get(p, po + i);
            float bi = get(b, bo + i);
            float d = s.nesterov() ? grad(s.gScale(), s.l2(), get(g, go + i), pi) + s.momentum() * bi : bi;
            set(p, po + i, pi * s.decay() - s.lr() * d);
        }
    }

    @Override
    public void centeredSums(int n, float center, MemorySegment x, long xo, double[] out) {
        double sum = 0, squares = 0;
        for (int i = 0; i < n; i++) {
            float xi = get(x, xo + i);
            double d = (double) xi - center;
            sum += xi;
            squares += d * d;
        }
        out[0] += sum;
        out[1] += squares;
    }

    // ---- bfloat16 storage ------------------------------------------------------------------------

    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED;

    @Override
    public void bf16ToFloat(int n, MemorySegment src, long so, MemorySegment dst, long dO) {
        for (int i = 0; i < n; i++) {
            set(dst, dO + i, Bf16Bits.toFloat(src.getAtIndex(S, so + i)));
        }
    }

    @Override
    public void floatToBf16(int n, MemorySegment src, long so, MemorySegment dst, long dO, int key, long index0) {
        for (int i = 0; i < n; i++) {
            dst.setAtIndex(S, dO + i, Bf16Bits.stochastic(get(src, so + i), Bf16Bits.random(key, index0 + i)));
        }
    }

    private static float widen(MemorySegment s, long i) {
        return Bf16Bits.toFloat(s.getAtIndex(S, i));
    }

    private static void narrow(MemorySegment s, long i, float x, int key, long index) {
        s.setAtIndex(S, i, Bf16Bits.stochastic(x, Bf16Bits.random(key, index)));
    }

    @Override
    public void adamBf16(int n, AdamStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m,
                         long mo, MemorySegment v, long vo, int pKey, int mKey, int vKey, long index0) {
        for (int i = 0; i < n; i++) {
            // adam's arithmetic, term for term (the bits must match it)
            float pi = widen(p, po + i);
            float gi = grad(s.gScale(), s.l2(), get(g, go + i), pi);
            float mi = s.beta1() * widen(m, mo + i) + s.c1() * gi;
            float vi = s.beta2() * widen(v, vo + i) + s.c2() * gi * gi;
            narrow(m, mo + i, mi, mKey, index0 + i);
            narrow(v, vo + i, vi, vKey, index0 + i);
            narrow(p, po + i, pi * s.decay() - s.stepSize() * (mi / ((float) Math.sqrt(vi) * s.invSqrtBc2() + s.eps())),
                    pKey, index0 + i);
        }
    }

    @Override
    public void lionBf16(int n, LionStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m,
                         long mo, int pKey, int mKey, long index0) {
        for (int i = 0; i < n; i++) {
            // lion's arithmetic, term for term
            float gi = s.gScale() * get(g, go + i);
            float mi = widen(m, mo + i);
            float c = s.beta1() * mi + s.c1() * gi;
            narrow(p, po + i, widen(p, po + i) * s.decay() - s.lr() * Math.signum(c), pKey, index0 + i);
            narrow(m, mo + i, s.beta2() * mi + s.c2() * gi, mKey, index0 + i);
        }
    }
}
