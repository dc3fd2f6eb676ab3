package dev.vela.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * {@link Memory#hugePageArena()} keeps the Arena contract whichever arena it returns, and where
 * huge pages are available its mappings are 2 MiB-aligned and advised for them. The surefire
 * execution without native access sets {@code vela.test.nativeAccess=false} and checks the
 * fallback and the reason it gives.
 */
class HugePageArenaTest {

    private static final long MIB = 1L << 20;

    /** Sizes from 0 to a few MiB (so some get their own mapping) and alignments up to 4 KiB. */
    @Property(tries = 60)
    void allocationsAreAlignedDisjointZeroedAndWritable(
            @ForAll @Size(min = 1, max = 24) List<@IntRange(min = 0, max = 3 << 20) Integer> sizes,
            @ForAll @Size(min = 24, max = 24) List<@IntRange(min = 0, max = 12) Integer> alignmentLogs) {
        List<MemorySegment> segments = new ArrayList<>();
        try (Arena arena = Memory.hugePageArena()) {
            for (int k = 0; k < sizes.size(); k++) {
                long size = sizes.get(k), alignment = 1L << alignmentLogs.get(k);
                MemorySegment s = arena.allocate(size, alignment);
                assertEquals(size, s.byteSize());
                assertEquals(0, s.address() % alignment, "alignment " + alignment);
                // zero at both ends and in the middle, then marked with its index
                for (long at : new long[] {0, s.byteSize() / 2, s.byteSize() - 1}) {
                    if (at >= 0 && at < s.byteSize()) {
                        assertEquals(0, s.get(ValueLayout.JAVA_BYTE, at));
                    }
                }
                s.fill((byte) (k + 1));
                segments.add(s);
            }
            for (int k = 0; k < segments.size(); k++) {
                MemorySegment s = segments.get(k);
                for (int j = k + 1; j < segments.size(); j++) {
                    assertTrue(s.asOverlappingSlice(segments.get(j)).isEmpty(), k + " overlaps " + j);
                }
                if (s.byteSize() > 0) {
                    assertEquals((byte) (k + 1), s.get(ValueLayout.JAVA_BYTE, 0));
                    assertEquals((byte) (k + 1), s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1));
                }
            }
        }
        for (MemorySegment s : segments) {
            assertFalse(s.scope().isAlive());
            if (s.byteSize() > 0) {
                assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
            }
        }
    }

    @Test
    void badArgumentsAreNamedAndAClosedArenaAllocatesNothing() {
        Arena arena = Memory.hugePageArena();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> arena.allocate(-1, 8)).getMessage()
                .contains("-1"));
        assertThrows(IllegalArgumentException.class, () -> arena.allocate(16, 3));
        arena.close();
        assertThrows(IllegalStateException.class, () -> arena.allocate(16, 8));
    }

    @Test
    void largeMappingsAreAlignedToHugePagesAndAdvised() throws IOException {
        assumeTrue(Memory.hugePagesAvailable(), Memory.hugePageStatus());
        assertTrue(Memory.hugePageStatus().startsWith("transparent huge pages advised"), Memory.hugePageStatus());
        try (Arena arena = Memory.hugePageArena()) {
            MemorySegment small = arena.allocate(100, 64);
            MemorySegment big = arena.allocate(5 * MIB, 64);
            assertEquals(0, big.address() % (2 * MIB));
            assertEquals(0, small.address() % (2 * MIB), "the first allocation starts a mapping");
            // the 5 MiB request left 1 MiB of its 6 MiB mapping, less than the first one's room
            MemorySegment next = arena.allocate(100, 64);
            assertEquals(small.address() + 128, next.address(), "small allocations share a mapping");
            Boolean eligible = thpEligible(big.address());
            assertTrue(eligible == null || eligible, "THPeligible of the mapping holding " + big);
            assertMappedFromHugePageBoundary(big.address(), 6 * MIB);
        }
    }

    @Test
    void withoutNativeAccessTheArenaIsPlainAndSaysHowToEnableIt() {
        assumeTrue("false".equals(System.getProperty("vela.test.nativeAccess")),
                "runs in the surefire execution without --enable-native-access");
        assertFalse(Memory.hugePagesAvailable());
        assertTrue(Memory.hugePageStatus().contains("--enable-native-access="), Memory.hugePageStatus());
        try (Arena arena = Memory.hugePageArena()) {
            assertEquals(0, arena.allocate(4096, 64).get(ValueLayout.JAVA_INT, 100));
        }
    }

    /** Fails unless the mapping holding address starts on a 2 MiB boundary and spans length bytes. */
    private static void assertMappedFromHugePageBoundary(long address, long length) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            Range r = Range.parse(line);
            if (r != null && r.start <= address && address < r.end) {
                assertEquals(0, r.start % (2 * MIB), line);
                assertTrue(r.end - r.start >= length, line);
                return;
            }
        }
        throw new AssertionError("no mapping holds 0x" + Long.toHexString(address));
    }

    /** THPeligible of the mapping holding address, or null if smaps does not report it. */
    private static Boolean thpEligible(long address) throws IOException {
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            Range r = Range.parse(line);
            if (r != null) {
                inside = r.start <= address && address < r.end;
            } else if (inside && line.startsWith("THPeligible:")) {
                return line.substring("THPeligible:".length()).trim().equals("1");
            }
        }
        return null;
    }

    private record Range(long start, long end) {
        static Range parse(String line) {
            int dash = line.indexOf('-'), space = line.indexOf(' ');
            if (dash <= 0 || space < dash
                    || !line.substring(0, dash).chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                return null;
            }
            return new Range(Long.parseUnsignedLong(line.substring(0, dash), 16),
                    Long.parseUnsignedLong(line.substring(dash + 1, space), 16));
        }
    }
}
