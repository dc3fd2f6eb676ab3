package dev.vela.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vela.parallel.VelaPool;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Kernels on a segment of more than 2^31 floats: a sparse file mapped into memory, so that only
 * the pages a test touches cost memory. Element indices past {@code Integer.MAX_VALUE} must be
 * addressed correctly by the parallel loop, the reduction blocks and both implementations.
 */
class LargeSegmentTest {

    private static final long N = (1L << 31) + (1 << 18);
    private static final long BEYOND = (1L << 31) + 17; // an element index that overflows int
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private static Path file;
    private static Arena arena;
    private static MemorySegment big;

    @BeforeAll
    static void mapSparseFile() throws IOException {
        file = Files.createTempFile("vela-large", ".bin");
        arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            big = ch.map(FileChannel.MapMode.READ_WRITE, 0, N * Float.BYTES, arena);
        }
    }

    @AfterAll
    static void unmap() throws IOException {
        arena.close();
        Files.deleteIfExists(file);
    }

    static boolean skip(Implementation impl) {
        return impl == Implementation.VECTOR && !Capabilities.current().vectorAvailable();
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void elementwiseAndReductionsAcrossTheIntBoundary(Implementation impl) {
        if (skip(impl)) {
            return;
        }
        try (VelaPool pool = VelaPool.create(2)) {
            FloatKernels k = FloatKernels.create(impl, pool);
            int n = 100_000; // spans several chunks and blocks
            long x0 = (1L << 31) - 50_000; // this range straddles element 2^31
            long y0 = N - n;
            k.fill(n, 1.5f, big, x0);
            k.fill(n, 2f, big, y0);
            k.axpy(n, 2f, big, x0, big, y0);
            assertEquals(5f, big.getAtIndex(F, y0));
            assertEquals(5f, big.getAtIndex(F, N - 1));
            assertEquals(1.5f, big.getAtIndex(F, BEYOND));
            assertEquals(5.0 * n, k.sum(n, big, y0));
            assertEquals(2.25 * n, k.dot(n, big, x0, big, x0));
            assertEquals(1.5, k.maxAbs(n, big, x0));
            k.fill(n, 0f, big, x0);
            k.fill(n, 0f, big, y0);
        }
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void reductionOverMoreThan2To31Elements(Implementation impl) {
        if (skip(impl)) {
            return;
        }
        try (VelaPool pool = VelaPool.create(2)) {
            FloatKernels k = FloatKernels.create(impl, pool);
            big.setAtIndex(F, 3, Float.NaN);
            big.setAtIndex(F, BEYOND, Float.POSITIVE_INFINITY);
            big.setAtIndex(F, N - 1, Float.NEGATIVE_INFINITY);
            assertEquals(3, k.countNonFinite(N, big, 0));
            assertEquals(2, k.countNonFinite(N - BEYOND, big, BEYOND));
            big.setAtIndex(F, 3, 0f);
            big.setAtIndex(F, BEYOND, 0f);
            big.setAtIndex(F, N - 1, 0f);
        }
    }
}
