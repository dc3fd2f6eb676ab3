package dev.vela.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class BlockLayoutTest {

    @Property
    void blocksTileTheTensorExactly(@ForAll @LongRange(min = 0, max = 1_000_000) long length,
                                    @ForAll @IntRange(min = 6, max = 12) int log2Block) {
        BlockLayout layout = new BlockLayout(length, 1 << log2Block);
        long covered = 0;
        for (long b = 0; b < layout.blocks(); b++) {
            assertEquals(covered, layout.blockStart(b));
            int len = layout.blockLength(b);
            assertEquals(b < layout.blocks() - 1 ? layout.blockSize() : length - covered, len);
            covered += len;
        }
        assertEquals(length, covered);
        assertEquals(length + 4 * layout.blocks(), layout.bytes8Bit());
    }

    @Test
    void adamStateCostsTwoPlusEightOverBlockSizeBytesPerParameter() {
        BlockLayout layout = new BlockLayout(1 << 20, 2048);
        assertEquals(2 + 8.0 / 2048, 2 * layout.bytesPerElement8Bit(), 1e-15);
    }

    @Test
    void badArgumentsAreNamed() {
        assertEquals("blockSize must be a power of two in [64, 4096], was 100",
                assertThrows(IllegalArgumentException.class, () -> new BlockLayout(10, 100)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BlockLayout(10, 32));
        assertThrows(IllegalArgumentException.class, () -> new BlockLayout(10, 8192));
        assertEquals("length must be >= 0, was -1",
                assertThrows(IllegalArgumentException.class, () -> new BlockLayout(-1, 64)).getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> new BlockLayout(100, 64).blockLength(2));
    }
}
