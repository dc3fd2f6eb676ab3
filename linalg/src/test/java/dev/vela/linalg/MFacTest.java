package dev.vela.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/** M-FAC's inverse-Fisher products against a dense solve (EJML), and the sliding window against a rebuild. */
class MFacTest {

    private static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * scale);
        }
        return x;
    }

    /** x solving (λI + (1/m) Σ g gᵀ) x = v in double, by EJML's dense solver. */
    private static double[] denseSolve(float[] grads, int m, int d, double damping, float[] v) {
        DMatrixRMaj f = new DMatrixRMaj(d, d);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double s = i == j ? damping : 0;
                for (int k = 0; k < m; k++) {
                    s += (double) grads[k * d + i] * grads[k * d + j] / m;
                }
                f.set(i, j, s);
            }
        }
        DMatrixRMaj b = new DMatrixRMaj(d, 1), x = new DMatrixRMaj(d, 1);
        for (int i = 0; i < d; i++) {
            b.set(i, 0, v[i]);
        }
        assertTrue(CommonOps_DDRM.solve(f, b, x), "EJML solved");
        double[] out = new double[d];
        for (int i = 0; i < d; i++) {
            out[i] = x.get(i, 0);
        }
        return out;
    }

    private static double relativeError(float[] got, double[] want) {
        double err = 0, norm = 0;
        for (int i = 0; i < want.length; i++) {
            err += (got[i] - want[i]) * (got[i] - want[i]);
            norm += want[i] * want[i];
        }
        return Math.sqrt(err / norm);
    }

    @Test
    void productsEqualADenseSolve() {
        SplittableRandom r = new SplittableRandom(1);
        int d = 300, m = 16;
        for (double damping : new double[] {1e-4, 1e-2, 1.0}) {
            float[] grads = gaussian(r, m * d, 1), v = gaussian(r, d, 1);
            MFac fac = new MFac(d, m, damping);
            fac.setGradients(MemorySegment.ofArray(grads), 0);
            float[] x = new float[d];
            fac.inverseTimes(MemorySegment.ofArray(v), 0, MemorySegment.ofArray(x), 0);
            double err = relativeError(x, denseSolve(grads, m, d, damping, v));
            assertTrue(err <= 1e-4, "damping " + damping + ": relative error " + err);
        }
    }

    @Test
    void theSlidingWindowEqualsARebuild() {
        SplittableRandom r = new SplittableRandom(2);
        int d = 200, m = 8;
        float[] window = gaussian(r, m * d, 1);
        MFac sliding = new MFac(d, m, 1e-3);
        sliding.setGradients(MemorySegment.ofArray(window), 0);
        for (int step = 0; step < 13; step++) {
            float[] g = gaussian(r, d, 1 + step);
            sliding.push(MemorySegment.ofArray(g), 0);
            System.arraycopy(g, 0, window, (step % m) * d, d); // the oldest slot, in ring order
        }
        MFac rebuilt = new MFac(d, m, 1e-3);
        rebuilt.setGradients(MemorySegment.ofArray(window), 0);
        float[] v = gaussian(r, d, 1), a = new float[d], b = new float[d];
        sliding.inverseTimes(MemorySegment.ofArray(v), 0, MemorySegment.ofArray(a), 0);
        rebuilt.inverseTimes(MemorySegment.ofArray(v), 0, MemorySegment.ofArray(b), 0);
        double[] bd = new double[d];
        for (int i = 0; i < d; i++) {
            bd[i] = b[i];
        }
        assertTrue(relativeError(a, bd) <= 1e-6, "relative difference " + relativeError(a, bd));
        assertTrue(relativeError(a, denseSolve(window, m, d, 1e-3, v)) <= 1e-4, "and both equal the dense solve");
    }

    /** Pushing into an empty window: zeros contribute nothing, so F = λI + (1/m) g gᵀ after one push. */
    @Test
    void anEmptyWindowIsTheDampingAlone() {
        int d = 50, m = 4;
        SplittableRandom r = new SplittableRandom(3);
        MFac fac = new MFac(d, m, 0.5);
        float[] v = gaussian(r, d, 1), x = new float[d];
        fac.inverseTimes(MemorySegment.ofArray(v), 0, MemorySegment.ofArray(x), 0);
        for (int i = 0; i < d; i++) {
            assertEquals(v[i] / 0.5f, x[i], 1e-6f * Math.abs(v[i]) + 1e-7f);
        }
        float[] g = gaussian(r, d, 1);
        fac.push(MemorySegment.ofArray(g), 0);
        fac.inverseTimes(MemorySegment.ofArray(v), 0, MemorySegment.ofArray(x), 0);
        float[] grads = new float[m * d];
        System.arraycopy(g, 0, grads, 0, d);
        assertTrue(relativeError(x, denseSolve(grads, m, d, 0.5, v)) <= 1e-5);
        float[] inPlace = v.clone();
        fac.inverseTimes(MemorySegment.ofArray(inPlace), 0, MemorySegment.ofArray(inPlace), 0);
        assertArrayEquals(x, inPlace, "out may be v");
    }

    @Test
    void badArgumentsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> new MFac(10, 4, 0));
        assertTrue(e.getMessage().contains("damping must be positive and finite, was 0.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MFac(10, 0, 1));
        assertTrue(e.getMessage().contains("window must be >= 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MFac(0, 4, 1));
        assertTrue(e.getMessage().contains("dimension must be >= 1"), e.getMessage());
        MFac fac = new MFac(10, 2, 1);
        assertThrows(IllegalArgumentException.class, () -> fac.push(MemorySegment.ofArray(new float[9]), 0));
        assertThrows(IllegalArgumentException.class, () -> fac.setGradients(MemorySegment.ofArray(new float[19]), 0));
        float[] nan = new float[10];
        nan[3] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> fac.push(MemorySegment.ofArray(nan), 0));
        assertTrue(e.getMessage().contains("NaN or an infinity"), e.getMessage());
        float[] v = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, x = new float[10];
        fac.inverseTimes(MemorySegment.ofArray(v), 0, MemorySegment.ofArray(x), 0);
        assertEquals(1f, x[0], 1e-6f, "the refused gradient left the window as it was (F = I)");
        assertThrows(IllegalArgumentException.class, () -> fac.inverseTimes(MemorySegment.ofArray(new float[10]), 0,
                MemorySegment.ofArray(new float[10]).asReadOnly(), 0));
    }
}
