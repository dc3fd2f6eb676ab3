package dev.vela.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vela.kernels.Implementation;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** CRS and WTA-CRS: exactness with the full budget, unbiasedness, variance, determinism. */
class SampledMatmulTest {

    private static final VelaPool POOL = VelaPool.create(2);
    private static final Gemm GEMM = Gemm.create(Implementation.SCALAR, POOL);
    private static final SampledMatmul SAMPLED = SampledMatmul.create(GEMM);

    private static float[] values(MatrixView v) {
        float[] out = new float[v.rows() * v.cols()];
        for (int i = 0; i < v.rows(); i++) {
            for (int j = 0; j < v.cols(); j++) {
                out[i * v.cols() + j] = v.get(i, j);
            }
        }
        return out;
    }

    private static MatrixView zeros(int rows, int cols) {
        return MatrixView.rowMajor(MemorySegment.ofArray(new float[Math.max(1, rows * cols)]), rows, cols);
    }

    /** X (n x m) whose column norms fall off geometrically, so a few pairs carry most of the product. */
    private static MatrixView skewed(SplittableRandom r, int n, int m, double decay, boolean columnMajor) {
        MatrixView x = GemmTest.random(r, n, m, columnMajor, 0, 0);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                x.set(i, j, (float) (x.get(i, j) * Math.pow(decay, j)));
            }
        }
        return x;
    }

    @Test
    void theFullBudgetGivesTheProductBitForBit() {
        SplittableRandom r = new SplittableRandom(1);
        for (Implementation impl : GemmTest.implementations()) {
            Gemm gemm = Gemm.create(impl, POOL);
            SampledMatmul sampled = SampledMatmul.create(gemm);
            for (SampledMatmul.Method method : SampledMatmul.Method.values()) {
                MatrixView x = GemmTest.random(r, 9, 40, true, 0, 0), y = GemmTest.random(r, 40, 11, false, 2, 1);
                MatrixView exact = zeros(9, 11), estimate = zeros(9, 11);
                gemm.sgemm(1f, x, y, 0f, exact);
                ColumnRowSample s = sampled.select(method, x, y, 40 + r.nextInt(3), 7);
                assertEquals(40, s.size());
                assertEquals(40, s.deterministic());
                sampled.multiply(s, x, y, estimate);
                assertArrayEquals(values(exact), values(estimate), impl + " " + method);
            }
        }
    }

    /** The product of the stored pieces equals multiply(): what a framework computes later. */
    @Test
    void storedRowsAndGatheredColumnsGiveTheEstimate() {
        SplittableRandom r = new SplittableRandom(2);
        MatrixView x = skewed(r, 6, 50, 0.9, true), y = GemmTest.random(r, 50, 7, false, 0, 0);
        ColumnRowSample s = SAMPLED.select(SampledMatmul.Method.WTA_CRS, x, y, 15, 3);
        MatrixView columns = zeros(6, s.size()), rows = zeros(s.size(), 7), later = zeros(6, 7), now = zeros(6, 7);
        SAMPLED.gatherColumns(s, x, columns);
        SAMPLED.gatherScaledRows(s, y, rows);
        for (int t = 0; t < s.size(); t++) {
            for (int j = 0; j < 7; j++) {
                assertEquals(s.scale()[t] * y.get(s.index()[t], j), rows.get(t, j), "row " + t);
            }
        }
        GEMM.sgemm(1f, columns, rows, 0f, later);
        SAMPLED.multiply(s, x, y, now);
        assertArrayEquals(values(later), values(now));
    }

    /**
     * The mean of many seeded estimates converges to X Y: every entry within 5 standard errors,
     * from the estimator's variance (CRS: (1/k)(sum_i x_ai^2 y_ib^2 / p_i - (XY)_ab^2); WTA-CRS:
     * the same over the sampled tail with weight (1 - P_C) and s draws).
     */
    @Test
    void estimatesAreUnbiased() {
        SplittableRandom r = new SplittableRandom(4);
        int n = 3, m = 24, q = 4, keep = 8, runs = 4000;
        MatrixView x = skewed(r, n, m, 0.8, false), y = GemmTest.random(r, m, q, false, 0, 0);
        for (SampledMatmul.Method method : SampledMatmul.Method.values()) {
            double[][] sum = new double[n][q];
            ColumnRowSample first = null;
            for (int run = 0; run < runs; run++) {
                ColumnRowSample s = SAMPLED.select(method, x, y, keep, 1000 + run);
                first = first == null ? s : first;
                MatrixView e = zeros(n, q);
                SAMPLED.multiply(s, x, y, e);
                for (int a = 0; a < n; a++) {
                    for (int b = 0; b < q; b++) {
                        sum[a][b] += e.get(a, b);
                    }
                }
            }
            double[] p = first.probability();
            boolean[] winner = new boolean[m];
            double winnerMass = 0;
            int c = first.deterministic();
            if (method == SampledMatmul.Method.WTA_CRS) {
                assertTrue(c > 0, "skewed norms: WTA-CRS keeps winners");
                Integer[] order = new Integer[m];
                for (int i = 0; i < m; i++) {
                    order[i] = i;
                }
                java.util.Arrays.sort(order, (i, j) -> Double.compare(p[j], p[i]));
                for (int k = 0; k < c; k++) {
                    winner[order[k]] = true;
                    winnerMass += p[order[k]];
                }
            } else {
                assertEquals(0, c);
            }
            int draws = keep - c;
            for (int a = 0; a < n; a++) {
                for (int b = 0; b < q; b++) {
                    double exact = 0, tail = 0, second = 0;
                    for (int i = 0; i < m; i++) {
                        double term = (double) x.get(a, i) * y.get(i, b);
                        exact += term;
                        if (!winner[i]) {
                            tail += term;
                            second += term * term / p[i];
                        }
                    }
                    double variance = ((1 - winnerMass) * second - tail * tail) / draws;
                    double mean = sum[a][b] / runs;
                    double bound = 5 * Math.sqrt(Math.max(variance, 0) / runs) + 1e-6 * (Math.abs(exact) + 1e-3);
                    assertTrue(Math.abs(mean - exact) <= bound, method + " (" + a + ", " + b + "): mean " + mean
                            + ", exact " + exact + ", bound " + bound);
                }
            }
        }
    }

    /** On skewed column-row norms WTA-CRS's total variance is at most CRS's, measured over many seeds. */
    @Test
    void winnerTakeAllHasNoMoreVarianceThanCrsOnSkewedNorms() {
        SplittableRandom r = new SplittableRandom(5);
        int n = 8, m = 64, q = 8, keep = 16, runs = 1500;
        MatrixView x = skewed(r, n, m, 0.9, false), y = GemmTest.random(r, m, q, false, 0, 0);
        MatrixView exact = zeros(n, q);
        GEMM.sgemm(1f, x, y, 0f, exact);
        double[] total = new double[2];
        for (SampledMatmul.Method method : SampledMatmul.Method.values()) {
            double squared = 0;
            for (int run = 0; run < runs; run++) {
                MatrixView e = zeros(n, q);
                SAMPLED.multiply(SAMPLED.select(method, x, y, keep, 77 + run), x, y, e);
                for (int a = 0; a < n; a++) {
                    for (int b = 0; b < q; b++) {
                        double d = e.get(a, b) - exact.get(a, b);
                        squared += d * d;
                    }
                }
            }
            total[method.ordinal()] = squared / runs;
        }
        assertTrue(total[1] <= total[0], "WTA-CRS " + total[1] + " against CRS " + total[0]);
        assertTrue(total[1] < 0.8 * total[0], "and clearly lower here: " + total[1] + " against " + total[0]);
    }

    @Test
    void theSameSeedGivesTheSameSample() {
        SplittableRandom r = new SplittableRandom(6);
        MatrixView x = skewed(r, 5, 100, 0.97, true), y = GemmTest.random(r, 100, 5, false, 0, 0);
        for (SampledMatmul.Method method : SampledMatmul.Method.values()) {
            ColumnRowSample a = SAMPLED.select(method, x, y, 30, 11), b = SAMPLED.select(method, x, y, 30, 11);
            assertEquals(a, b);
            assertNotEquals(a, SAMPLED.select(method, x, y, 30, 12), "another seed, another sample");
            for (float s : a.scale()) {
                assertTrue(s > 0);
            }
            assertTrue(a.size() <= 30, "at most the budget");
        }
    }

    @Test
    void zeroProductsKeepNothingAndGiveZero() {
        MatrixView x = zeros(3, 10), y = zeros(10, 2);
        ColumnRowSample s = SAMPLED.select(SampledMatmul.Method.WTA_CRS, x, y, 4, 1);
        assertEquals(0, s.size());
        MatrixView out = MatrixView.rowMajor(MemorySegment.ofArray(new float[] {1, 2, 3, 4, 5, Float.NaN}), 3, 2);
        SAMPLED.multiply(s, x, y, out);
        assertArrayEquals(new float[6], values(out));
    }

    @Test
    void badArgumentsAreNamed() {
        MatrixView x = zeros(3, 10), y = zeros(10, 2);
        var e = assertThrows(IllegalArgumentException.class,
                () -> SAMPLED.select(SampledMatmul.Method.CRS, x, y, 0, 1));
        assertTrue(e.getMessage().contains("keep must be >= 1, was 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SAMPLED.select(SampledMatmul.Method.CRS, x, x, 3, 1));
        assertTrue(e.getMessage().startsWith("x.cols() must equal y.rows()"), e.getMessage());
        ColumnRowSample s = SAMPLED.select(SampledMatmul.Method.CRS, x, y, 10, 1);
        e = assertThrows(IllegalArgumentException.class, () -> SAMPLED.multiply(s, x, y, zeros(2, 2)));
        assertTrue(e.getMessage().startsWith("out must be 3 x 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SAMPLED.multiply(s, zeros(3, 9), zeros(9, 2), zeros(3, 2)));
        assertTrue(e.getMessage().contains("inner dimension of 10"), e.getMessage());
        MatrixView bad = zeros(3, 10);
        bad.set(1, 7, Float.NaN);
        e = assertThrows(IllegalArgumentException.class, () -> SAMPLED.select(SampledMatmul.Method.WTA_CRS, bad, y, 3, 1));
        assertTrue(e.getMessage().startsWith("x has a non-finite value in column 7"), e.getMessage());
        MatrixView badY = zeros(10, 2);
        badY.set(4, 1, Float.NEGATIVE_INFINITY);
        e = assertThrows(IllegalArgumentException.class, () -> SAMPLED.select(SampledMatmul.Method.CRS, x, badY, 3, 1));
        assertTrue(e.getMessage().startsWith("y has a non-finite value in row 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ColumnRowSample(4, new int[] {2, 1}, new float[] {1, 1}, 0, new double[4]));
        assertTrue(e.getMessage().contains("ascending"), e.getMessage());
    }
}
