package dev.vela.internal.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The lane sum every per-call and per-row reduction of the Vector kernels ends in: it must be the
 * documented fixed tree (so that results depend on neither the JIT's mood nor the thread count),
 * whatever instructions implement it.
 */
class FloatSegmentsTest {

    private static final int L = VectorShapes.FLOAT.length();

    /** Lane i + L/2 added to lane i in double, then the halves of that, down to one. */
    private static double tree(float[] x) {
        int half = L / 2;
        double[] s = new double[half];
        for (int i = 0; i < half; i++) {
            s[i] = (double) x[i] + (double) x[i + half];
        }
        for (int k = half / 2; k >= 1; k >>= 1) {
            for (int i = 0; i < k; i++) {
                s[i] += s[i + k];
            }
        }
        return s[0];
    }

    private static float value(SplittableRandom r) {
        return switch (r.nextInt(12)) {
            case 0 -> 0f;
            case 1 -> -0f;
            case 2 -> Float.MIN_VALUE * r.nextInt(1, 100);
            case 3 -> Float.MAX_VALUE;
            case 4 -> -Float.MAX_VALUE;
            case 5 -> r.nextInt(40) == 0 ? Float.NaN : 1f;
            case 6 -> r.nextInt(40) == 0 ? Float.POSITIVE_INFINITY : -1f;
            default -> (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-20, 20)));
        };
    }

    @Property(tries = 300)
    void lanesAreSummedInTheDocumentedTree(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[L];
        for (int i = 0; i < L; i++) {
            x[i] = value(r);
        }
        // many calls, so that the compiled code is checked as well as the interpreted one
        for (int call = 0; call < 50; call++) {
            assertEquals(tree(x), FloatSegments.sumLanes(FloatVector.fromArray(VectorShapes.FLOAT, x, 0)),
                    () -> java.util.Arrays.toString(x));
        }
    }
}
