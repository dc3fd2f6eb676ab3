package dev.vela.memory;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** {@link SegmentChecks#overlappingPair} against the check of every pair it replaced. */
class SegmentChecksTest {

    /** A pair (i, j) that shares memory, or null; empty ranges share none. */
    private static int[] everyPair(List<MemorySegment> ranges) {
        for (int i = 0; i < ranges.size(); i++) {
            for (int j = i + 1; j < ranges.size(); j++) {
                if (ranges.get(i).byteSize() > 0 && ranges.get(j).byteSize() > 0
                        && ranges.get(i).asOverlappingSlice(ranges.get(j)).isPresent()) {
                    return new int[] {i, j};
                }
            }
        }
        return null;
    }

    @Property(tries = 300)
    void findsAnOverlapExactlyWhenSomePairOverlaps(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] memories = {MemorySegment.ofArray(new float[64]), MemorySegment.ofArray(new float[64]),
                    arena.allocate(256, 4), arena.allocate(256, 4)};
            List<MemorySegment> ranges = new ArrayList<>();
            int count = r.nextInt(0, 12);
            // short ranges, some empty, over few memories: disjoint and overlapping sets both common
            for (int k = 0; k < count; k++) {
                MemorySegment m = memories[r.nextInt(memories.length)];
                long start = 4L * r.nextInt(0, 64), length = 4L * r.nextInt(0, 6);
                ranges.add(m.asSlice(start, Math.min(length, m.byteSize() - start)));
            }
            int[] expected = everyPair(ranges);
            int[] found = SegmentChecks.overlappingPair(ranges);
            if (expected == null) {
                assertNull(found, ranges::toString);
            } else {
                assertNotNull(found, ranges::toString);
                assertTrue(found[0] < found[1] && ranges.get(found[0]).byteSize() > 0
                        && ranges.get(found[0]).asOverlappingSlice(ranges.get(found[1])).isPresent(), ranges::toString);
            }
        }
    }
}
