package dev.vela.linalg;

import java.util.Arrays;

/**
 * The column-row pairs a sampled product keeps: {@code X * Y} (inner dimension m) is estimated
 * by {@code sum_t scale[t] * X[:, index[t]] * Y[index[t], :]}. Indices are distinct and
 * ascending (a pair drawn several times appears once, its scales summed), so a training
 * framework can store just the selected rows of an operand, pre-multiplied by their scales
 * ({@link SampledMatmul#gatherScaledRows}), and form the product later.
 *
 * @param innerSize m, the inner dimension sampled from
 * @param index the kept inner indices, ascending, distinct
 * @param scale each kept pair's weight: 1 for a pair kept deterministically, otherwise the
 *     importance weight that makes the estimate unbiased
 * @param deterministic how many pairs were kept deterministically (WTA-CRS's winners; all of
 *     them with the full budget; 0 for CRS)
 * @param probability the sampling probability p_i of every inner index (proportional to
 *     ‖X[:, i]‖·‖Y[i, :]‖), for diagnostics and variance estimates
 */
public record ColumnRowSample(int innerSize, int[] index, float[] scale, int deterministic, double[] probability) {

    /** @throws IllegalArgumentException when the arrays disagree in length or an index is out of range or out of order */
    public ColumnRowSample {
        if (index.length != scale.length) {
            throw new IllegalArgumentException("index and scale must have one entry per pair, were " + index.length
                    + " and " + scale.length);
        }
        if (probability.length != innerSize) {
            throw new IllegalArgumentException("probability must have innerSize = " + innerSize + " entries, had "
                    + probability.length);
        }
        for (int t = 0; t < index.length; t++) {
            if (index[t] < 0 || index[t] >= innerSize || t > 0 && index[t] <= index[t - 1]) {
                throw new IllegalArgumentException("index must be ascending, distinct and in [0, " + innerSize
                        + "): index[" + t + "] = " + index[t]);
            }
        }
        index = index.clone();
        scale = scale.clone();
        probability = probability.clone();
    }

    /** The t-th kept index (no copy). */
    int indexAt(int t) {
        return index[t];
    }

    /** The t-th kept pair's weight (no copy). */
    float scaleAt(int t) {
        return scale[t];
    }

    /** Number of kept pairs. */
    public int size() {
        return index.length;
    }

    @Override
    public int[] index() {
        return index.clone();
    }

    @Override
    public float[] scale() {
        return scale.clone();
    }

    @Override
    public double[] probability() {
        return probability.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ColumnRowSample s && innerSize == s.innerSize && deterministic == s.deterministic
                && Arrays.equals(index, s.index) && Arrays.equals(scale, s.scale)
                && Arrays.equals(probability, s.probability);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(index) + Arrays.hashCode(scale)) + innerSize;
    }

    @Override
    public String toString() {
        return "ColumnRowSample[" + index.length + " of " + innerSize + " pairs, " + deterministic + " deterministic]";
    }
}
