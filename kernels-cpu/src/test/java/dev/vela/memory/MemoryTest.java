package dev.vela.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class MemoryTest {

    @Test
    void allocationsAreAlignedZeroedAndSized() {
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {0, 1, 3, 17, 1000}) {
                MemorySegment f = Memory.allocateFloats(arena, n);
                MemorySegment d = Memory.allocateDoubles(arena, n);
                assertEquals(0, f.address() % 64);
                assertEquals(0, d.address() % 64);
                assertEquals(4L * n, f.byteSize());
                assertEquals(8L * n, d.byteSize());
                for (int i = 0; i < n; i++) {
                    assertEquals(0f, f.getAtIndex(ValueLayout.JAVA_FLOAT, i));
                }
            }
        }
    }

    @Test
    void badCountsAreNamed() {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals("count must be >= 0, was -1",
                    assertThrows(IllegalArgumentException.class, () -> Memory.allocateFloats(arena, -1)).getMessage());
            assertThrows(IllegalArgumentException.class, () -> Memory.allocateDoubles(arena, Long.MAX_VALUE / 4));
        }
        assertThrows(NullPointerException.class, () -> Memory.allocateFloats(null, 1));
    }

    @Test
    void heapSegmentAddressIsTheByteOffsetIntoTheArray() {
        // The vector kernels rely on this to map a sliced float[] segment to an array index.
        MemorySegment s = MemorySegment.ofArray(new float[10]).asSlice(12);
        assertEquals(12, s.address());
    }
}
