package dev.vela.bench;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * OpenBLAS, the GEMM anchor, called through FFM: the shared libraries of the
 * {@code org.bytedeco:openblas} linux-x86_64 artifact (on the benchmark class path) are copied
 * to a temporary directory and loaded, dependencies first (libopenblas finds them by its
 * {@code $ORIGIN} run path). OpenBLAS picks its kernel for the CPU at load time unless
 * {@code OPENBLAS_CORETYPE} forces one: {@code ./vela bench} unsets it (see BENCHMARKING.md),
 * and {@link #coreName()} reports what was picked.
 */
final class OpenBlas {

    static final int ROW_MAJOR = 101;
    static final int NO_TRANS = 111;
    private static final String DIR = "org/bytedeco/openblas/linux-x86_64/";
    private static final String[] LIBRARIES = {"libgcc_s.so.1", "libquadmath.so.0", "libgfortran.so.5",
        "libopenblas.so.0"};

    private static final class Holder {
        static final OpenBlas INSTANCE = load();
    }

    private final MethodHandle sgemm;
    private final MethodHandle setThreads;
    private final String coreName;

    private OpenBlas(MethodHandle sgemm, MethodHandle setThreads, String coreName) {
        this.sgemm = sgemm;
        this.setThreads = setThreads;
        this.coreName = coreName;
    }

    /** The loaded library; fails with the reason when it cannot be loaded here. */
    static OpenBlas get() {
        return Holder.INSTANCE;
    }

    private static OpenBlas load() {
        try {
            Path dir = Files.createTempDirectory("vela-openblas");
            SymbolLookup lookup = null;
            for (String name : LIBRARIES) {
                Path target = dir.resolve(name);
                try (InputStream in = OpenBlas.class.getClassLoader().getResourceAsStream(DIR + name)) {
                    if (in == null) {
                        throw new IllegalStateException("OpenBLAS: " + DIR + name + " is not on the class path "
                                + "(org.bytedeco:openblas:linux-x86_64)");
                    }
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
                target.toFile().deleteOnExit();
                lookup = SymbolLookup.libraryLookup(target, Arena.global());
            }
            dir.toFile().deleteOnExit();
            Linker linker = Linker.nativeLinker();
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
            ValueLayout p = ValueLayout.ADDRESS;
            MethodHandle sgemm = linker.downcallHandle(lookup.findOrThrow("cblas_sgemm"),
                    FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, p, i, p, i, f, p, i));
            MethodHandle threads = linker.downcallHandle(lookup.findOrThrow("openblas_set_num_threads"),
                    FunctionDescriptor.ofVoid(i));
            MethodHandle core = linker.downcallHandle(lookup.findOrThrow("openblas_get_corename"),
                    FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(
                            java.lang.foreign.MemoryLayout.sequenceLayout(64, ValueLayout.JAVA_BYTE))));
            String name = ((MemorySegment) core.invokeExact()).getString(0);
            return new OpenBlas(sgemm, threads, name);
        } catch (IOException e) {
            throw new IllegalStateException("OpenBLAS could not be copied out of its jar: " + e, e);
        } catch (Throwable t) {
            throw new IllegalStateException("OpenBLAS could not be loaded: " + t, t);
        }
    }

    /** The kernel OpenBLAS chose for this CPU, e.g. {@code SkylakeX} or {@code Zen}. */
    String coreName() {
        return coreName;
    }

    void setThreads(int threads) {
        try {
            setThreads.invokeExact(threads);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** C = alpha * A * B + beta * C, all row-major and dense (lda = k, ldb = n, ldc = n). */
    void sgemm(int m, int n, int k, float alpha, MemorySegment a, MemorySegment b, float beta, MemorySegment c) {
        try {
            sgemm.invokeExact(ROW_MAJOR, NO_TRANS, NO_TRANS, m, n, k, alpha, a, k, b, n, beta, c, n);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
