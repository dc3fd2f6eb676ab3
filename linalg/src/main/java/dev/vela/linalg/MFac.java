package dev.vela.linalg;

import dev.vela.kernels.FloatKernels;
import dev.vela.memory.SegmentChecks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Matrix-free inverse-Hessian-vector products for M-FAC's empirical Fisher (Frantar, Kurtić,
 * Alistarh, NeurIPS 2021): {@code F = λI + (1/m) Σ_i g_i g_iᵀ} over a window of m gradients of
 * dimension d, never forming the d x d matrix. With G the m x d matrix of gradients (rows),
 * Woodbury's identity gives
 *
 * <pre>
 *   F⁻¹ v = (v − Gᵀ c) / λ,   where (mλ I + G Gᵀ) c = G v,
 * </pre>
 *
 * so a product costs two passes over G (O(dm)) and a solve with the m x m Cholesky factor of
 * {@code mλI + GGᵀ} (O(m²)). Setting all gradients ({@link #setGradients}) costs O(dm²) for
 * {@code GGᵀ} and O(m³) for the factor; replacing one ({@link #push}, the sliding window, oldest
 * out) costs O(dm) for its row of {@code GGᵀ} and O(m³) to refactor. The window starts as zeros,
 * which contribute nothing (the scale stays 1/m, as in the reference code).
 *
 * <p>Numerics: G is stored in float32; {@code GGᵀ}, the factor, {@code Gv} and {@code Gᵀc} are
 * accumulated in double, so the cancellation in {@code v − Gᵀc} (large when λ is small) loses
 * nothing to float32 rounding of the partial sums.
 */
public final class MFac {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final int d;
    private final int m;
    private final double damping;
    private final MemorySegment g;
    private final double[] gram;
    private final double[] factor;
    private final FloatKernels kernels;
    private int next;

    /**
     * An empty window (all gradients zero: {@code F = λI}).
     *
     * @throws IllegalArgumentException naming the argument when d < 1, m < 1 or damping is not
     *     positive and finite
     */
    public MFac(int dimension, int window, double damping) {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be >= 1, was " + dimension);
        }
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, was " + window);
        }
        if (!(damping > 0) || Double.isInfinite(damping)) {
            throw new IllegalArgumentException("damping must be positive and finite, was " + damping);
        }
        this.d = dimension;
        this.m = window;
        this.damping = damping;
        this.g = Arena.ofAuto().allocate((long) dimension * window * Float.BYTES, 64);
        this.gram = new double[window * window];
        this.factor = new double[window * window];
        this.kernels = FloatKernels.get();
        refactor();
    }

    /** d, the gradients' dimension. */
    public int dimension() {
        return d;
    }

    /** m, the number of gradients in the window. */
    public int window() {
        return m;
    }

    /**
     * Replaces the whole window with the m gradients held row after row (m x d floats) from
     * element {@code offset} of {@code gradients}: O(dm²). The next {@link #push} replaces row 0.
     *
     * @throws IllegalArgumentException when the segment is too short or a row holds NaN or an
     *     infinity (checked before anything is written)
     */
    public void setGradients(MemorySegment gradients, long offset) {
        SegmentChecks.checkRange("gradients", gradients, offset, (long) m * d, Float.BYTES);
        for (int i = 0; i < m; i++) {
            checkFinite("gradients", gradients, offset + (long) i * d, "row " + i);
        }
        MemorySegment.copy(gradients, offset * Float.BYTES, g, 0, (long) m * d * Float.BYTES);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j <= i; j++) {
                double dot = kernels.dot(d, g, (long) i * d, g, (long) j * d);
                gram[i * m + j] = dot;
                gram[j * m + i] = dot;
            }
        }
        next = 0;
        refactor();
    }

    /**
     * The sliding window: gradient g (d floats from offset) replaces the oldest one, O(dm + m³).
     *
     * @throws IllegalArgumentException when the segment is too short or g holds NaN or an
     *     infinity (checked before anything is written)
     */
    public void push(MemorySegment gradient, long offset) {
        SegmentChecks.checkRange("gradient", gradient, offset, d, Float.BYTES);
        checkFinite("gradient", gradient, offset, "it");
        int slot = next;
        MemorySegment.copy(gradient, offset * Float.BYTES, g, (long) slot * d * Float.BYTES, (long) d * Float.BYTES);
        for (int j = 0; j < m; j++) {
            double dot = kernels.dot(d, g, (long) slot * d, g, (long) j * d);
            gram[slot * m + j] = dot;
            gram[j * m + slot] = dot;
        }
        next = (slot + 1) % m;
        refactor();
    }

    /** Refuses a gradient holding NaN or an infinity (it would poison the whole factor), before any write. */
    private void checkFinite(String name, MemorySegment s, long offset, String which) {
        double squares = kernels.dot(d, s, offset, s, offset);
        if (!Double.isFinite(squares)) {
            throw new IllegalArgumentException(name + ": " + which + " holds NaN or an infinity");
        }
    }

    /** Cholesky factor L (lower, row-major) of mλI + GGᵀ, which is positive definite for λ > 0. */
    private void refactor() {
        double shift = m * damping;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j <= i; j++) {
                double s = gram[i * m + j] + (i == j ? shift : 0);
                for (int k = 0; k < j; k++) {
                    s -= factor[i * m + k] * factor[j * m + k];
                }
                factor[i * m + j] = i == j ? Math.sqrt(s) : s / factor[j * m + j];
            }
            for (int j = i + 1; j < m; j++) {
                factor[i * m + j] = 0;
            }
        }
    }

    /**
     * {@code out = F⁻¹ v} (d floats each, from their offsets; out may be v itself).
     *
     * @throws IllegalArgumentException naming the argument when a segment is too short or out is read-only
     */
    public void inverseTimes(MemorySegment v, long vOffset, MemorySegment out, long outOffset) {
        SegmentChecks.checkRange("v", v, vOffset, d, Float.BYTES);
        SegmentChecks.checkWritableRange("out", out, outOffset, d, Float.BYTES);
        double[] c = new double[m];
        for (int i = 0; i < m; i++) {
            c[i] = kernels.dot(d, g, (long) i * d, v, vOffset);
        }
        // (L Lᵀ) c = G v: forward, then backward substitution
        for (int i = 0; i < m; i++) {
            double s = c[i];
            for (int k = 0; k < i; k++) {
                s -= factor[i * m + k] * c[k];
            }
            c[i] = s / factor[i * m + i];
        }
        for (int i = m - 1; i >= 0; i--) {
            double s = c[i];
            for (int k = i + 1; k < m; k++) {
                s -= factor[k * m + i] * c[k];
            }
            c[i] = s / factor[i * m + i];
        }
        // out = (v − Gᵀ c) / λ, accumulated in double element by element
        double inv = 1 / damping;
        for (int e = 0; e < d; e++) {
            double s = v.getAtIndex(F, vOffset + e);
            for (int i = 0; i < m; i++) {
                s -= c[i] * g.getAtIndex(F, (long) i * d + e);
            }
            out.setAtIndex(F, outOffset + e, (float) (s * inv));
        }
    }
}
