package dev.vela.solvers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class CsrMatrixTest {

    @Property(tries = 200)
    void multiplyMatchesTheDenseProduct(@ForAll @IntRange(min = 0, max = 30) int rows,
                                        @ForAll @IntRange(min = 1, max = 30) int cols,
                                        @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] dense = new float[rows][cols];
        int[] rowStart = new int[rows + 1];
        List<Integer> columns = new ArrayList<>();
        List<Float> values = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                if (r.nextDouble() < 0.3) {
                    dense[i][j] = (float) r.nextDouble(-1, 1);
                    columns.add(j);
                    values.add(dense[i][j]);
                }
            }
            rowStart[i + 1] = values.size();
        }
        float[] v = new float[values.size()];
        for (int k = 0; k < v.length; k++) {
            v[k] = values.get(k);
        }
        CsrMatrix a = new CsrMatrix(rows, cols, rowStart, columns.stream().mapToInt(Integer::intValue).toArray(), v);
        float[] x = new float[cols];
        for (int j = 0; j < cols; j++) {
            x[j] = (float) r.nextDouble(-1, 1);
        }
        float[] y = new float[rows];
        a.multiply(x, y);
        for (int i = 0; i < rows; i++) {
            double ref = 0;
            for (int j = 0; j < cols; j++) {
                ref += (double) dense[i][j] * x[j];
                assertEquals(dense[i][j], a.get(i, j));
            }
            assertEquals((float) ref, y[i]);
        }
    }

    @Test
    void inconsistentArraysAreNamed() {
        assertEquals("columns[1] = 5 is outside [0, 3)", assertThrows(IllegalArgumentException.class,
                () -> new CsrMatrix(2, 3, new int[] {0, 1, 2}, new int[] {0, 5}, new float[2])).getMessage());
        assertEquals("rowStart decreases at row 1: 2 > 1", assertThrows(IllegalArgumentException.class,
                () -> new CsrMatrix(3, 3, new int[] {0, 2, 1, 2}, new int[] {0, 1}, new float[2])).getMessage());
        assertEquals("rowStart.length must be rows + 1 = 3, was 2", assertThrows(IllegalArgumentException.class,
                () -> new CsrMatrix(2, 3, new int[] {0, 2}, new int[] {0, 1}, new float[2])).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new CsrMatrix(1, 3, new int[] {0, 2}, new int[] {1, 1}, new float[2]));
        CsrMatrix a = new CsrMatrix(1, 2, new int[] {0, 1}, new int[] {1}, new float[] {2f});
        assertThrows(IllegalArgumentException.class, () -> a.multiply(new float[3], new float[1]));
    }
}
