package dev.vela.bench;

import dev.vela.kernels.FloatKernels;
import dev.vela.kernels.Implementation;
import dev.vela.memory.Memory;
import dev.vela.nativeref.CReference;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;

/** Helpers shared by the benchmark states. */
final class BenchSupport {

    /** System property the forks read: "huge" or "normal". */
    static final String PAGES_PROPERTY = "vela.bench.pages";

    private BenchSupport() {
    }

    /** Validates a --pages value. */
    static String pages(String value) {
        if (!value.equals("huge") && !value.equals("normal")) {
            throw new IllegalArgumentException("--pages must be huge or normal, was " + value);
        }
        return value;
    }

    /**
     * The arena for a benchmark's buffers: {@link Memory#hugePageArena()} unless the run asked for
     * normal pages, so the kernels, the C reference and the STREAM anchors read and write the
     * same kind of memory in a run.
     */
    static Arena arena() {
        return pages(System.getProperty(PAGES_PROPERTY, "huge")).equals("huge") ? Memory.hugePageArena()
                : Arena.ofShared();
    }

    /** "1" or "all" (one per available processor). */
    static int threads(String param) {
        return param.equals("all") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(param);
    }

    /** The implementation a benchmark demands; fails the fork when it is unavailable. */
    static FloatKernels kernels(String impl, VelaPool pool) {
        return FloatKernels.create(Implementation.valueOf(impl.toUpperCase(Locale.ROOT)), pool);
    }

    /** The C library with its OpenMP thread count set, or null where it is unavailable. */
    static CReference c(int threads) {
        if (!CReference.isAvailable()) {
            return null;
        }
        CReference c = CReference.get();
        c.setThreads(threads);
        return c;
    }

    /** A 64-byte aligned off-heap segment of n floats, filled with lo + (i % 1024) * step. */
    static MemorySegment floats(Arena arena, long n, float lo, float step) {
        MemorySegment s = arena.allocate(n * Float.BYTES, 64);
        float[] pattern = new float[1024];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = lo + i * step;
        }
        MemorySegment p = MemorySegment.ofArray(pattern);
        for (long i = 0; i < n; i += pattern.length) {
            long len = Math.min(pattern.length, n - i);
            MemorySegment.copy(p, 0, s, i * Float.BYTES, len * Float.BYTES);
        }
        return s;
    }
}
