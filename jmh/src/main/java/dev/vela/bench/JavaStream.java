package dev.vela.bench;

import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * STREAM copy and triad written directly with the Vector API over off-heap segments, split
 * over a {@link VelaPool} in the same chunks the kernels use: the Java bandwidth anchor. Each
 * chunk is sliced and indexed with an int counter, the loop form C2 optimises best.
 */
final class JavaStream {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final long GRAIN = 1 << 15;

    private JavaStream() {
    }

    static void copy(VelaPool pool, long n, MemorySegment a, MemorySegment c) {
        pool.parallelFor(n, GRAIN, (s, e) -> {
            int m = (int) (e - s);
            MemorySegment as = a.asSlice(s * 4, m * 4L), cs = c.asSlice(s * 4, m * 4L);
            int i = 0;
            for (int b = m - m % L; i < b; i += L) {
                FloatVector.fromMemorySegment(S, as, i * 4L, NO).intoMemorySegment(cs, i * 4L, NO);
            }
            for (; i < m; i++) {
                cs.setAtIndex(F, i, as.getAtIndex(F, i));
            }
        });
    }

    static void triad(VelaPool pool, long n, float q, MemorySegment b, MemorySegment c, MemorySegment a) {
        pool.parallelFor(n, GRAIN, (s, e) -> {
            int m = (int) (e - s);
            MemorySegment as = a.asSlice(s * 4, m * 4L), bs = b.asSlice(s * 4, m * 4L), cs = c.asSlice(s * 4, m * 4L);
            FloatVector vq = FloatVector.broadcast(S, q);
            int i = 0;
            for (int bound = m - m % L; i < bound; i += L) {
                FloatVector.fromMemorySegment(S, cs, i * 4L, NO)
                        .fma(vq, FloatVector.fromMemorySegment(S, bs, i * 4L, NO))
                        .intoMemorySegment(as, i * 4L, NO);
            }
            for (; i < m; i++) {
                as.setAtIndex(F, i, Math.fma(q, cs.getAtIndex(F, i), bs.getAtIndex(F, i)));
            }
        });
    }
}
