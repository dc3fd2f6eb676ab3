package dev.vela.internal.simd;

import java.lang.foreign.MemorySegment;

/**
 * Fused optimizer updates: one pass over p, g and the state, each element read once and written
 * once. Per-step scalars arrive precomputed (in double, rounded once to float); arguments are
 * validated by the caller and a call covers at most MAX_SPAN elements.
 */
public interface OptimOps {

    String name();

    /**
     * Per-step AdamW coefficients: gSign = -1 to maximize; decay = 1 - lr * wd;
     * c1 = 1 - beta1, c2 = 1 - beta2; stepSize = lr / (1 - beta1^t);
     * invSqrtBc2 = 1 / sqrt(1 - beta2^t).
     */
    record AdamWStep(float gSign, float decay, float beta1, float c1, float beta2, float c2, float stepSize,
                     float invSqrtBc2, float eps) {
    }

    /** Per-step Lion coefficients: gSign = -1 to maximize; decay = 1 - lr * wd; c1 = 1 - beta1, c2 = 1 - beta2. */
    record LionStep(float gSign, float decay, float lr, float beta1, float c1, float beta2, float c2) {
    }

    /**
     * g' = gSign * g; p = p * decay; m = beta1 * m + c1 * g'; v = beta2 * v + c2 * g'^2;
     * p = p - stepSize * m / (sqrt(v) * invSqrtBc2 + eps).
     */
    void adamW(int n, AdamWStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo,
               MemorySegment v, long vo);

    /** g' = gSign * g; c = beta1 * m + c1 * g'; p = p * decay - lr * sign(c); m = beta2 * m + c2 * g'. */
    void lion(int n, LionStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo);
}
