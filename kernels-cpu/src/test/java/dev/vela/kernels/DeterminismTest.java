package dev.vela.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Same inputs give the same bits for 1, 2, 3 and 8 threads, for every implementation. */
class DeterminismTest {

    private static final int[] THREADS = {1, 2, 3, 8};
    private static final int N = 1_000_003;

    private static List<Double> reductions(FloatKernels k, float[] x, float[] y) {
        List<Double> r = new ArrayList<>();
        r.add(k.dot(x, y));
        r.add(k.sum(x));
        r.add(k.norm2(x));
        r.add((double) k.maxAbs(x));
        r.add((double) k.countNonFinite(x));
        return r;
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void reductionsAndElementwiseAreBitIdenticalForAnyThreadCount(Implementation impl) {
        if (impl == Implementation.VECTOR && !Capabilities.current().vectorAvailable()) {
            return; // ActiveImplementationTest fails the run where the vector path was expected
        }
        float[] x = TestSupport.data(N, 11, 0.0), y = TestSupport.data(N, 12, 0.0);
        List<Double> first = null;
        float[] firstAxpby = null;
        for (int t : THREADS) {
            try (VelaPool pool = VelaPool.create(t)) {
                FloatKernels k = FloatKernels.create(impl, pool);
                List<Double> r = reductions(k, x, y);
                float[] z = y.clone();
                k.axpby(0.7f, x, -1.3f, z);
                // also through an off-heap segment, which takes the segment loops
                MemorySegment xs = java.lang.foreign.Arena.ofAuto().allocate((long) N * 4, 64);
                MemorySegment.copy(x, 0, xs, java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, N);
                r.add(k.sum(N, xs, 0));
                if (first == null) {
                    first = r;
                    firstAxpby = z;
                } else {
                    for (int i = 0; i < r.size(); i++) {
                        assertEquals(Double.doubleToLongBits(first.get(i)), Double.doubleToLongBits(r.get(i)),
                                "reduction " + i + " differs with " + t + " threads");
                    }
                    org.junit.jupiter.api.Assertions.assertArrayEquals(firstAxpby, z, "axpby with " + t + " threads");
                }
            }
        }
        // The array and segment loops of one implementation also agree on the blocked sum.
        assertEquals(first.get(1), first.get(first.size() - 1));
    }
}
