package dev.vela.linalg;

import dev.vela.kernels.FloatKernels;
import dev.vela.memory.SegmentChecks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A symmetric linear operator given by its products, {@code out = H v}: a Hessian, usually, as
 * the input of Hutchinson's diagonal estimator. Vectors are {@link #size()} floats from offset 0
 * of their segments.
 */
public interface HessianVectorProduct {

    /** The dimension n of the operator. */
    int size();

    /** {@code out = H v}; v and out hold {@link #size()} floats each and do not overlap. */
    void apply(MemorySegment v, MemorySegment out);

    /**
     * An explicit symmetric matrix (its symmetry is not checked: the product is {@code h * v}),
     * multiplied with {@link Gemm#sgemv}.
     *
     * @throws IllegalArgumentException when h is not square
     */
    static HessianVectorProduct of(MatrixView h, Gemm gemm) {
        if (h == null) {
            throw new NullPointerException("h must not be null");
        }
        if (gemm == null) {
            throw new NullPointerException("gemm must not be null");
        }
        if (h.rows() != h.cols()) {
            throw new IllegalArgumentException("h must be square, was " + h.rows() + " x " + h.cols());
        }
        return new HessianVectorProduct() {
            @Override
            public int size() {
                return h.rows();
            }

            @Override
            public void apply(MemorySegment v, MemorySegment out) {
                gemm.sgemv(1f, h, v, 0, 0f, out, 0);
            }
        };
    }

    /** A gradient: {@code grad = ∇f(theta)}, both n floats from offset 0. */
    @FunctionalInterface
    interface Gradient {
        void compute(MemorySegment theta, MemorySegment grad);
    }

    /**
     * Hessian-vector products of f at theta by central differences of its gradient:
     * {@code H v ≈ (∇f(θ + εv) − ∇f(θ − εv)) / (2ε)}, with
     * {@code ε = cbrt(2^-23) · max(1, ‖θ‖_∞) / ‖v‖_∞} (about 0.005 relative to the larger of θ
     * and 1): central differences err by O(ε² ‖∇³f‖) from truncation and by O(2^-24 ‖∇f‖ / ε)
     * from float rounding of the gradients, and this ε balances the two for float32 gradients.
     * The result is exact (up to rounding) for quadratics. Theta is copied; the operator owns
     * two n-float buffers.
     *
     * @throws IllegalArgumentException when theta holds fewer than n floats or n < 0
     */
    static HessianVectorProduct finiteDifference(Gradient gradient, MemorySegment theta, int n) {
        if (gradient == null) {
            throw new NullPointerException("gradient must not be null");
        }
        SegmentChecks.checkCount("n", n);
        SegmentChecks.checkRange("theta", theta, 0, n, Float.BYTES);
        Arena arena = Arena.ofAuto();
        MemorySegment at = arena.allocate(Math.max(1, n) * (long) Float.BYTES, 64);
        at.copyFrom(theta.asSlice(0, (long) n * Float.BYTES));
        MemorySegment shifted = arena.allocate(Math.max(1, n) * (long) Float.BYTES, 64);
        MemorySegment plus = arena.allocate(Math.max(1, n) * (long) Float.BYTES, 64);
        FloatKernels k = FloatKernels.get();
        double thetaMax = Math.max(1, k.maxAbs(n, at, 0));
        double cbrtEps = Math.cbrt(0x1p-23);
        return new HessianVectorProduct() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public void apply(MemorySegment v, MemorySegment out) {
                SegmentChecks.checkRange("v", v, 0, n, Float.BYTES);
                SegmentChecks.checkWritableRange("out", out, 0, n, Float.BYTES);
                float vMax = k.maxAbs(n, v, 0);
                if (vMax == 0f || n == 0) {
                    k.fill(n, 0f, out, 0);
                    return;
                }
                float eps = (float) (cbrtEps * thetaMax / vMax);
                // ∇f(θ + εv) into plus, ∇f(θ − εv) into out, then out = (plus − out) / (2ε)
                k.copy(n, at, 0, shifted, 0);
                k.axpy(n, eps, v, 0, shifted, 0);
                gradient.compute(shifted, plus);
                k.copy(n, at, 0, shifted, 0);
                k.axpy(n, -eps, v, 0, shifted, 0);
                gradient.compute(shifted, out);
                k.sub(n, plus, 0, out, 0, out, 0);
                k.scale(n, (float) (1 / (2.0 * eps)), out, 0);
            }
        };
    }
}
