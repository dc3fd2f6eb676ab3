package dev.vela.nativeref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vela.kernels.Implementation;
import dev.vela.optim.AdamParams;
import dev.vela.optim.FusedUpdates;
import dev.vela.optim.LionParams;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The C library against plain Java references. Where gcc was missing at build time the library
 * cannot exist: that case must be reported with a reason, and the numeric tests are skipped
 * with that reason.
 */
class CReferenceTest {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    static boolean gccPresent() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, "gcc"))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void loadsWhereverGccBuiltItAndOtherwiseSaysWhy() {
        if (gccPresent()) {
            assertTrue(CReference.isAvailable(), CReference.unavailableReason());
            assertEquals("", CReference.unavailableReason());
            assertTrue(CReference.buildFlags().contains("-fno-math-errno"), CReference.buildFlags());
            // extracted with owner-only permissions
            var perms = assertDoesNotThrowPerms(CReference.get().libraryPath().getParent());
            assertEquals("rwx------", perms);
        } else {
            assertTrue(!CReference.isAvailable() && !CReference.unavailableReason().isEmpty());
            assertThrows(IllegalStateException.class, CReference::get);
        }
    }

    private static String assertDoesNotThrowPerms(java.nio.file.Path dir) {
        try {
            return java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(dir));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static CReference c() {
        Assumptions.assumeTrue(CReference.isAvailable(), () -> "C reference skipped: " + CReference.unavailableReason());
        return CReference.get();
    }

    static MemorySegment random(Arena arena, int n, long seed) {
        MemorySegment s = arena.allocate((long) n * 4, 64);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            s.setAtIndex(F, i, (float) r.nextDouble(-2, 2));
        }
        return s;
    }

    @Property(tries = 60)
    void kernelsMatchPlainReferences(@ForAll @IntRange(min = 0, max = 70_000) int n,
                                     @ForAll @IntRange(min = 1, max = 3) int threads) {
        CReference c = c();
        c.setThreads(threads);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = random(arena, n, n), y = random(arena, n, n + 1), out = arena.allocate(4L * n + 4, 64);
            c.streamCopy(n, x, out);
            for (int i = 0; i < n; i++) {
                assertEquals(x.getAtIndex(F, i), out.getAtIndex(F, i));
            }
            c.streamTriad(n, 3f, x, y, out);
            for (int i = 0; i < n; i++) {
                float expected = x.getAtIndex(F, i) + 3f * y.getAtIndex(F, i);
                assertEquals(expected, out.getAtIndex(F, i), Math.ulp(expected) + Math.ulp(3f * y.getAtIndex(F, i)));
            }
            double ref = 0, abs = 0;
            for (int i = 0; i < n; i++) {
                double p = (double) x.getAtIndex(F, i) * y.getAtIndex(F, i);
                ref += p;
                abs += Math.abs(p);
            }
            // C sums in float in an order OpenMP chooses: the recursive-summation worst case applies
            assertEquals(ref, c.dot(n, x, y), (n + 2) * 0x1p-24 * abs);
            MemorySegment y0 = arena.allocate(4L * n + 4, 64);
            MemorySegment.copy(y, 0, y0, 0, 4L * n);
            c.axpy(n, -0.5f, x, y);
            for (int i = 0; i < n; i++) {
                double e = -0.5 * x.getAtIndex(F, i) + y0.getAtIndex(F, i);
                assertEquals(e, y.getAtIndex(F, i), 2 * Math.ulp((float) Math.abs(e)) + Math.ulp(y0.getAtIndex(F, i)));
            }
        }
    }

    @Property(tries = 40)
    void optimizerStepsMatchTheJavaKernels(@ForAll @IntRange(min = 0, max = 40_000) int n,
                                           @ForAll @IntRange(min = 1, max = 3) int threads) {
        CReference c = c();
        c.setThreads(threads);
        AdamParams adam = AdamParams.adamW().withLr(0.01);
        LionParams lion = LionParams.defaults().withLr(0.01).withWeightDecay(0.1);
        FusedUpdates java = FusedUpdates.create(Implementation.SCALAR, VelaPool.defaultPool());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment g = random(arena, n, n);
            MemorySegment pc = random(arena, n, n + 1), mc = arena.allocate(4L * n + 4), vc = arena.allocate(4L * n + 4);
            MemorySegment pj = random(arena, n, n + 1), mj = arena.allocate(4L * n + 4), vj = arena.allocate(4L * n + 4);
            for (int t = 1; t <= 3; t++) {
                c.adamW(adam, t, n, pc, g, mc, vc);
                java.adam(adam, t, n, pj, 0, g, 0, mj, 0, vj, 0);
            }
            // same formulas in float; gcc may contract to FMA: a few ulps apart
            assertClose(pj, pc, n, 0.05f);
            assertClose(mj, mc, n, 1e-3f);
            assertClose(vj, vc, n, 1e-6f);
            // Lion from zero momentum, where sign(c) = sign(g) exactly: a later step's c can lie
            // within rounding of zero, and C and Java may then legitimately pick opposite signs.
            MemorySegment lc = random(arena, n, n + 2), lmc = arena.allocate(4L * n + 4);
            MemorySegment lj = random(arena, n, n + 2), lmj = arena.allocate(4L * n + 4);
            c.lion(lion, n, lc, g, lmc);
            java.lion(lion, n, lj, 0, g, 0, lmj, 0);
            assertClose(lj, lc, n, 0.05f);
            assertClose(lmj, lmc, n, 1e-3f);
        }
    }

    private static void assertClose(MemorySegment expected, MemorySegment actual, int n, float floor) {
        for (int i = 0; i < n; i++) {
            float e = expected.getAtIndex(F, i);
            assertEquals(e, actual.getAtIndex(F, i), 8 * Math.ulp(Math.abs(e) + floor), "element " + i);
        }
    }

    @Test
    void heapSegmentsAndBadCountsAreRejected() {
        CReference c = c();
        MemorySegment heap = MemorySegment.ofArray(new float[8]);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment off = arena.allocate(32, 64);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> c.axpy(8, 1f, heap, off))
                    .getMessage().contains("x must be an off-heap segment"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> c.dot(9, off, off))
                    .getMessage().contains("x: offset 0 + n 9 exceeds"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> c.setThreads(0))
                    .getMessage().contains("threads must be >= 1, was 0"));
        }
    }
}
