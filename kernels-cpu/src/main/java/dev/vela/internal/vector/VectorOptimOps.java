package dev.vela.internal.vector;

import static dev.vela.internal.vector.FloatSegments.array;
import static dev.vela.internal.vector.FloatSegments.get;
import static dev.vela.internal.vector.FloatSegments.index;
import static dev.vela.internal.vector.FloatSegments.load;
import static dev.vela.internal.vector.FloatSegments.madd;
import static dev.vela.internal.vector.FloatSegments.set;
import static dev.vela.internal.vector.FloatSegments.slice;
import static dev.vela.internal.vector.FloatSegments.store;

import dev.vela.internal.simd.OptimOps;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API fused optimizer updates: array-indexed loops when every operand is a heap segment
 * over {@code float[]}, int-indexed slice loops otherwise (see {@link VectorFloatOps}). Tails run
 * the same arithmetic as the vector body, fused multiply-adds included when the CPU has them.
 */
public final class VectorOptimOps implements OptimOps {

    private static final VectorSpecies<Float> F = VectorShapes.FLOAT;
    private static final int L = F.length();
    private static final boolean FMA = VectorShapes.FMA;

    @Override
    public String name() {
        return "vector-" + F.vectorBitSize() + (FMA ? "-fma" : "");
    }

    // ---- AdamW ------------------------------------------------------------------------------

