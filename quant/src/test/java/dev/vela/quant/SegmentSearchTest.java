package dev.vela.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The arithmetic search against the table search, over every float an absmax-normalised block can
 * hold in the range where codes change: a flagged input is allowed, a wrong index is not.
 */
class SegmentSearchTest {

    private static final List<QuantMap> MAPS = List.of(QuantMap.dynamic(true), QuantMap.dynamic(false),
            QuantMap.linear(true), QuantMap.linear(false));

    @Test
    void eightBitMapsWithSortedCodesHaveASearchWithinThirtyTwoSegments() {
        int[] expected = {23, 15, 2, 2};
        for (int m = 0; m < MAPS.size(); m++) {
            SegmentSearch s = MAPS.get(m).search();
            assertNotNull(s, MAPS.get(m).name());
            assertEquals(expected[m], s.segments, MAPS.get(m).name() + " segments");
        }
        assertNull(QuantMap.nf4().search(), "4-bit maps have none");
        assertNull(QuantMap.fp4().search(), "4-bit maps have none");
    }

    /**
     * Every float with magnitude in [2^-27, 1 + 2^-22] (both signs: about 7 * 10^8 per map), and
     * every 997th below: the search gives the table's index or flags the input.
     */
    @Test
    void everyInputGetsTheTableIndexOrIsFlagged() {
        int from = Float.floatToRawIntBits(0x1p-27f), to = Float.floatToRawIntBits(1.0000005f);
        for (QuantMap map : MAPS) {
            SegmentSearch s = map.search();
            AtomicLong flagged = new AtomicLong();
            int chunks = 64;
            IntStream.range(0, chunks).parallel().forEach(c -> {
                long local = 0;
                int lo = from + (int) ((long) (to - from + 1) * c / chunks);
                int hi = from + (int) ((long) (to - from + 1) * (c + 1) / chunks);
                for (int bits = lo; bits < hi; bits++) {
                    local += check(map, s, Float.intBitsToFloat(bits)) + check(map, s, -Float.intBitsToFloat(bits));
                }
                for (int bits = c; bits < from; bits += 997 * chunks) {
                    local += check(map, s, Float.intBitsToFloat(bits)) + check(map, s, -Float.intBitsToFloat(bits));
                }
                flagged.addAndGet(local);
            });
            long total = 2L * (to - from);
            assertTrue(flagged.get() < total / 1000, map + ": " + flagged.get() + " of " + total + " flagged");
        }
    }

    private static int check(QuantMap map, SegmentSearch s, float x) {
        int index = s.index(x);
        if (index < 0) {
            return 1;
        }
        int expected = map.nearestIndexOfNormalised(x);
        if (index != expected) {
            throw new AssertionError(map + ": x = " + x + " (" + Integer.toHexString(Float.floatToRawIntBits(x))
                    + ") gave " + index + ", the table search " + expected);
        }
        return 0;
    }

    @Test
    void interiorThresholdsAreFlaggedSoTheyNeverDependOnRounding() {
        QuantMap map = QuantMap.dynamic(true);
        SegmentSearch s = map.search();
        int flagged = 0;
        for (int k = 0; k < map.size() - 1; k++) {
            float t = map.threshold(k);
            if (s.index(t) < 0) {
                flagged++;
                // the neighbours of a flagged threshold are flagged or right
                for (float x : new float[] {Math.nextDown(t), Math.nextUp(t)}) {
                    int i = s.index(x);
                    assertTrue(i < 0 || i == map.nearestIndexOfNormalised(x), "near threshold " + k);
                }
            } else {
                assertEquals(map.nearestIndexOfNormalised(t), s.index(t), "threshold " + k);
            }
        }
        // every threshold except the breakpoints lies inside a segment
        assertTrue(flagged >= map.size() - 1 - (s.segments - 1), flagged + " thresholds flagged");
    }

    @Test
    void keysOrderFloatsAsNumbers() {
        float[] xs = {Float.NEGATIVE_INFINITY, -1f, -Float.MIN_NORMAL, -Float.MIN_VALUE, -0f, 0f, Float.MIN_VALUE,
            1e-30f, 0.5f, 1f, Float.POSITIVE_INFINITY};
        for (int i = 1; i < xs.length; i++) {
            assertTrue(SegmentSearch.key(xs[i - 1]) < SegmentSearch.key(xs[i]), xs[i - 1] + " < " + xs[i]);
        }
    }
}
