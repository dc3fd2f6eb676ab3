package dev.vela.internal.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Plain loops over any segment; float arithmetic without fused multiply-adds. */
public final class ScalarOptimOps implements OptimOps {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void adamW(int n, AdamWStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo,
                      MemorySegment v, long vo) {
        for (int i = 0; i < n; i++) {
            float gi = s.gSign() * g.getAtIndex(F, go + i);
            float mi = s.beta1() * m.getAtIndex(F, mo + i) + s.c1() * gi;
            float vi = s.beta2() * v.getAtIndex(F, vo + i) + s.c2() * gi * gi;
            float pi = p.getAtIndex(F, po + i) * s.decay();
            float denom = (float) Math.sqrt(vi) * s.invSqrtBc2() + s.eps();
            m.setAtIndex(F, mo + i, mi);
            v.setAtIndex(F, vo + i, vi);
            p.setAtIndex(F, po + i, pi - s.stepSize() * mi / denom);
        }
    }

    @Override
    public void lion(int n, LionStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo) {
        for (int i = 0; i < n; i++) {
            float gi = s.gSign() * g.getAtIndex(F, go + i);
            float mi = m.getAtIndex(F, mo + i);
            float c = s.beta1() * mi + s.c1() * gi;
            p.setAtIndex(F, po + i, p.getAtIndex(F, po + i) * s.decay() - s.lr() * Math.signum(c));
            m.setAtIndex(F, mo + i, s.beta2() * mi + s.c2() * gi);
        }
    }
}