    @Override
    public void adamW(int n, AdamWStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo,
                      MemorySegment v, long vo) {
        FloatVector gSign = FloatVector.broadcast(F, s.gSign()), decay = FloatVector.broadcast(F, s.decay());
        FloatVector b1 = FloatVector.broadcast(F, s.beta1()), c1 = FloatVector.broadcast(F, s.c1());
        FloatVector b2 = FloatVector.broadcast(F, s.beta2()), c2 = FloatVector.broadcast(F, s.c2());
        FloatVector negStep = FloatVector.broadcast(F, -s.stepSize()), invSqrtBc2 = FloatVector.broadcast(F, s.invSqrtBc2());
        FloatVector eps = FloatVector.broadcast(F, s.eps());
        float[] pa = array(p), ga = array(g), ma = array(m), va = array(v);
        int i = 0;
        if (pa != null && ga != null && ma != null && va != null) {
            int pi = index(p, po), gi = index(g, go), mi = index(m, mo), vi = index(v, vo);
            for (int b = n - n % L; i < b; i += L) {
                FloatVector gv = FloatVector.fromArray(F, ga, gi + i).mul(gSign);
                FloatVector m1 = madd(b1, FloatVector.fromArray(F, ma, mi + i), gv.mul(c1));
                FloatVector v1 = madd(b2, FloatVector.fromArray(F, va, vi + i), gv.mul(c2).mul(gv));
                FloatVector denom = madd(v1.sqrt(), invSqrtBc2, eps);
                FloatVector p1 = madd(negStep, m1.div(denom), FloatVector.fromArray(F, pa, pi + i).mul(decay));
                m1.intoArray(ma, mi + i);
                v1.intoArray(va, vi + i);
                p1.intoArray(pa, pi + i);
            }
            for (; i < n; i++) {
                float[] r = adamWScalar(s, pa[pi + i], ga[gi + i], ma[mi + i], va[vi + i]);
                pa[pi + i] = r[0];
                ma[mi + i] = r[1];
                va[vi + i] = r[2];
            }
            return;
        }
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n), ms = slice(m, mo, n), vs = slice(v, vo, n);
        for (int b = n - n % L; i < b; i += L) {
            FloatVector gv = load(gs, i).mul(gSign);
            FloatVector m1 = madd(b1, load(ms, i), gv.mul(c1));
            FloatVector v1 = madd(b2, load(vs, i), gv.mul(c2).mul(gv));
            FloatVector denom = madd(v1.sqrt(), invSqrtBc2, eps);
            FloatVector p1 = madd(negStep, m1.div(denom), load(ps, i).mul(decay));
            store(m1, ms, i);
            store(v1, vs, i);
            store(p1, ps, i);
        }
        for (; i < n; i++) {
            float[] r = adamWScalar(s, get(ps, i), get(gs, i), get(ms, i), get(vs, i));
            set(ps, i, r[0]);
            set(ms, i, r[1]);
            set(vs, i, r[2]);
        }
    }

    /** One element with the vector body's arithmetic: {new p, new m, new v} (tails only). */
    private static float[] adamWScalar(AdamWStep s, float p, float g, float m, float v) {
        float gv = g * s.gSign();
        float m1 = madd(s.beta1(), m, gv * s.c1());
        float v1 = madd(s.beta2(), v, gv * s.c2() * gv);
        float denom = madd((float) Math.sqrt(v1), s.invSqrtBc2(), s.eps());
        return new float[] {madd(-s.stepSize(), m1 / denom, p * s.decay()), m1, v1};
    }

    // ---- Lion ---------------------------------------------------------------------------------

    @Override
    public void lion(int n, LionStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo) {
        FloatVector gSign = FloatVector.broadcast(F, s.gSign()), decay = FloatVector.broadcast(F, s.decay());
        FloatVector b1 = FloatVector.broadcast(F, s.beta1()), c1 = FloatVector.broadcast(F, s.c1());
        FloatVector b2 = FloatVector.broadcast(F, s.beta2()), c2 = FloatVector.broadcast(F, s.c2());
        FloatVector negLr = FloatVector.broadcast(F, -s.lr());
        float[] pa = array(p), ga = array(g), ma = array(m);
        int i = 0;
        if (pa != null && ga != null && ma != null) {
            int pi = index(p, po), gi = index(g, go), mi = index(m, mo);
            for (int b = n - n % L; i < b; i += L) {
                FloatVector gv = FloatVector.fromArray(F, ga, gi + i).mul(gSign);
                FloatVector mv = FloatVector.fromArray(F, ma, mi + i);
                FloatVector c = madd(b1, mv, gv.mul(c1));
                madd(negLr, sign(c), FloatVector.fromArray(F, pa, pi + i).mul(decay)).intoArray(pa, pi + i);
                madd(b2, mv, gv.mul(c2)).intoArray(ma, mi + i);
            }
            for (; i < n; i++) {
                float gv = ga[gi + i] * s.gSign(), mv = ma[mi + i];
                pa[pi + i] = madd(-s.lr(), Math.signum(madd(s.beta1(), mv, gv * s.c1())), pa[pi + i] * s.decay());
                ma[mi + i] = madd(s.beta2(), mv, gv * s.c2());
            }
            return;
        }
        MemorySegment ps = slice(p, po, n), gs = slice(g, go, n), ms = slice(m, mo, n);
        for (int b = n - n % L; i < b; i += L) {
            FloatVector gv = load(gs, i).mul(gSign);
            FloatVector mv = load(ms, i);
            FloatVector c = madd(b1, mv, gv.mul(c1));
            store(madd(negLr, sign(c), load(ps, i).mul(decay)), ps, i);
            store(madd(b2, mv, gv.mul(c2)), ms, i);
        }
        for (; i < n; i++) {
            float gv = get(gs, i) * s.gSign(), mv = get(ms, i);
            set(ps, i, madd(-s.lr(), Math.signum(madd(s.beta1(), mv, gv * s.c1())), get(ps, i) * s.decay()));
            set(ms, i, madd(s.beta2(), mv, gv * s.c2()));
        }
    }

    /** Math.signum lane by lane: c * 0 keeps zeros (with their sign) and NaN; others become +-1. */
    private static FloatVector sign(FloatVector c) {
        return c.mul(0f)
                .blend(1f, c.compare(VectorOperators.GT, 0f))
                .blend(-1f, c.compare(VectorOperators.LT, 0f));
    }
}
