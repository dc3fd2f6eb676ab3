package dev.vela.nativeref;

import static dev.vela.memory.SegmentChecks.checkCount;
import static dev.vela.memory.SegmentChecks.checkRange;
import static dev.vela.memory.SegmentChecks.checkWritableRange;

import java.io.IOException;
import java.io.InputStream;
import dev.vela.optim.AdamParams;
import dev.vela.optim.LionParams;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The C reference kernels ({@code native/src/main/c}: STREAM, axpy, dot, AdamW, Lion), built by gcc with
 * {@code -O3 -march=native -fno-math-errno -fopenmp} into the jar, called through FFM.
 *
 * <p>The library is found, in this order, at {@code -Dvela.native.library=/path/libvelaref.so},
 * or extracted from the jar into a fresh directory with owner-only permissions (under
 * {@code -Dvela.native.dir} if set, else the temp directory) after its SHA-256 has been checked
 * against the one recorded at build time. Anything missing (no gcc at build time, another
 * platform, native access denied) makes {@link #isAvailable()} false with a
 * {@linkplain #unavailableReason() reason}; nothing here throws on load.
 *
 * <p>All kernels take off-heap segments (C cannot see the Java heap) and element counts; the
 * OpenMP thread count is set with {@link #setThreads(int)}.
 */
// Restricted FFM calls are this module's purpose (DESIGN principle 11); users enable them
// with --enable-native-access, as the module documentation says.
@SuppressWarnings("restricted")
public final class CReference {

    private static final String LIB = "libvelaref.so";
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    private final MethodHandle setThreads, maxThreads, streamCopy, streamTriad, axpy, dot, adamW, lion;
    private final Path libraryPath;

    private static final class Holder {
        static final Object LOADED = load();
    }

    private CReference(SymbolLookup lookup, Path libraryPath) {
        this.libraryPath = libraryPath;
        Linker linker = Linker.nativeLinker();
        setThreads = bind(linker, lookup, "vela_set_threads", FunctionDescriptor.ofVoid(I32));
        maxThreads = bind(linker, lookup, "vela_max_threads", FunctionDescriptor.of(I32));
        streamCopy = bind(linker, lookup, "vela_stream_copy", FunctionDescriptor.ofVoid(I64, PTR, PTR));
        streamTriad = bind(linker, lookup, "vela_stream_triad", FunctionDescriptor.ofVoid(I64, F32, PTR, PTR, PTR));
        axpy = bind(linker, lookup, "vela_axpy", FunctionDescriptor.ofVoid(I64, F32, PTR, PTR));
        dot = bind(linker, lookup, "vela_dot", FunctionDescriptor.of(F32, I64, PTR, PTR));
        adamW = bind(linker, lookup, "vela_adamw", FunctionDescriptor.ofVoid(I64, PTR, PTR, PTR, PTR,
                F32, F32, F32, F32, F32, F32, F32, F32));
        lion = bind(linker, lookup, "vela_lion", FunctionDescriptor.ofVoid(I64, PTR, PTR, PTR, F32, F32, F32, F32, F32, F32));
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor d) {
        MemorySegment symbol = lookup.find(name)
                .orElseThrow(() -> new IllegalStateException("symbol " + name + " missing from " + LIB));
        return linker.downcallHandle(symbol, d);
    }

    /** Whether the C library loaded. */
    public static boolean isAvailable() {
        return Holder.LOADED instanceof CReference;
    }

    /** Why the C library is unavailable, or an empty string when it is available. */
    public static String unavailableReason() {
        return Holder.LOADED instanceof String reason ? reason : "";
    }

    /**
     * The loaded library.
     *
     * @throws IllegalStateException with the reason when it is unavailable
     */
    public static CReference get() {
        if (Holder.LOADED instanceof CReference c) {
            return c;
        }
        throw new IllegalStateException("the C reference library is unavailable: " + Holder.LOADED);
    }

    /** Where the library was loaded from. */
    public Path libraryPath() {
        return libraryPath;
    }

    /** The gcc command line and version the library was built with, or "unknown". */
    public static String buildFlags() {
        String text = resourceText("build-flags.txt");
        return text == null ? "unknown" : text.strip().replace('\n', ' ');
    }

    private static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return (os.contains("linux") ? "linux" : os.replace(' ', '_')) + "-" + (arch.equals("amd64") ? "x86_64" : arch);
    }

    private static String resourcePath(String file) {
        return "/dev/vela/nativeref/" + platform() + "/" + file;
    }

    private static String resourceText(String file) {
        try (InputStream in = CReference.class.getResourceAsStream(resourcePath(file))) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    private static Object load() {
        try {
            Path path;
            String explicit = System.getProperty("vela.native.library");
            if (explicit != null && !explicit.isBlank()) {
                path = Path.of(explicit);
                if (!Files.isReadable(path)) {
                    return "-Dvela.native.library=" + explicit + " is not a readable file";
                }
            } else {
                String expected = resourceText(LIB + ".sha256");
                if (expected == null) {
                    String why = resourceText("UNAVAILABLE");
                    return why != null ? why.strip()
                            : "no C reference library was built for " + platform() + " (" + resourcePath(LIB) + " missing)";
                }
                path = extract(expected.strip());
            }
            SymbolLookup lookup = SymbolLookup.libraryLookup(path, Arena.global());
            return new CReference(lookup, path);
        } catch (IllegalCallerException e) {
            return "native access is not enabled: add --enable-native-access=dev.vela.nativeref "
                    + "(or ALL-UNNAMED on the class path) to the java command line";
        } catch (IOException | RuntimeException | LinkageError e) {
            return "the C reference library failed to load: " + e;
        }
    }

    private static Path extract(String expectedSha256) throws IOException {
        String base = System.getProperty("vela.native.dir");
        Path parent = base == null || base.isBlank() ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(base);
        Files.createDirectories(parent);
        Path dir = Files.createTempDirectory(parent, "vela-native-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path file = dir.resolve(LIB);
        try (InputStream in = CReference.class.getResourceAsStream(resourcePath(LIB))) {
            if (in == null) {
                throw new IOException(resourcePath(LIB) + " missing from the jar");
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        String actual = sha256(file);
        if (!actual.equals(expectedSha256)) {
            Files.deleteIfExists(file);
            throw new IOException("checksum mismatch for the extracted " + LIB + ": expected " + expectedSha256
                    + ", got " + actual);
        }
        file.toFile().deleteOnExit();
        dir.toFile().deleteOnExit();
        return file;
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- kernels --------------------------------------------------------------------------

    /**
     * Sets the number of OpenMP threads for later calls.
     *
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        try {
            setThreads.invokeExact(threads);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** OpenMP's current maximum thread count. */
    public int maxThreads() {
        try {
            return (int) maxThreads.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** STREAM copy: c[i] = a[i] for n floats. */
    public void streamCopy(long n, MemorySegment a, MemorySegment c) {
        checkCount("n", n);
        checkNative("a", a, n, false);
        checkNative("c", c, n, true);
        try {
            streamCopy.invokeExact(n, a, c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** STREAM triad: a[i] = b[i] + q * c[i] for n floats. */
    public void streamTriad(long n, float q, MemorySegment b, MemorySegment c, MemorySegment a) {
        checkCount("n", n);
        checkNative("b", b, n, false);
        checkNative("c", c, n, false);
        checkNative("a", a, n, true);
        try {
            streamTriad.invokeExact(n, q, b, c, a);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** y[i] = alpha * x[i] + y[i] for n floats. */
    public void axpy(long n, float alpha, MemorySegment x, MemorySegment y) {
        checkCount("n", n);
        checkNative("x", x, n, false);
        checkNative("y", y, n, true);
        try {
            axpy.invokeExact(n, alpha, x, y);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sum of x[i] * y[i] over n floats, accumulated in float. */
    public float dot(long n, MemorySegment x, MemorySegment y) {
        checkCount("n", n);
        checkNative("x", x, n, false);
        checkNative("y", y, n, false);
        try {
            return (float) dot.invokeExact(n, x, y);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * One AdamW step (PyTorch semantics, maximize ignored) over n floats, the same per-step
     * scalars as {@link dev.vela.optim.FusedUpdates#adam}.
     *
     * @throws IllegalArgumentException unless h has decoupled decay and no amsgrad (the C loop is AdamW's)
     */
    public void adamW(AdamParams h, long step, long n, MemorySegment p, MemorySegment g, MemorySegment m, MemorySegment v) {
        if (!h.decoupled() || h.amsgrad()) {
            throw new IllegalArgumentException("the C reference implements AdamW only (decoupled decay, no amsgrad), "
                    + "was decoupled " + h.decoupled() + ", amsgrad " + h.amsgrad());
        }
        checkCount("n", n);
        checkNative("p", p, n, true);
        checkNative("g", g, n, false);
        checkNative("m", m, n, true);
        checkNative("v", v, n, true);
        try {
            adamW.invokeExact(n, p, g, m, v, (float) h.decayFactor(), (float) h.beta1(), (float) (1 - h.beta1()),
                    (float) h.beta2(), (float) (1 - h.beta2()), (float) h.stepSize(step), (float) h.invSqrtBias2(step),
                    (float) h.eps());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** One Lion step (maximize ignored; sign(NaN) is 0 in C) over n floats. */
    public void lion(LionParams h, long n, MemorySegment p, MemorySegment g, MemorySegment m) {
        checkCount("n", n);
        checkNative("p", p, n, true);
        checkNative("g", g, n, false);
        checkNative("m", m, n, true);
        try {
            lion.invokeExact(n, p, g, m, (float) h.decayFactor(), (float) h.lr(), (float) h.beta1(),
                    (float) (1 - h.beta1()), (float) h.beta2(), (float) (1 - h.beta2()));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void checkNative(String name, MemorySegment s, long n, boolean written) {
        if (written) {
            checkWritableRange(name, s, 0, n, Float.BYTES);
        } else {
            checkRange(name, s, 0, n, Float.BYTES);
        }
        if (!s.isNative()) {
            throw new IllegalArgumentException(name + " must be an off-heap segment: C cannot read the Java heap");
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
