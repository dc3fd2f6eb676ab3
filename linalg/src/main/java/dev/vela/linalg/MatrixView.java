package dev.vela.linalg;

import dev.vela.memory.SegmentChecks;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A float32 matrix over a {@link MemorySegment}, without copying: {@code rows x cols} elements
 * starting at element {@code offset}, with leading dimension {@code ld} (the distance in
 * elements between consecutive rows of a row-major matrix, or columns of a column-major one).
 * {@link #transposed()} is a view of the same memory.
 *
 * @param data the memory
 * @param offset element offset of element (0, 0)
 * @param rows number of rows, {@code >= 0}
 * @param cols number of columns, {@code >= 0}
 * @param ld leading dimension, {@code >= max(1, cols)} row-major or {@code >= max(1, rows)} column-major
 * @param layout how elements are laid out
 */
public record MatrixView(MemorySegment data, long offset, int rows, int cols, long ld, Layout layout) {

    /** Element order in memory. */
    public enum Layout {
        /** Element (i, j) at offset + i * ld + j. */
        ROW_MAJOR,
        /** Element (i, j) at offset + j * ld + i. */
        COLUMN_MAJOR
    }

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /**
     * @throws IllegalArgumentException naming the field when a size is negative, ld is too small,
     *     or the segment does not hold the last element
     */
    public MatrixView {
        if (data == null) {
            throw new NullPointerException("data must not be null");
        }
        if (layout == null) {
            throw new NullPointerException("layout must not be null");
        }
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("rows and cols must be >= 0, were " + rows + " x " + cols);
        }
        long minLd = Math.max(1, layout == Layout.ROW_MAJOR ? cols : rows);
        if (ld < minLd) {
            throw new IllegalArgumentException("ld must be >= " + minLd + " for a " + layout + " " + rows + " x "
                    + cols + " matrix, was " + ld);
        }
        long outer = layout == Layout.ROW_MAJOR ? rows : cols;
        long inner = layout == Layout.ROW_MAJOR ? cols : rows;
        long span = rows == 0 || cols == 0 ? 0 : Math.addExact(Math.multiplyExact(outer - 1, ld), inner);
        SegmentChecks.checkRange("data", data, offset, span, Float.BYTES);
    }

    /** A dense row-major view: ld = cols. */
    public static MatrixView rowMajor(MemorySegment data, int rows, int cols) {
        return new MatrixView(data, 0, rows, cols, Math.max(1, cols), Layout.ROW_MAJOR);
    }

    /** A dense column-major view: ld = rows. */
    public static MatrixView columnMajor(MemorySegment data, int rows, int cols) {
        return new MatrixView(data, 0, rows, cols, Math.max(1, rows), Layout.COLUMN_MAJOR);
    }

    /** The transpose, over the same memory. */
    public MatrixView transposed() {
        return new MatrixView(data, offset, cols, rows, ld,
                layout == Layout.ROW_MAJOR ? Layout.COLUMN_MAJOR : Layout.ROW_MAJOR);
    }

    /** Element offset of (i, j) in {@link #data()}. */
    public long index(int i, int j) {
        if (i < 0 || i >= rows || j < 0 || j >= cols) {
            throw new IndexOutOfBoundsException("(" + i + ", " + j + ") is outside a " + rows + " x " + cols + " matrix");
        }
        return layout == Layout.ROW_MAJOR ? offset + i * ld + j : offset + j * ld + i;
    }

    /** Element (i, j). */
    public float get(int i, int j) {
        return data.getAtIndex(F, index(i, j));
    }

    /** Sets element (i, j). */
    public void set(int i, int j, float value) {
        data.setAtIndex(F, index(i, j), value);
    }

    /** A view of the block of {@code r x c} elements whose top-left corner is (i, j). */
    public MatrixView block(int i, int j, int r, int c) {
        if (i < 0 || j < 0 || r < 0 || c < 0 || i + r > rows || j + c > cols) {
            throw new IndexOutOfBoundsException("block (" + i + ", " + j + ") of " + r + " x " + c
                    + " is outside a " + rows + " x " + cols + " matrix");
        }
        long start = layout == Layout.ROW_MAJOR ? offset + i * ld + j : offset + j * ld + i;
        return new MatrixView(data, start, r, c, ld, layout);
    }
}
