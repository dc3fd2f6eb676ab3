package dev.vela.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vela.kernels.FloatKernels;
import dev.vela.kernels.Implementation;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Hutchinson's estimator against its expectation and variance; the smoothing rules against plain loops. */
class HutchinsonTest {

    private static final VelaPool POOL = VelaPool.create(2);
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    /** A random symmetric n x n matrix, row-major. */
    static MatrixView symmetric(SplittableRandom r, int n) {
        MatrixView h = MatrixView.rowMajor(MemorySegment.ofArray(new float[n * n]), n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                float v = (float) r.nextDouble(-1, 1);
                h.set(i, j, v);
                h.set(j, i, v);
            }
        }
        return h;
    }

    private static MemorySegment floats(int n) {
        return MemorySegment.ofArray(new float[Math.max(1, n)]);
    }

    /**
     * All 2^n sign vectors (n = 10): the mean of z ⊙ Hz is diag(H) and its population variance is
     * Σ_{j≠i} H_ij², up to rounding.
     */
    @Test
    void everySignVectorAveragesToTheDiagonalWithTheStatedVariance() {
        int n = 10;
        for (Implementation impl : GemmTest.implementations()) {
            MatrixView h = symmetric(new SplittableRandom(1), n);
            HessianVectorProduct hvp = HessianVectorProduct.of(h, Gemm.create(impl, POOL));
            double[] sum = new double[n], squares = new double[n];
            MemorySegment z = floats(n), hz = floats(n);
            for (int mask = 0; mask < 1 << n; mask++) {
                for (int i = 0; i < n; i++) {
                    z.setAtIndex(F, i, (mask >> i & 1) == 0 ? 1f : -1f);
                }
                hvp.apply(z, hz);
                for (int i = 0; i < n; i++) {
                    double x = z.getAtIndex(F, i) * hz.getAtIndex(F, i);
                    sum[i] += x;
                    squares[i] += x * x;
                }
            }
            for (int i = 0; i < n; i++) {
                double mean = sum[i] / (1 << n), variance = squares[i] / (1 << n) - mean * mean, off = 0;
                for (int j = 0; j < n; j++) {
                    off += j == i ? 0 : (double) h.get(i, j) * h.get(i, j);
                }
                assertEquals(h.get(i, i), mean, 1e-5, impl + " mean " + i);
                assertEquals(off, variance, 1e-4, impl + " variance " + i);
            }
        }
    }

    /** The seeded estimator with k probes: every element within 4 standard errors of diag(H). */
    @Test
    void theEstimateConvergesToTheDiagonal() {
        int n = 40, probes = 3000;
        MatrixView h = symmetric(new SplittableRandom(2), n);
        HessianVectorProduct hvp = HessianVectorProduct.of(h, Gemm.create(Implementation.SCALAR, POOL));
        MemorySegment diag = floats(n);
        Hutchinson.create(FloatKernels.create(Implementation.SCALAR, POOL)).estimate(hvp, probes, 9, diag, 0);
        for (int i = 0; i < n; i++) {
            double off = 0;
            for (int j = 0; j < n; j++) {
                off += j == i ? 0 : (double) h.get(i, j) * h.get(i, j);
            }
            double err = Math.abs(diag.getAtIndex(F, i) - h.get(i, i));
            assertTrue(err <= 4 * Math.sqrt(off / probes) + 1e-5, "element " + i + ": error " + err);
        }
    }

    @Test
    void aDiagonalMatrixIsExactWithOneProbeAndSeedsAreDeterministic() {
        int n = 100;
        MatrixView h = MatrixView.rowMajor(MemorySegment.ofArray(new float[n * n]), n, n);
        for (int i = 0; i < n; i++) {
            h.set(i, i, i - 50.5f);
        }
        Hutchinson hutchinson = Hutchinson.get();
        HessianVectorProduct hvp = HessianVectorProduct.of(h, Gemm.get());
        float[] d = new float[n];
        hutchinson.estimate(hvp, 1, 3, MemorySegment.ofArray(d), 0);
        for (int i = 0; i < n; i++) {
            assertEquals(i - 50.5f, d[i], "element " + i);
        }
        MatrixView dense = symmetric(new SplittableRandom(3), n);
        HessianVectorProduct full = HessianVectorProduct.of(dense, Gemm.get());
        float[] a = new float[n], b = new float[n], c = new float[n];
        hutchinson.estimate(full, 5, 42, MemorySegment.ofArray(a), 0);
        hutchinson.estimate(full, 5, 42, MemorySegment.ofArray(b), 0);
        hutchinson.estimate(full, 5, 43, MemorySegment.ofArray(c), 0);
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, c), "another seed, other probes");
    }

    /** Central differences of a gradient: exact (up to rounding) on a quadratic, O(ε²) on a smooth function. */
    @Test
    void finiteDifferenceProductsMatchTheHessian() {
        int n = 30;
        SplittableRandom r = new SplittableRandom(4);
        MatrixView a = symmetric(r, n);
        float[] theta = new float[n], v = new float[n];
        for (int i = 0; i < n; i++) {
            theta[i] = (float) r.nextDouble(-2, 2);
            v[i] = (float) r.nextDouble(-1, 1);
        }
        // f(θ) = ½ θᵀAθ + Σ log cosh θ_i: ∇f = Aθ + tanh θ, H = A + diag(1 − tanh² θ)
        HessianVectorProduct.Gradient grad = (t, g) -> {
            for (int i = 0; i < n; i++) {
                double s = Math.tanh(t.getAtIndex(F, i));
                for (int j = 0; j < n; j++) {
                    s += a.get(i, j) * t.getAtIndex(F, j);
                }
                g.setAtIndex(F, i, (float) s);
            }
        };
        HessianVectorProduct fd = HessianVectorProduct.finiteDifference(grad, MemorySegment.ofArray(theta), n);
        float[] out = new float[n];
        fd.apply(MemorySegment.ofArray(v), MemorySegment.ofArray(out));
        double norm = 0, errNorm = 0;
        for (int i = 0; i < n; i++) {
            double exact = (1 - Math.pow(Math.tanh(theta[i]), 2)) * v[i];
            for (int j = 0; j < n; j++) {
                exact += a.get(i, j) * v[j];
            }
            norm += exact * exact;
            errNorm += (out[i] - exact) * (out[i] - exact);
        }
        assertTrue(Math.sqrt(errNorm) <= 2e-3 * Math.sqrt(norm), "relative error " + Math.sqrt(errNorm / norm));
        float[] zero = new float[n];
        fd.apply(MemorySegment.ofArray(new float[n]), MemorySegment.ofArray(zero));
        assertArrayEquals(new float[n], zero, "H 0 = 0");
    }

    @Test
    void blockAveragesAndEmasFollowTheirDefinitions() {
        float[] d = {1f, -2f, 3f, -4f, 5f, -6f, 7f};
        float[] out = new float[7];
        Hutchinson.blockAverageOfAbs(MemorySegment.ofArray(d), 0, 7, 3, MemorySegment.ofArray(out), 0);
        assertArrayEquals(new float[] {2f, 2f, 2f, 5f, 5f, 5f, 7f}, out);
        Hutchinson.blockAverageOfAbs(MemorySegment.ofArray(d), 0, 7, 1, MemorySegment.ofArray(out), 0);
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f, 5f, 6f, 7f}, out);

        Hutchinson.RmsEma ema = new Hutchinson.RmsEma(2, 0.9);
        double v0 = 0, v1 = 0;
        for (int t = 1; t <= 3; t++) {
            float[] est = {t, -2f * t};
            ema.update(MemorySegment.ofArray(est), 0);
            v0 = 0.9 * v0 + 0.1 * est[0] * est[0];
            v1 = 0.9 * v1 + 0.1 * est[1] * est[1];
        }
        float[] root = new float[2];
        ema.root(1, MemorySegment.ofArray(root), 0);
        double corr = 1 - Math.pow(0.9, 3);
        assertEquals(Math.sqrt(v0 / corr), root[0], 1e-5);
        assertEquals(Math.sqrt(v1 / corr), root[1], 1e-5);
        ema.root(0.5, MemorySegment.ofArray(root), 0);
        assertEquals(Math.pow(v0 / corr, 0.25), root[0], 1e-5);

        Hutchinson.SophiaEma sophia = new Hutchinson.SophiaEma(1, 0.99, 10);
        double h = 0;
        for (int t = 1; t <= 35; t++) {
            boolean refresh = sophia.refreshesNext();
            assertEquals(t % 10 == 0, refresh, "step " + t);
            float[] est = {t};
            assertEquals(refresh, sophia.step(refresh ? MemorySegment.ofArray(est) : null, 0));
            if (refresh) {
                h = 0.99 * h + 0.01 * t;
            }
            assertEquals(h, sophia.values()[0], 1e-6, "step " + t);
        }
    }

    @Test
    void badArgumentsAreNamed() {
        HessianVectorProduct hvp = HessianVectorProduct.of(symmetric(new SplittableRandom(5), 4), Gemm.get());
        var e = assertThrows(IllegalArgumentException.class,
                () -> Hutchinson.get().estimate(hvp, 0, 1, floats(4), 0));
        assertTrue(e.getMessage().contains("probes must be >= 1, was 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Hutchinson.get().estimate(hvp, 1, 1, floats(3), 0));
        e = assertThrows(IllegalArgumentException.class, () -> HessianVectorProduct.of(
                MatrixView.rowMajor(floats(6), 2, 3), Gemm.get()));
        assertTrue(e.getMessage().contains("square"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Hutchinson.RmsEma(3, 1.0));
        assertTrue(e.getMessage().contains("beta must be in [0, 1), was 1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Hutchinson.SophiaEma(3, 0.9, 0));
        assertTrue(e.getMessage().contains("every must be >= 1"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> new Hutchinson.RmsEma(1, 0.5).root(1, floats(1), 0));
    }
}
