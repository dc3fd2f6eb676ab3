package dev.vela.internal.simd;

import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * Fused optimizer updates: one pass over p, g and the state, each element read once and written
 * once, plus the read-only reductions that the norm-based methods run first. Per-step scalars
 * arrive precomputed (in double, rounded once to float); arguments are validated by the caller
 * and a call covers at most MAX_SPAN elements.
 *
 * <p>In every rule the gradient first becomes {@code g' = gScale * g + l2 * p} ({@code gScale}
 * is -1 to maximize, and carries LARS's trust ratio); the {@code l2} term is skipped when
 * {@code l2 == 0}, so an infinite p does not turn into NaN through {@code 0 * inf}.
 */
public interface OptimOps {

    String name();

    /**
     * Adam family: m = beta1 m + c1 g'; v = beta2 v + c2 g'^2 (amsgrad: vMax = max(vMax, v), used
     * below in place of v); p = p * decay - stepSize * m / (sqrt(v) * invSqrtBc2 + eps).
     * AdamW has decay = 1 - lr wd and l2 = 0; Adam has decay = 1 and l2 = wd; LAMB, AdamP fold
     * their trust ratio and projection into decay and stepSize.
     */
    record AdamStep(float gScale, float l2, float decay, float beta1, float c1, float beta2, float c2, float stepSize,
                    float invSqrtBc2, float eps) {
    }

    void adam(int n, AdamStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo,
              MemorySegment v, long vo);

    void adamAmsgrad(int n, AdamStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo,
                     MemorySegment v, long vo, MemorySegment vMax, long vMaxO);

    /**
     * SGD family: without a buffer p = p * decay - lr * g'. With one: b = g' on the first step,
     * else b = momentum b + dampC g'; d = nesterov ? g' + momentum b : b; p = p * decay - lr d.
     */
    record SgdStep(float gScale, float l2, float decay, float lr, float momentum, float dampC, boolean first,
                   boolean nesterov) {
    }

    void sgd(int n, SgdStep s, MemorySegment p, long po, MemorySegment g, long go, @Nullable MemorySegment b, long bo);

    /** g' = gScale g; c = beta1 m + c1 g'; p = p * decay - lr * sign(c); m = beta2 m + c2 g'. */
    record LionStep(float gScale, float decay, float lr, float beta1, float c1, float beta2, float c2) {
    }

    void lion(int n, LionStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo);

    /**
     * signSGD (no buffer): p = p * decay - lr sign(g'). Signum: m = beta m + c g';
     * p = p * decay - lr sign(m).
     */
    record SignumStep(float gScale, float decay, float lr, float beta, float c) {
    }

    void signum(int n, SignumStep s, MemorySegment p, long po, MemorySegment g, long go, @Nullable MemorySegment m,
                long mo);

    /**
     * RMSprop: g' = gScale g + l2 p; v = alpha v + c g'^2; centered (gavg given):
     * gavg = alpha gavg + c g', d = sqrt(v - gavg^2) + eps, else d = sqrt(v) + eps; momentum (b
     * given): b = momentum b + g' / d, p = p - lr b; else p = p - lr g' / d.
     */
    record RmspropStep(float gScale, float l2, float alpha, float c, float eps, float lr, float momentum) {
    }

    void rmsprop(int n, RmspropStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment v, long vo,
                 @Nullable MemorySegment gavg, long ao, @Nullable MemorySegment b, long bo);

    /** AdaGrad: g' = gScale g + l2 p; sum = sum + g'^2; p = p - lr g' / (sqrt(init + sum) + eps). */
    record AdagradStep(float gScale, float l2, float init, float eps, float lr) {
    }

    void adagrad(int n, AdagradStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment sum,
                 long so);

    /**
     * AdaBelief: m = beta1 m + c1 g'; s = beta2 s + c2 (g' - m)^2 + epsState; p = p * decay -
     * stepSize * m / (sqrt(s) * invSqrtBc2 + eps), or p = p * decay - stepSize * m when
     * {@code sgdStep} (the rectified variant's first steps).
     */
    record AdaBeliefStep(float gScale, float l2, float decay, float beta1, float c1, float beta2, float c2,
                         float epsState, float stepSize, float invSqrtBc2, float eps, boolean sgdStep) {
    }

    void adaBelief(int n, AdaBeliefStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo,
                   MemorySegment v, long vo);

    /**
     * diffGrad: m, v as Adam; xi = 1 / (1 + exp(-|prev - g'|)); p = p - stepSize * xi * m /
     * (sqrt(v) + eps); prev = g'.
     */
    record DiffGradStep(float gScale, float l2, float beta1, float c1, float beta2, float c2, float stepSize, float eps) {
    }

    void diffGrad(int n, DiffGradStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo,
                  MemorySegment v, long vo, MemorySegment prev, long prevO);

    /**
     * EXAdam: m, v as Adam; d1 = 1 + beta2t v / (v + eps); d2 = 1 + beta1t m^2 / (m^2 + eps);
     * p = p * decay - lr (d1 m invBc1 + d1 g' invBc1) / (sqrt(d2 v invBc2) + eps).
     */
    record ExAdamStep(float gScale, float decay, float beta1, float c1, float beta2, float c2, float beta1t, float beta2t,
                      float invBc1, float invBc2, float lr, float eps) {
    }

    void exAdam(int n, ExAdamStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo,
                MemorySegment v, long vo);

    // ---- the norm-based methods' first pass: partial sums of one block -------------------------
    // LAMB, AdamP and SGDP advance their state in this pass (the second reads it back instead of
    // recomputing it from g): 4 to 8 fewer bytes read per parameter. LARS's momentum needs the
    // trust ratio, so its first pass only reads.

    /**
     * LAMB's first pass: advances m, v as {@link AdamStep} does (and writes them); with q = m /
     * (sqrt(v) invSqrtBc2 + eps), the Adam direction exactly as {@link #adamApply} computes it, and
     * u = q invBc1 + wd p, where {@code s.stepSize()} carries invBc1 (1 / bc1, or 1 without bias
     * correction), adds sum p^2 to out[0] and sum u^2 to out[1]. Where {@code q} is not null it
     * also writes q there, for {@link #directionApply}.
     */
    void lambMomentsAndSums(int n, AdamStep s, float wd, MemorySegment p, long po, MemorySegment g, long go,
                            MemorySegment m, long mo, MemorySegment v, long vo, @Nullable MemorySegment q, long qo,
                            double[] out);

    /** LARS's norms: u = gScale g + wd p; adds sum p^2 to out[0] and sum u^2 to out[1]. */
    void larsSums(int n, float gScale, float wd, MemorySegment p, long po, MemorySegment g, long go, double[] out);

    /**
     * AdamP's first pass over n elements that form consecutive rows of {@code cols} elements
     * ({@code cols} divides n): advances m, v as {@link AdamStep} does (and writes them), then
     * with q the Adam direction m / (sqrt(v) invSqrtBc2 + eps), computed as {@link #adamApply}
     * computes it, adds each row r's sum g'p, sum g'^2, sum p^2, sum p q to
     * out[outOffset + 4r ..] (the cosine test and the projection). Where {@code q} is not null it
     * also writes q there, for {@link #directionApply}. Many short rows go in one call: a call per
     * row cost about 0.1 us, a fifth of a 1024-element row's work.
     */
    void adamPMomentsAndSums(int n, int cols, AdamStep s, MemorySegment p, long po, MemorySegment g, long go,
                             MemorySegment m, long mo, MemorySegment v, long vo, @Nullable MemorySegment q, long qo,
                             double[] out, int outOffset);

    /**
     * SGDP's first pass over rows of {@code cols} elements, as {@link #adamPMomentsAndSums}:
     * advances b as {@link SgdStep} does (and writes it), then with d the SGD direction adds each
     * row's sum g'p, sum g'^2, sum p^2, sum p d to out[outOffset + 4r ..].
     */
    void sgdPMomentumAndSums(int n, int cols, SgdStep s, MemorySegment p, long po, MemorySegment g, long go,
                             MemorySegment b, long bo, double[] out, int outOffset);

    /**
     * The second pass after {@link #lambMomentsAndSums} or {@link #adamPMomentsAndSums}: with m,
     * v already advanced, p = p decay - stepSize m / (sqrt(v) invSqrtBc2 + eps), the same
     * arithmetic as {@link #adam} (which is this after advancing m and v; no L2 term).
     */
    void adamApply(int n, AdamStep s, MemorySegment p, long po, MemorySegment m, long mo, MemorySegment v, long vo);

    /**
     * The second pass after a first pass that wrote the Adam direction q: p = p decay - stepSize q,
     * the arithmetic of {@link #adamApply} from the m and v that produced q (the same bits where
     * both passes computed q in a vector loop, or both in the scalar remainder), without its
     * square root and division, reading p and q instead of p, m and v.
     */
    void directionApply(int n, AdamStep s, MemorySegment p, long po, MemorySegment q, long qo);

    /**
     * The second pass after {@link #sgdPMomentumAndSums}: with b already advanced, p = p decay -
     * lr d, d = b, or g' + momentum b with Nesterov (the only case that reads g).
     */
    void sgdApply(int n, SgdStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment b, long bo);

    /** Adds sum x, and sum (x - center)^2 to out[0], out[1] (SGD-SaI's gradient statistics). */
    void centeredSums(int n, float center, MemorySegment x, long xo, double[] out);

    // ---- bfloat16 storage ------------------------------------------------------------------------

    /** dst[i] = src[i] widened from bfloat16 (exact): the bf16 bits become the float's top 16 bits. */
    void bf16ToFloat(int n, MemorySegment src, long so, MemorySegment dst, long dO);

    /**
     * dst[i] = src[i] narrowed to bfloat16 with stochastic rounding: the float's bits plus 16
     * random bits, truncated to the top 16 (NaN becomes the quiet NaN 0x7FC0). The random bits
     * are {@link Bf16Bits#random(int, long)} of {@code key} and the element's index
     * {@code index0 + i}, so they do not depend on how a tensor is split into calls.
     */
    void floatToBf16(int n, MemorySegment src, long so, MemorySegment dst, long dO, int key, long index0);

    /**
     * {@link #adam} (no amsgrad) on bfloat16 p, m and v, g float32, in one pass: every element is
     * widened exactly, advanced with adam's arithmetic, and narrowed as {@link #floatToBf16}
     * narrows, with the keys pKey, mKey and vKey at index {@code index0 + i}. The bits equal those
     * of {@link #bf16ToFloat}, {@link #adam} and {@link #floatToBf16} run one after the other over
     * float copies of the same n elements.
     */
    void adamBf16(int n, AdamStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo,
                  MemorySegment v, long vo, int pKey, int mKey, int vKey, long index0);

    /** {@link #lion} on bfloat16 p and m, g float32, in one pass, as {@link #adamBf16} is to adam. */
    void lionBf16(int n, LionStep s, MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo,
                  int pKey, int mKey, long index0);
}
