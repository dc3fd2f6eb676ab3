package dev.vela.internal.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.vela.parallel.VelaPool;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The blocked sums every norm and projection rests on: for any thread count, {@link
 * KernelRunner#sums} is each block's partial (from zero) added left to right, and {@link
 * KernelRunner#rowSumsPlan} gives each row the sums {@code sums} would give it alone. The summed
 * values are chosen so that double addition in any other order, or a lost update, changes bits.
 */
class KernelRunnerTest {

    private static final int BLOCK = KernelRunner.REDUCTION_BLOCK;

    private static double x(long i) {
        return 1.0 / (i + 1) + 1e10 * ((i % 7) - 3);
    }

    /** The reference: blocks of BLOCK from {@code start}, each summed from zero, added in order. */
    private static double[] blockwise(long start, long n) {
        double[] out = new double[2];
        for (long b = 0; b < n; b += BLOCK) {
            double s = 0;
            long end = Math.min(n, b + BLOCK);
            for (long i = b; i < end; i++) {
                s += x(start + i);
            }
            out[0] += s;
            out[1] += end - b;
        }
        return out;
    }

    @Property(tries = 40)
    void sumsAreBlockPartialsAddedInOrder(@ForAll @IntRange(min = 0, max = 6 * BLOCK + 17) int n) {
        double[] expected = blockwise(0, n);
        for (int threads : new int[] {1, 2, 3}) {
            try (VelaPool pool = VelaPool.create(threads)) {
                double[] got = new KernelRunner(pool).sums(n, true, 2, (start, length, out) -> {
                    double s = 0;
                    for (long i = start; i < start + length; i++) {
                        s += x(i);
                    }
                    out[0] += s;
                    out[1] += length;
                });
                assertArrayEquals(expected, got, n + " elements, " + threads + " threads");
            }
        }
    }

    @Property(tries = 40)
    void eachRowGetsTheSumsItWouldGetAlone(@ForAll @IntRange(min = 1, max = 40) int rows,
                                           @ForAll @IntRange(min = 1, max = 3 * BLOCK + 5) int cols) {
        double[] expected = new double[2 * rows];
        for (int r = 0; r < rows; r++) {
            double[] one = blockwise((long) r * cols, cols);
            expected[2 * r] = one[0];
            expected[2 * r + 1] = one[1];
        }
        for (int threads : new int[] {1, 2, 3}) {
            try (VelaPool pool = VelaPool.create(threads)) {
                KernelRunner.RowSums plan = KernelRunner.rowSumsPlan(rows, cols, 2, (start, length, c, out, o) -> {
                    for (int piece = 0; piece < length / c; piece++) {
                        double s = 0;
                        for (long i = start + (long) piece * c; i < start + (long) (piece + 1) * c; i++) {
                            s += x(i);
                        }
                        out[o + 2 * piece] += s;
                        out[o + 2 * piece + 1] += c;
                    }
                });
                double[] got = new KernelRunner(pool).run(plan, true);
                assertArrayEquals(expected, got, rows + " rows of " + cols + ", " + threads + " threads");
            }
        }
    }
}
