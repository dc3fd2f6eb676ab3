package dev.vela.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class MatrixViewTest {

    @Property(tries = 200)
    void viewsAddressTheSameElementsAsAPlainIndexFormula(@ForAll @IntRange(min = 1, max = 9) int rows,
                                                         @ForAll @IntRange(min = 1, max = 9) int cols,
                                                         @ForAll @IntRange(min = 0, max = 5) int pad,
                                                         @ForAll @IntRange(min = 0, max = 7) int offset) {
        float[] a = new float[offset + rows * (cols + pad) + 1];
        MatrixView m = new MatrixView(MemorySegment.ofArray(a), offset, rows, cols, cols + pad, MatrixView.Layout.ROW_MAJOR);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m.set(i, j, i * 100 + j);
            }
        }
        MatrixView t = m.transposed();
        assertEquals(cols, t.rows());
        assertEquals(rows, t.cols());
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                assertEquals(i * 100 + j, a[offset + i * (cols + pad) + j]);
                assertEquals(m.get(i, j), t.get(j, i));
            }
        }
        MatrixView b = t.block(cols - 1, rows - 1, 1, 1);
        assertEquals(m.get(rows - 1, cols - 1), b.get(0, 0));
    }

    @Test
    void badShapesAreNamed() {
        MemorySegment s = MemorySegment.ofArray(new float[12]);
        assertEquals("ld must be >= 4 for a ROW_MAJOR 3 x 4 matrix, was 3",
                assertThrows(IllegalArgumentException.class,
                        () -> new MatrixView(s, 0, 3, 4, 3, MatrixView.Layout.ROW_MAJOR)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> MatrixView.rowMajor(s, 4, 4));
        assertThrows(IllegalArgumentException.class, () -> MatrixView.rowMajor(s, -1, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> MatrixView.rowMajor(s, 3, 4).get(3, 0));
        assertEquals(0, MatrixView.columnMajor(s, 0, 5).rows());
    }
}
