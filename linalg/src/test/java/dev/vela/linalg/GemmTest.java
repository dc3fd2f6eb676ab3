package dev.vela.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vela.kernels.Capabilities;
import dev.vela.kernels.Implementation;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** SGEMM against a plain triple loop in double, for both implementations. */
class GemmTest {

    private static final VelaPool POOL = VelaPool.create(3);

    static List<Implementation> implementations() {
        List<Implementation> list = new ArrayList<>(List.of(Implementation.SCALAR));
        if (Capabilities.current().vectorAvailable()) {
            list.add(Implementation.VECTOR);
        }
        return list;
    }

    @Provide
    Arbitrary<Implementation> impls() {
        return Arbitraries.of(implementations());
    }

    /** Sizes that hit 0, 1, primes, the micro-kernel's 6 x 32 tile and the 144-row blocks. */
    @Provide
    Arbitrary<Integer> dims() {
        return Arbitraries.oneOf(Arbitraries.of(0, 1, 2, 5, 6, 7, 13, 31, 32, 33, 47, 97, 143, 145),
                Arbitraries.integers().between(1, 300));
    }

    @Property(tries = 150)
    void matchesATripleLoopInDouble(@ForAll("impls") Implementation impl, @ForAll("dims") int m,
                                    @ForAll("dims") int n, @ForAll("dims") int k,
                                    @ForAll @IntRange(min = 0, max = 7) int layouts,
                                    @ForAll @IntRange(min = 0, max = 3) int pad, @ForAll @IntRange(min = 0, max = 5) int offset,
                                    @ForAll @IntRange(min = 0, max = 4) int scalars, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        pad = pad == 3 ? 517 : pad; // a leading dimension far beyond the matrix, too
        float[][] choices = {{1f, 0f}, {1f, 1f}, {-0.5f, 2f}, {0f, 1f}, {1.5f, -1f}};
        float[] ab = choices[scalars];
        float alpha = ab[0], beta = ab[1];
        MatrixView a = random(r, m, k, (layouts & 1) != 0, pad, offset);
        MatrixView b = random(r, k, n, (layouts & 2) != 0, pad, offset);
        MatrixView c = random(r, m, n, (layouts & 4) != 0, pad, offset);
        if (beta == 0f && m > 0 && n > 0) {
            c.set(r.nextInt(m), r.nextInt(n), Float.NaN); // must not propagate when beta is 0
        }
        checkAgainstReference(impl, alpha, a, b, beta, c);
    }

