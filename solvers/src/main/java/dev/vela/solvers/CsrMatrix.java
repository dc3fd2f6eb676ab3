package dev.vela.solvers;

import java.util.Arrays;

/**
 * An immutable float32 sparse matrix in compressed sparse row form: the non-zeros of row i are
 * {@code values[rowStart[i] .. rowStart[i+1])} in columns {@code columns[...]}, strictly
 * increasing within a row. The arrays are copied on construction.
 */
public final class CsrMatrix {

    private final int rows, cols;
    private final int[] rowStart, columns;
    private final float[] values;

    /**
     * @throws IllegalArgumentException naming the array and the position of the first
     *     inconsistency (sizes, non-monotone row starts, columns out of range or not increasing)
     */
    public CsrMatrix(int rows, int cols, int[] rowStart, int[] columns, float[] values) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("rows and cols must be >= 0, were " + rows + " x " + cols);
        }
        if (rowStart.length != rows + 1) {
            throw new IllegalArgumentException("rowStart.length must be rows + 1 = " + (rows + 1) + ", was " + rowStart.length);
        }
        if (columns.length != values.length) {
            throw new IllegalArgumentException("columns.length (" + columns.length + ") != values.length (" + values.length + ")");
        }
        if (rowStart[0] != 0 || rowStart[rows] != values.length) {
            throw new IllegalArgumentException("rowStart must run from 0 to values.length = " + values.length
                    + ", ran from " + rowStart[0] + " to " + rowStart[rows]);
        }
        for (int i = 0; i < rows; i++) {
            if (rowStart[i + 1] < rowStart[i]) {
                throw new IllegalArgumentException("rowStart decreases at row " + i + ": " + rowStart[i] + " > " + rowStart[i + 1]);
            }
            for (int k = rowStart[i]; k < rowStart[i + 1]; k++) {
                if (columns[k] < 0 || columns[k] >= cols) {
                    throw new IllegalArgumentException("columns[" + k + "] = " + columns[k] + " is outside [0, " + cols + ")");
                }
                if (k > rowStart[i] && columns[k] <= columns[k - 1]) {
                    throw new IllegalArgumentException("columns of row " + i + " must increase, columns[" + k + "] = " + columns[k]);
                }
            }
        }
        this.rows = rows;
        this.cols = cols;
        this.rowStart = rowStart.clone();
        this.columns = columns.clone();
        this.values = values.clone();
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Number of stored non-zeros. */
    public int nonZeros() {
        return values.length;
    }

    /** Element (i, j), 0 where nothing is stored. */
    public float get(int i, int j) {
        if (i < 0 || i >= rows || j < 0 || j >= cols) {
            throw new IndexOutOfBoundsException("(" + i + ", " + j + ") is outside a " + rows + " x " + cols + " matrix");
        }
        int k = Arrays.binarySearch(columns, rowStart[i], rowStart[i + 1], j);
        return k >= 0 ? values[k] : 0f;
    }

    /**
     * y = A x, each row's sum accumulated in double in column order (deterministic).
     *
     * @throws IllegalArgumentException if x.length != cols or y.length != rows
     */
    public void multiply(float[] x, float[] y) {
        if (x.length != cols) {
            throw new IllegalArgumentException("x.length must be cols = " + cols + ", was " + x.length);
        }
        if (y.length != rows) {
            throw new IllegalArgumentException("y.length must be rows = " + rows + ", was " + y.length);
        }
        if (x == y) {
            throw new IllegalArgumentException("x and y must be different arrays");
        }
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int k = rowStart[i]; k < rowStart[i + 1]; k++) {
                s += (double) values[k] * x[columns[k]];
            }
            y[i] = (float) s;
        }
    }
}
