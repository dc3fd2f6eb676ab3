package dev.vela.bench;

import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * STREAM copy and triad written directly with the Vector API over off-heap segments, split
 * over a {@link VelaPool} in the same chunks the kernels use: the Java bandwidth anchor.
 */
final class JavaStream {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final long GRAIN = 1 << 15;

    private JavaStream() {
    }

    static void copy(VelaPool pool, long n, MemorySegment a, MemorySegment c) {
        pool.parallelFor(n, GRAIN, (s, e) -> {
            long i = s;
            for (long b = e - (e - s) % L; i < b; i += L) {
                FloatVector.fromMemorySegment(S, a, i * 4, NO).intoMemorySegment(c, i * 4, NO);
            }
            for (; i < e; i++) {
                c.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, a.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i));
            }
        });
    }

    static void triad(VelaPool pool, long n, float q, MemorySegment b, MemorySegment c, MemorySegment a) {
        pool.parallelFor(n, GRAIN, (s, e) -> {
            FloatVector vq = FloatVector.broadcast(S, q);
            long i = s;
            for (long bound = e - (e - s) % L; i < bound; i += L) {
                FloatVector.fromMemorySegment(S, c, i * 4, NO)
                        .fma(vq, FloatVector.fromMemorySegment(S, b, i * 4, NO))
                        .intoMemorySegment(a, i * 4, NO);
            }
            for (; i < e; i++) {
                float bi = b.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
                float ci = c.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
                a.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, Math.fma(q, ci, bi));
            }
        });
    }
}
