package dev.vela.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vela.parallel.VelaPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

/** Traffic patterns: their grammar, their bytes, what their loops do, and how the benchmarks declare them. */
class TrafficTest {

    @Test
    void patternsParseIntoPassesAndCountTheirBytes() {
        assertEquals(List.of(new Traffic.Pass(1, 3, 0)), Traffic.parse("1r3u"));
        assertEquals(List.of(new Traffic.Pass(2, 2, 1), new Traffic.Pass(1, 1, 0)), Traffic.parse("2r2u1w+1r1u"));
        assertEquals(List.of(new Traffic.Pass(2, 0, 0), new Traffic.Pass(1, 2, 0)), Traffic.parse("2r+1r2u"));
        assertEquals(28, Traffic.bytesPerElement("1r3u"), "AdamW: g read, p m v read and written");
        assertEquals(40, Traffic.bytesPerElement("2r2u+2r1u"));
        assertEquals(40, Traffic.bytesPerElement("2r2u1w+1r1u"));
        assertEquals(28, Traffic.bytesPerElement("2r+1r2u"));
        assertEquals(5, Traffic.buffers("2r2u1w+1r1u"));
        for (String bad : List.of("", "1r3u+", "3u", "r3u", "0r", "1r3u2", "1w3u")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Traffic.parse(bad), bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void eachPassAddsTheStreamsItReadsToThoseItUpdatesAndWritesTheirSum() {
        int n = 3 * 16 * 1024 + 64;
        String[] patterns = Arrays.stream(patternParam()).toArray(String[]::new);
        try (Arena arena = Arena.ofShared(); VelaPool pool = VelaPool.create(2)) {
            for (String pattern : patterns) {
                List<Traffic.Pass> passes = Traffic.parse(pattern);
                MemorySegment[] b = new MemorySegment[Traffic.buffers(pattern)];
                float[][] expected = new float[b.length][n];
                for (int k = 0; k < b.length; k++) {
                    b[k] = arena.allocate(4L * n, 64);
                    for (int i = 0; i < n; i++) {
                        expected[k][i] = k + (i % 7);
                        b[k].setAtIndex(ValueLayout.JAVA_FLOAT, i, expected[k][i]);
                    }
                }
                Traffic.run(pool, n, passes, b);
                for (Traffic.Pass pass : passes) {
                    for (int i = 0; i < n; i++) {
                        float x = 0;
                        for (int k = 0; k < pass.read(); k++) {
                            x += expected[k][i];
                        }
                        for (int k = pass.read(); k < pass.read() + pass.updated(); k++) {
                            expected[k][i] += x;
                        }
                        for (int k = pass.read() + pass.updated(); k < pass.streams(); k++) {
                            expected[k][i] = x;
                        }
                    }
                }
                for (int k = 0; k < b.length; k++) {
                    assertArrayEquals(expected[k], b[k].toArray(ValueLayout.JAVA_FLOAT), pattern + ", buffer " + k);
                }
            }
            assertThrows(IllegalArgumentException.class, () -> Traffic.run(pool, 17, Traffic.parse("1r1u"),
                    new MemorySegment[] {arena.allocate(68), arena.allocate(68)}));
        }
    }

    @Test
    void everyFloat32OptimizerBenchmarkDeclaresAPatternWithItsBytesAndTrafficBenchRunsIt() {
        Set<String> anchored = Set.of(patternParam());
        int declared = 0;
        for (Method m : OptimizerBench.class.getMethods()) {
            if (!m.isAnnotationPresent(Benchmark.class)) {
                continue;
            }
            TrafficPattern t = m.getAnnotation(TrafficPattern.class);
            if (m.getName().endsWith("Bf16")) {
                assertEquals(null, t, m.getName() + ": bf16 streams are not float32 traffic");
                continue;
            }
            assertTrue(t != null, m.getName() + " declares no @TrafficPattern");
            assertEquals(m.getAnnotation(BytesPerElement.class).value(), Traffic.bytesPerElement(t.value()),
                    m.getName() + ": its pattern's bytes against its @BytesPerElement");
            assertTrue(anchored.contains(t.value()), m.getName() + ": TrafficBench does not run " + t.value());
            declared++;
        }
        assertTrue(declared >= 20, "declared " + declared);
    }

    @Test
    void aFocusedRunMeasuresThePatternsOfTheOptimizerBenchmarksItSelects() {
        assertArrayEquals(new String[] {"1r3u", "2r2u+2r1u"}, BenchMain.trafficPatterns("OptimizerBench\\.(adamW|lamb)$"));
        assertArrayEquals(new String[] {"1r4u"}, BenchMain.trafficPatterns("diffGrad"));
        assertArrayEquals(new String[0], BenchMain.trafficPatterns("StreamBench"));
    }

    private static String[] patternParam() {
        try {
            return TrafficBench.class.getField("pattern").getAnnotation(Param.class).value();
        } catch (NoSuchFieldException e) {
            throw new AssertionError(e);
        }
    }
}
