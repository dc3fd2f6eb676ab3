package dev.vela.optim;

import dev.vela.memory.SegmentChecks;
import java.lang.foreign.MemorySegment;

/**
 * One parameter tensor an {@link Optimizer} updates: its values and its gradient, as float32
 * ranges of equal length, and how many rows it has in dimension 0 (AdamP and SGDP test and
 * project per row; 1 for a vector or where rows do not matter). The name keys the tensor's state
 * in checkpoints.
 *
 * @param name unique within an optimizer, not empty
 * @param values the parameters, updated in place by each step
 * @param valuesOffset element offset of the first parameter
 * @param grads the gradients, read by each step (the caller writes them between steps)
 * @param gradsOffset element offset of the first gradient
 * @param length the number of elements
 * @param rows >= 1, dividing length
 */
public record Param(String name, MemorySegment values, long valuesOffset, MemorySegment grads, long gradsOffset,
                    long length, long rows) {

    /** @throws IllegalArgumentException naming the first invalid argument and its value */
    public Param {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name must not be null or empty, was " + name);
        }
        SegmentChecks.checkCount("length", length);
        SegmentChecks.checkWritableRange("values", values, valuesOffset, length, Float.BYTES);
        SegmentChecks.checkRange("grads", grads, gradsOffset, length, Float.BYTES);
        Projection.checkRows(rows, length);
    }

    /** Whole arrays of equal length, one row. */
    public static Param of(String name, float[] values, float[] grads) {
        return of(name, values, grads, 1);
    }

    /** Whole arrays of equal length holding a tensor of {@code rows} rows. */
    public static Param of(String name, float[] values, float[] grads, long rows) {
        SegmentChecks.checkSameLength("values", values.length, "grads", grads.length);
        return new Param(name, MemorySegment.ofArray(values), 0, MemorySegment.ofArray(grads), 0, values.length, rows);
    }

    /** Segments from offset 0, one row. */
    public static Param of(String name, MemorySegment values, MemorySegment grads, long length) {
        return new Param(name, values, 0, grads, 0, length, 1);
    }
}