    /** Runs sgemm and compares every element with a double triple loop, within the float32 summation bound. */
    static void checkAgainstReference(Implementation impl, float alpha, MatrixView a, MatrixView b, float beta,
                                      MatrixView c) {
        int m = c.rows(), n = c.cols(), k = a.cols();
        String layouts = a.layout() + "/" + b.layout() + "/" + c.layout();
        double[][] expected = new double[m][n];
        double[][] bound = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    sum += (double) a.get(i, p) * b.get(p, j);
                    abs += Math.abs((double) a.get(i, p) * b.get(p, j));
                }
                double old = beta == 0f ? 0 : beta * (double) c.get(i, j);
                expected[i][j] = alpha * sum + old;
                // float32 summation: each of k + 2 roundings adds at most 2^-24 of a partial sum
                bound[i][j] = (k + 3) * 0x1p-23 * (Math.abs(alpha) * abs + Math.abs(old)) + 1e-30;
            }
        }
        Gemm.create(impl, POOL).sgemm(alpha, a, b, beta, c);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double err = Math.abs(c.get(i, j) - expected[i][j]);
                if (!(err <= bound[i][j])) {
                    throw new AssertionError(impl + " " + m + "x" + k + " * " + k + "x" + n + " " + layouts
                            + ": C(" + i + ", " + j + ") = " + c.get(i, j) + ", expected " + expected[i][j] + " +- "
                            + bound[i][j]);
                }
            }
        }
    }

    /** A view with random entries in [-1, 1), row- or column-major, ld padded, at an element offset. */
    static MatrixView random(SplittableRandom r, int rows, int cols, boolean columnMajor, int pad, int offset) {
        long ld = (columnMajor ? Math.max(1, rows) : Math.max(1, cols)) + pad;
        long outer = columnMajor ? cols : rows;
        float[] data = new float[(int) (offset + Math.max(1, outer) * ld)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) r.nextDouble(-1, 1);
        }
        return new MatrixView(MemorySegment.ofArray(data), offset, rows, cols, ld,
                columnMajor ? MatrixView.Layout.COLUMN_MAJOR : MatrixView.Layout.ROW_MAJOR);
    }

    /** A column block of C wider than the 4096-column block of the vector kernel. */
    @Test
    void wideMatricesCrossTheColumnBlocks() {
        SplittableRandom r = new SplittableRandom(5);
        int m = 7, k = 3, n = 4099;
        MatrixView a = random(r, m, k, false, 0, 0), b = random(r, k, n, false, 0, 0);
        for (Implementation impl : implementations()) {
            MatrixView c = random(r, m, n, false, 0, 0);
            Gemm.create(impl, POOL).sgemm(2f, a, b, 0f, c);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        s += (double) a.get(i, p) * b.get(p, j);
                    }
                    assertTrue(Math.abs(c.get(i, j) - 2 * s) <= 1e-5, impl + " (" + i + ", " + j + ")");
                }
            }
        }
    }

    /** Inner dimensions across several 512-deep k-blocks, every layout, beta 0 and not. */
    @Test
    void longInnerDimensionsCrossTheKBlocks() {
        SplittableRandom r = new SplittableRandom(7);
        for (Implementation impl : implementations()) {
            for (int layouts = 0; layouts < 8; layouts++) {
                int m = 13, n = 37, k = 1100 + layouts;
                MatrixView a = random(r, m, k, (layouts & 1) != 0, 1, 2);
                MatrixView b = random(r, k, n, (layouts & 2) != 0, 0, 1);
                MatrixView c = random(r, m, n, (layouts & 4) != 0, 2, 0);
                checkAgainstReference(impl, 0.75f, a, b, layouts % 2 == 0 ? 0f : -1.25f, c);
            }
        }
    }

    /**
     * NaN, infinities, zeros and subnormals in A and B follow IEEE arithmetic as the double
     * reference does: a NaN or an Inf - Inf in a sum gives NaN, an infinity survives otherwise,
     * and the zero padding of partial tiles never reaches a stored element.
     */
    @Test
    void specialValuesPropagateAsInTheReference() {
        SplittableRandom r = new SplittableRandom(8);
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1e-40f, -1e-42f};
        for (Implementation impl : implementations()) {
            for (int layouts = 0; layouts < 8; layouts++) {
                int m = 19, n = 45, k = 23;
                MatrixView a = random(r, m, k, (layouts & 1) != 0, 0, 0);
                MatrixView b = random(r, k, n, (layouts & 2) != 0, 0, 0);
                MatrixView c = random(r, m, n, (layouts & 4) != 0, 0, 0);
                for (int t = 0; t < 6; t++) {
                    a.set(r.nextInt(m), r.nextInt(k), special[r.nextInt(special.length)]);
                    b.set(r.nextInt(k), r.nextInt(n), special[r.nextInt(special.length)]);
                }
                double[][] expected = new double[m][n];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int p = 0; p < k; p++) {
                            s += (double) a.get(i, p) * b.get(p, j);
                        }
                        expected[i][j] = s;
                    }
                }
                Gemm.create(impl, POOL).sgemm(1f, a, b, 0f, c);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double e = expected[i][j];
                        float got = c.get(i, j);
                        String where = impl + " layouts " + layouts + " (" + i + ", " + j + ")";
                        if (Double.isNaN(e) || Double.isInfinite(e)) {
                            assertTrue(Double.compare(e, got) == 0 || Double.isNaN(e) && Float.isNaN(got),
                                    where + ": " + got + ", expected " + e);
                        } else {
                            assertTrue(Math.abs(got - e) <= 1e-5, where + ": " + got + ", expected " + e);
                        }
                    }
                }
            }
        }
    }

    @Test
    void theSameBitsOnAnyThreadCount() {
        SplittableRandom r = new SplittableRandom(6);
        int m = 301, n = 203, k = 517; // several row blocks, k blocks and column panels, with edges
        MatrixView a = random(r, m, k, false, 1, 0), b = random(r, k, n, true, 0, 3);
        MatrixView c0 = random(r, m, n, false, 0, 0);
        float[] start = c0.data().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
        for (Implementation impl : implementations()) {
            float[] first = null;
            for (int threads : new int[] {1, 2, 3}) {
                float[] cData = start.clone();
                MatrixView c = new MatrixView(MemorySegment.ofArray(cData), 0, m, n, n, MatrixView.Layout.ROW_MAJOR);
                try (VelaPool pool = VelaPool.create(threads)) {
                    Gemm.create(impl, pool).sgemm(0.5f, a, b, 1f, c);
                }
                if (first == null) {
                    first = cData;
                } else {
                    assertArrayEquals(first, cData, impl + " on " + threads + " threads");
                }
            }
        }
    }

    @Property(tries = 80)
    void sgemvMatchesADoubleLoop(@ForAll("impls") Implementation impl, @ForAll("dims") int m, @ForAll("dims") int n,
                                 @ForAll boolean columnMajor, @ForAll @IntRange(min = 0, max = 4) int scalars,
                                 @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] choices = {{1f, 0f}, {1f, 1f}, {-0.5f, 2f}, {0f, 1f}, {1.5f, -1f}};
        float alpha = choices[scalars][0], beta = choices[scalars][1];
        MatrixView a = random(r, m, n, columnMajor, 1, 2);
        float[] x = new float[n + 3], y = new float[m + 1];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = beta == 0f && i == 0 ? Float.NaN : (float) r.nextDouble(-1, 1);
        }
        float[] before = y.clone();
        Gemm.create(impl, POOL).sgemv(alpha, a, MemorySegment.ofArray(x), 3, beta, MemorySegment.ofArray(y), 1);
        assertTrue(Float.isNaN(y[0]) == Float.isNaN(before[0]) && (Float.isNaN(y[0]) || y[0] == before[0]),
                "y before its offset untouched");
        for (int i = 0; i < m; i++) {
            double sum = 0, abs = 0;
            for (int j = 0; j < n; j++) {
                sum += (double) a.get(i, j) * x[3 + j];
                abs += Math.abs((double) a.get(i, j) * x[3 + j]);
            }
            double old = beta == 0f ? 0 : beta * (double) before[1 + i];
            double expected = alpha * sum + old;
            double bound = (n + 3) * 0x1p-23 * (Math.abs(alpha) * abs + Math.abs(old)) + 1e-30;
            assertTrue(Math.abs(y[1 + i] - expected) <= bound, impl + " row " + i + ": " + y[1 + i] + " vs " + expected);
        }
    }

    @Test
    void badOperandsAreNamedBeforeAnyWrite() {
        float[] cData = new float[12];
        MatrixView a = MatrixView.rowMajor(MemorySegment.ofArray(new float[6]), 3, 2);
        MatrixView b = MatrixView.rowMajor(MemorySegment.ofArray(new float[8]), 2, 4);
        MatrixView c = MatrixView.rowMajor(MemorySegment.ofArray(cData), 3, 4);
        Gemm g = Gemm.create(Implementation.SCALAR, POOL);
        var e = assertThrows(IllegalArgumentException.class, () -> g.sgemm(1f, a, a, 0f, c));
        assertTrue(e.getMessage().contains("a.cols() must equal b.rows()"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> g.sgemm(1f, a, b, 0f, MatrixView.rowMajor(MemorySegment.ofArray(new float[12]), 4, 3)));
        assertTrue(e.getMessage().startsWith("c must be 3 x 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> g.sgemm(1f, a, b, 0f,
                MatrixView.rowMajor(MemorySegment.ofArray(cData).asReadOnly(), 3, 4)));
        assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        MemorySegment shared = MemorySegment.ofArray(new float[40]);
        MatrixView aliasA = MatrixView.rowMajor(shared, 3, 2);
        MatrixView aliasC = new MatrixView(shared, 4, 3, 4, 4, MatrixView.Layout.ROW_MAJOR);
        e = assertThrows(IllegalArgumentException.class, () -> g.sgemm(1f, aliasA, b, 0f, aliasC));
        assertTrue(e.getMessage().startsWith("c and a overlap"), e.getMessage());
        assertThrows(NullPointerException.class, () -> g.sgemm(1f, null, b, 0f, c));
        assertArrayEquals(new float[12], cData, "nothing written");
    }
}
