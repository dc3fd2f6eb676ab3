package dev.vela.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class QuantMapTest {

    /**
     * The dynamic maps against the bit patterns PyTorch builds with bitsandbytes'
     * create_dynamic_map (fixture quant-8bit-dynamic-map.tsv, from shared/refs), and their CRC32.
     */
    @Test
    void dynamicMapsAreBitExactWithTheReferenceConstruction() throws IOException {
        List<String[]> rows = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                QuantMapTest.class.getResourceAsStream("/quant-8bit-dynamic-map.tsv"), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.startsWith("#") && !line.startsWith("index")) {
                    rows.add(line.split("\t"));
                }
            }
        }
        assertEquals(256, rows.size());
        QuantMap signed = QuantMap.dynamic(true), unsigned = QuantMap.dynamic(false);
        for (String[] row : rows) {
            int k = Integer.parseInt(row[0]);
            assertEquals(Integer.parseUnsignedInt(row[1], 16), Float.floatToRawIntBits(signed.value(k)), "signed " + k);
            assertEquals(Integer.parseUnsignedInt(row[3], 16), Float.floatToRawIntBits(unsigned.value(k)),
                    "unsigned " + k);
        }
        assertEquals(0x1b137aebL, crc(signed));
        assertEquals(0xe871278fL, crc(unsigned));
    }

    private static long crc(QuantMap map) {
        ByteBuffer b = ByteBuffer.allocate(4 * map.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : map.values()) {
            b.putFloat(v);
        }
        CRC32 c = new CRC32();
        c.update(b.array());
        return c.getValue();
    }

    @Test
    void dynamicMapsHaveTheDocumentedShape() {
        QuantMap s = QuantMap.dynamic(true);
        assertEquals(256, s.size());
        assertEquals(8, s.bits());
        assertEquals(-0.99296875f, s.value(0));
        assertEquals(0f, s.value(127));
        assertEquals(5.5e-7f, s.value(128), 1e-12f);
        assertEquals(0.99296875f, s.value(254));
        assertEquals(1f, s.value(255));
        QuantMap u = QuantMap.dynamic(false);
        assertEquals(0f, u.value(0));
        assertEquals(3.25e-7f, u.value(1), 1e-12f);
        assertEquals(0.103515625f, u.value(127));
        assertEquals(1f, u.value(255));
        for (QuantMap m : List.of(s, u)) {
            for (int k = 1; k < 256; k++) {
                assertTrue(m.value(k - 1) < m.value(k), m + " strictly increasing at " + k);
                assertEquals(k, m.code(k));
            }
        }
    }

    @Test
    void dynamicMapParametersAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> QuantMap.dynamic(true, 0, 8), "maxExponentBits");
        assertThrows(IllegalArgumentException.class, () -> QuantMap.dynamic(true, 8, 8), "maxExponentBits");
        assertThrows(IllegalArgumentException.class, () -> QuantMap.dynamic(true, 3, 9), "totalBits");
        // bitsandbytes asserts the same: unsigned with one exponent bit makes 193 codes
        var e = assertThrows(IllegalArgumentException.class, () -> QuantMap.dynamic(false, 1, 8));
        assertTrue(e.getMessage().contains("193"), e.getMessage());
        // fewer total bits pad with zeros: 4 bits, 3 exponent bits signed -> 16 codes, 240 zeros
        QuantMap small = QuantMap.dynamic(true, 3, 4);
        int zeros = 0;
        for (float v : small.values()) {
            zeros += v == 0f ? 1 : 0;
        }
        assertEquals(241, zeros);
    }

    @Test
    void linearMapsAreEvenlySpaced() {
        QuantMap s = QuantMap.linear(true);
        assertEquals(-1f, s.value(0));
        assertEquals(0f, s.value(127));
        assertEquals(0f, s.value(128));
        assertEquals(1f / 127, s.value(129));
        assertEquals(1f, s.value(255));
        assertEquals(127, QuantMap.linear(true).nearestIndex(0f), "the lower of two equal zeros");
        assertEquals(127, QuantMap.linear(true).nearestIndex(1e-3f));
        QuantMap u = QuantMap.linear(false);
        assertEquals(0f, u.value(0));
        assertEquals(128f / 255, u.value(128));
        assertEquals(1f, u.value(255));
    }

    @Test
    void fourBitMapsHoldThePublishedValues() {
        QuantMap nf4 = QuantMap.nf4();
        assertEquals(16, nf4.size());
        assertEquals(4, nf4.bits());
        assertEquals(-1f, nf4.value(0));
        assertEquals(0f, nf4.value(7));
        assertEquals(0.7229568362236023f, nf4.value(14));
        assertEquals(1f, nf4.value(15));
        QuantMap fp4 = QuantMap.fp4();
        // bitsandbytes' FP4 decoder: pattern -> value (in units of the absmax)
        float[] byPattern = {0f, 0.0625f / 12, 8f / 12, 1f, 4f / 12, 6f / 12, 2f / 12, 3f / 12};
        for (int c = 0; c < 8; c++) {
            assertEquals(byPattern[c], fp4.decode(c), "pattern " + c);
            assertEquals(-byPattern[c], fp4.decode(8 + c), 0f, "pattern " + (8 + c));
        }
        assertEquals(-1f, fp4.value(0));
        assertEquals(11, fp4.code(0));
        assertEquals(0, fp4.code(fp4.nearestIndex(0f)), "+0's pattern, never -0's");
        assertEquals(0, fp4.code(fp4.nearestIndex(-1e-4f)));
    }

    @Provide
    Arbitrary<QuantMap> maps() {
        return Arbitraries.of(QuantMap.dynamic(true), QuantMap.dynamic(false), QuantMap.linear(true),
                QuantMap.linear(false), QuantMap.nf4(), QuantMap.fp4(), QuantMap.dynamic(true, 4, 8));
    }

    /** Inputs near the thresholds (exact midpoints and their float neighbours) and anywhere. */
    @Provide
    Arbitrary<float[]> probes() {
        return Arbitraries.floats().between(-1.2f, 1.2f).array(float[].class).ofSize(64);
    }

    /**
     * The table-and-compare search = exhaustive exact search (BigDecimal), ties to the lower
     * value, at every threshold, its float neighbours, its table bucket's edges, every value,
     * the ends, beyond them, and random inputs.
     */
    @Property(tries = 60)
    void nearestIndexIsTheExactNearestValue(@ForAll("maps") QuantMap map, @ForAll("probes") float[] random) {
        List<Float> xs = new ArrayList<>();
        for (float x : random) {
            xs.add(x);
        }
        for (int k = 0; k + 1 < map.size(); k++) {
            float t = map.threshold(k);
            if (Float.isFinite(t)) {
                xs.add(t);
                xs.add(Math.nextUp(t));
                xs.add(Math.nextDown(t));
                // the edges of the table bucket (same top 16 bits) the threshold falls in
                int bits = Float.floatToRawIntBits(t);
                xs.add(Float.intBitsToFloat(bits & 0xFFFF0000));
                xs.add(Float.intBitsToFloat(bits | 0xFFFF));
            }
            xs.add(map.value(k));
        }
        for (float x : new float[] {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1f, -1f, Math.nextUp(1f),
            Math.nextDown(-1f), 2f, -3f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            xs.add(x);
        }
        for (float x : xs) {
            assertEquals(exhaustive(map, x), map.nearestIndex(x), map + " at " + x);
        }
        assertEquals(0, map.nearestIndex(Float.NaN), "NaN takes index 0");
    }

    static int exhaustive(QuantMap map, float x) {
        if (Float.isInfinite(x)) {
            x = Math.copySign(1f, x); // as near as any finite input beyond the ends
        }
        BigDecimal bx = new BigDecimal(x);
        int best = 0;
        BigDecimal bestDistance = null;
        for (int k = 0; k < map.size(); k++) {
            BigDecimal d = bx.subtract(new BigDecimal(map.value(k))).abs();
            if (bestDistance == null || d.compareTo(bestDistance) < 0) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }
}
