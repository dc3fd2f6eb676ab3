package dev.vela.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The table search of the SIMD quantizer against the scalar search, over every float an
 * absmax-normalised block can hold in the range where codes change: the 8-bit maps with sorted
 * codes have no flagged bucket, so every input must get the scalar index.
 */
class GatherSearchTest {

    private static final List<QuantMap> MAPS = List.of(QuantMap.dynamic(true), QuantMap.dynamic(false),
            QuantMap.linear(true), QuantMap.linear(false));

    @Test
    void eightBitMapsWithSortedCodesHaveATableWithoutFlaggedBuckets() {
        for (QuantMap map : MAPS) {
            GatherSearch s = map.gather();
            assertNotNull(s, map.name());
            for (int e : s.entries) {
                assertTrue((e & GatherSearch.FLAG) == 0, map.name() + " has a bucket with two thresholds");
            }
        }
        assertNull(QuantMap.nf4().gather(), "4-bit maps have none");
        assertNull(QuantMap.fp4().gather(), "4-bit maps have none");
    }

    /**
     * Every float with magnitude in [2^-27, 1 + 2^-22] (both signs: about 7 * 10^8 per map), and
     * every 997th below: the table gives the scalar search's index.
     */
    @Test
    void everyInputGetsTheScalarIndex() {
        int from = Float.floatToRawIntBits(0x1p-27f), to = Float.floatToRawIntBits(1.0000005f);
        for (QuantMap map : MAPS) {
            GatherSearch s = map.gather();
            int chunks = 64;
            IntStream.range(0, chunks).parallel().forEach(c -> {
                int lo = from + (int) ((long) (to - from + 1) * c / chunks);
                int hi = from + (int) ((long) (to - from + 1) * (c + 1) / chunks);
                for (int bits = lo; bits < hi; bits++) {
                    check(map, s, Float.intBitsToFloat(bits));
                    check(map, s, -Float.intBitsToFloat(bits));
                }
                for (int bits = c; bits < from; bits += 997 * chunks) {
                    check(map, s, Float.intBitsToFloat(bits));
                    check(map, s, -Float.intBitsToFloat(bits));
                }
            });
        }
    }

    private static void check(QuantMap map, GatherSearch s, float x) {
        int index = s.index(x), expected = map.nearestIndexOfNormalised(x);
        if (index != expected) {
            throw new AssertionError(map + ": x = " + x + " (" + Integer.toHexString(Float.floatToRawIntBits(x))
                    + ") gave " + index + ", the scalar search " + expected);
        }
    }

    @Test
    void thresholdsAndTheirNeighboursGetTheScalarIndex() {
        for (QuantMap map : MAPS) {
            GatherSearch s = map.gather();
            for (int k = 0; k < map.size() - 1; k++) {
                float t = map.threshold(k);
                for (float x : new float[] {Math.nextDown(t), t, Math.nextUp(t)}) {
                    assertEquals(map.nearestIndexOfNormalised(x), s.index(x), map + " near threshold " + k);
                }
            }
            assertEquals(0, s.index(-2f), map + " below the lowest value");
            assertEquals(map.size() - 1, s.index(2f), map + " above the highest value");
        }
    }

    @Test
    void keysOrderFloatsAsNumbers() {
        float[] xs = {Float.NEGATIVE_INFINITY, -1f, -Float.MIN_NORMAL, -Float.MIN_VALUE, -0f, 0f, Float.MIN_VALUE,
            1e-30f, 0.5f, 1f, Float.POSITIVE_INFINITY};
        for (int i = 1; i < xs.length; i++) {
            assertTrue(GatherSearch.key(xs[i - 1]) < GatherSearch.key(xs[i]), xs[i - 1] + " < " + xs[i]);
        }
    }

    @Test
    void keysRoundTrip() {
        for (float x : new float[] {-1f, -Float.MIN_VALUE, -0f, 0f, Float.MIN_VALUE, 0.3f, 1f}) {
            assertEquals(Float.floatToRawIntBits(x), Float.floatToRawIntBits(GatherSearch.fromKey(GatherSearch.key(x))));
        }
    }
}
