package dev.vela.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A shared arena whose memory comes from anonymous mappings aligned to 2 MiB and advised for
 * transparent huge pages (Linux {@code madvise(MADV_HUGEPAGE)}). Streaming kernels gain from it
 * out of cache: one TLB entry covers 2 MiB instead of 4 KiB, and the hardware prefetchers, which
 * stop at 4 KiB page boundaries, run on. Measured here (one thread, 64M floats; docs/BENCHMARKS.md,
 * "Sixth session"): AdamW 8% to 10% faster, SGDP 17% to 23%.
 *
 * <p>Allocations are carved one after another from mappings of at least 2 MiB (a larger request
 * gets a mapping of its own, rounded up to 2 MiB), so many small buffers share huge pages and
 * the memory beyond what was asked is below 2 MiB per mapping. Mappings are never reused or
 * freed before {@link #close}, which invalidates every segment and then unmaps them all. Fresh
 * anonymous mappings read as zeros, as {@link Arena#allocate} promises.
 */
@SuppressWarnings("restricted") // mmap, madvise and munmap, used only once native access is known to be enabled
final class HugePageArena implements Arena {

    /** The huge page size on x86-64 and on aarch64 with 4 KiB base pages. */
    static final long HUGE_PAGE = 2L << 20;

    private final Arena scope = Arena.ofShared();
    /** The free part of the mapping that allocations are carved from: [next, end). */
    private long next;
    private long end;

    private HugePageArena() {
    }

    /** A new huge-page arena, or null with {@link #status()} saying why there is none. */
    static @Nullable Arena createOrNull() {
        return Support.REASON == null ? new HugePageArena() : null;
    }

    /** Why huge-page arenas are not available here, or null if they are. */
    static @Nullable String unavailableReason() {
        return Support.REASON;
    }

    /** One line on whether and how this arena gets huge pages here. */
    static String status() {
        return Support.REASON == null ? "transparent huge pages advised for Vela's arenas (" + Support.MODE + ")"
                : "normal pages: " + Support.REASON;
    }

    @Override
    public synchronized MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("byteSize must be >= 0, was " + byteSize);
        }
        if (byteAlignment <= 0 || Long.bitCount(byteAlignment) != 1 || byteAlignment > HUGE_PAGE) {
            throw new IllegalArgumentException("byteAlignment must be a power of two up to " + HUGE_PAGE
                    + ", was " + byteAlignment);
        }
        if (!scope.scope().isAlive()) {
            throw new IllegalStateException("the arena is already closed");
        }
        long start = (next + byteAlignment - 1) & -byteAlignment;
        if (end == 0 || byteSize > end - start) {
            long length = roundUp(Math.max(byteSize, 1));
            long base = Native.map(length);
            MemorySegment.ofAddress(base).reinterpret(length, scope, m -> Native.unmap(m.address(), length));
            // keep carving from whichever mapping has more room left
            if (end == 0 || length - byteSize > end - start) {
                next = base + byteSize;
                end = base + length;
            }
            return MemorySegment.ofAddress(base).reinterpret(byteSize, scope, null);
        }
        next = start + byteSize;
        return MemorySegment.ofAddress(start).reinterpret(byteSize, scope, null);
    }

    @Override
    public MemorySegment.Scope scope() {
        return scope.scope();
    }

    @Override
    public synchronized void close() {
        scope.close();
    }

    private static long roundUp(long bytes) {
        if (bytes > Long.MAX_VALUE - HUGE_PAGE) {
            throw new IllegalArgumentException("byteSize is too large: " + bytes);
        }
        return (bytes + HUGE_PAGE - 1) & -HUGE_PAGE;
    }

    /** Whether this JVM may map huge pages, decided once without touching a restricted method. */
    private static final class Support {
        static final String MODE;
        static final @Nullable String REASON;

        static {
            String mode = "";
            String reason = null;
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
            if (!os.startsWith("linux")) {
                reason = "huge-page arenas are implemented for Linux only, this is " + os;
            } else if (!(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
                reason = "huge-page arenas are implemented for x86-64 and aarch64, this is " + arch;
            } else if (!HugePageArena.class.getModule().isNativeAccessEnabled()) {
                reason = "native access is not enabled for " + moduleName()
                        + " (add --enable-native-access=" + moduleName() + ")";
            } else {
                mode = thpMode();
                if (mode.equals("never") || mode.isEmpty()) {
                    reason = mode.isEmpty() ? "the kernel offers no transparent huge pages"
                            : "transparent huge pages are disabled (mode never)";
                }
            }
            MODE = "mode " + mode;
            REASON = reason;
        }

        private static String moduleName() {
            Module m = HugePageArena.class.getModule();
            return m.isNamed() ? m.getName() : "ALL-UNNAMED";
        }

        /** The selected mode in /sys/kernel/mm/transparent_hugepage/enabled, or "" if unreadable. */
        private static String thpMode() {
            try {
                String line = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
                int open = line.indexOf('['), close = line.indexOf(']');
                return open >= 0 && close > open ? line.substring(open + 1, close) : "";
            } catch (java.io.IOException | SecurityException e) {
                return "";
            }
        }
    }

    /** mmap, madvise and munmap from libc; loaded only once {@link Support} found native access. */
    private static final class Native {
        private static final int PROT_READ_WRITE = 0x3;
        private static final int MAP_PRIVATE_ANONYMOUS = 0x22;
        private static final int MADV_HUGEPAGE = 14;
        private static final MethodHandle MMAP;
        private static final MethodHandle MADVISE;
        private static final MethodHandle MUNMAP;

        static {
            Linker linker = Linker.nativeLinker();
            MMAP = linker.downcallHandle(linker.defaultLookup().findOrThrow("mmap"),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
            MADVISE = linker.downcallHandle(linker.defaultLookup().findOrThrow("madvise"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT));
            MUNMAP = linker.downcallHandle(linker.defaultLookup().findOrThrow("munmap"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        }

        /**
         * Maps length bytes (a multiple of 2 MiB) at a 2 MiB-aligned address, advised for huge
         * pages: maps 2 MiB more, then unmaps the unaligned head and the tail.
         */
        static long map(long length) {
            long raw = mmap(length + HUGE_PAGE);
            long base = (raw + HUGE_PAGE - 1) & -HUGE_PAGE;
            if (base > raw) {
                unmap(raw, base - raw);
            }
            long tail = raw + length + HUGE_PAGE - (base + length);
            if (tail > 0) {
                unmap(base + length, tail);
            }
            try {
                // a refusal (a kernel built without THP) leaves normal pages, which work the same
                int ignored = (int) MADVISE.invokeExact(base, length, MADV_HUGEPAGE);
            } catch (Throwable t) {
                throw new IllegalStateException("madvise failed", t);
            }
            return base;
        }

        private static long mmap(long length) {
            long address;
            try {
                address = (long) MMAP.invokeExact(0L, length, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
            } catch (Throwable t) {
                throw new IllegalStateException("mmap failed", t);
            }
            if (address == -1L) {
                throw new OutOfMemoryError("mmap of " + length + " bytes failed");
            }
            return address;
        }

        static void unmap(long address, long length) {
            int rc;
            try {
                rc = (int) MUNMAP.invokeExact(address, length);
            } catch (Throwable t) {
                throw new IllegalStateException("munmap failed", t);
            }
            if (rc != 0) {
                throw new IllegalStateException("munmap of " + length + " bytes at 0x" + Long.toHexString(address)
                        + " failed");
            }
        }
    }
}
