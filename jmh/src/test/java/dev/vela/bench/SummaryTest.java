package dev.vela.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The summary's arithmetic and CSV shape, on made-up measurements. */
class SummaryTest {

    private static Summary.Measurement m(String cls, String method, long size, String threads, double us) {
        return new Summary.Measurement(cls, method, Map.of("size", Long.toString(size), "threads", threads), us, 0.0,
                Summary.bytesPerElement(cls, method, Map.of()), "test-impl");
    }

    private static Summary.Measurement traffic(String pattern, long size, String threads, double us) {
        Map<String, String> params = Map.of("size", Long.toString(size), "threads", threads, "pattern", pattern);
        return new Summary.Measurement("TrafficBench", "move", params, us, 0.0,
                Summary.bytesPerElement("TrafficBench", "move", params), "java-vector-loop");
    }

    @Test
    void ratiosDivideVelaByTheAnchorMeasuredAtTheSameSizeAndThreads(@TempDir Path dir) throws Exception {
        List<Summary.Measurement> ms = List.of(
                m("StreamBench", "cTriad", 1000, "1", 1.0),        // 12 B * 1000 / 1 us = 12 GB/s
                m("StreamBench", "cTriad", 1000, "2", 0.5),        // 24 GB/s: other thread count
                m("KernelBench", "axpy", 1000, "1", 2.0),          // 6 GB/s
                m("KernelBench", "cAxpy", 1000, "1", 1.5),         // 8 GB/s
                m("DoubleKernelBench", "dot", 500, "1", 1.0),      // 16 B * 500 = 8 GB/s, anchored at 1000 floats
                m("SegmentVsArrayBench", "arrayLoop", 64, "1", 1.0),
                m("SegmentVsArrayBench", "kernelsHeapSegment", 64, "1", 2.0),
                m("QuantBench", "adamW32", 1000, "2", 1.0),
                m("QuantBench", "adamW8bit", 1000, "2", 0.6));
        Summary s = new Summary(ms);
        assertEquals(12.0, ms.get(0).gbPerSecond(), 1e-12);
        List<Summary.Row> rows = s.rows();
        Summary.Row axpyTriad = rows.stream().filter(r -> r.benchmark().equals("KernelBench.axpy")
                && r.ratioName().equals("stream_triad")).findFirst().orElseThrow();
        assertEquals(0.5, axpyTriad.ratio(), 1e-12);
        Summary.Row axpyC = rows.stream().filter(r -> r.benchmark().equals("KernelBench.axpy")
                && r.ratioName().equals("c_ref")).findFirst().orElseThrow();
        assertEquals(0.75, axpyC.ratio(), 1e-12);
        Summary.Row dd = rows.stream().filter(r -> r.benchmark().equals("DoubleKernelBench.dot")).findFirst().orElseThrow();
        assertEquals(8.0 / 12.0, dd.ratio(), 1e-12);
        Summary.Row heap = rows.stream().filter(r -> r.benchmark().equals("SegmentVsArrayBench.kernelsHeapSegment"))
                .findFirst().orElseThrow();
        assertEquals("array_loop", heap.ratioName());
        assertEquals(0.5, heap.ratio(), 1e-12);
        Summary.Row loop = rows.stream().filter(r -> r.benchmark().equals("SegmentVsArrayBench.arrayLoop"))
                .findFirst().orElseThrow();
        assertEquals("", loop.ratioName());
        Summary.Row eightBit = rows.stream().filter(r -> r.benchmark().equals("QuantBench.adamW8bit")
                && r.ratioName().equals("fp32_adamw")).findFirst().orElseThrow();
        assertEquals(0.6, eightBit.ratio(), 1e-12, "a time ratio: 8-bit time over float32 time");

        Path csv = dir.resolve("summary.csv");
        s.writeCsv(csv);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("benchmark,params,score,unit,ratio_name,ratio", lines.get(0));
        assertTrue(lines.contains("KernelBench.axpy,size=1000;threads=1;impl=test-impl,6.0000,GB/s,c_ref,0.7500"), lines.toString());
        assertTrue(lines.contains("SegmentVsArrayBench.arrayLoop,size=64;threads=1;impl=test-impl,0.7680,GB/s,none,"), lines.toString());
        for (String line : lines) {
            assertEquals(6, line.split(",", -1).length, line);
        }
        assertTrue(s.table().contains("KernelBench.axpy"));
    }

    @Test
    void gemmCasesAreGflopsAgainstOpenBlasAndEjml() {
        List<Summary.Measurement> ms = List.of(
                m("StreamBench", "cTriad", 512, "1", 1.0),          // must not anchor a GEMM
                m("GemmBench", "sgemm", 512, "1", 4000.0),          // 2 * 512^3 / 4 ms = 67.1 GFLOP/s
                m("GemmBench", "openblasSgemm", 512, "1", 2000.0),
                m("GemmBench", "ejmlSgemm", 512, "1", 40000.0),
                m("GemmBench", "sgemm", 8192, "1", 1e6),            // 1024 x 8192 x 1024: 17.2 GFLOP in 1 s
                m("GemmBench", "wtaCrs", 8192, "1", 3e5),
                m("HutchinsonBench", "estimate", 512, "1", 110.0),
                m("HutchinsonBench", "hvpOnly", 512, "1", 100.0));
        Summary s = new Summary(ms);
        assertEquals(2.0 * 512 * 512 * 512 / 4000e-6 / 1e9, ms.get(1).gflops(), 1e-9);
        assertEquals(2.0 * 1024 * 8192 * 1024 / 1e9, ms.get(4).gflops(), 1e-9);
        Map<String, Double> r = s.ratios(ms.get(1));
        assertEquals(List.of("openblas", "ejml"), List.copyOf(r.keySet()), "no stream anchor for a GEMM");
        assertEquals(0.5, r.get("openblas"), 1e-12);
        assertEquals(10.0, r.get("ejml"), 1e-12);
        assertTrue(s.ratios(ms.get(2)).isEmpty(), "the anchors themselves get no ratio");
        assertEquals(Map.of("dense_gemm", 0.3), s.ratios(ms.get(5)), "a time ratio to the dense product");
        assertEquals(1.1, s.ratios(ms.get(6)).get("hvp_only"), 1e-12, "estimate time over bare products' time");
        assertEquals(2.0 * 512 * 512 * HutchinsonBench.PROBES / 100e-6 / 1e9, ms.get(7).gflops(), 1e-9);
        Summary.Row row = s.rows().stream().filter(x -> x.benchmark().equals("GemmBench.sgemm")
                && x.ratioName().equals("openblas")).findFirst().orElseThrow();
        assertEquals("GFLOP/s", row.unit());
        assertTrue(s.table().contains("/openblas"), s.table());
    }

    @Test
    void optimizersAreAnchoredAtTheTrafficOfTheirPattern() {
        List<Summary.Measurement> ms = List.of(
                m("OptimizerBench", "adamW", 1000, "1", 10.0),
                m("OptimizerBench", "lamb", 1000, "1", 20.0),
                m("OptimizerBench", "lamb", 1000, "2", 5.0),         // no traffic measured at 2 threads
                traffic("1r3u", 1000, "1", 9.0),
                traffic("2r2u+2r1u", 1000, "1", 16.0),
                traffic("2r2u+2r1u", 4000, "1", 1.0));               // another size
        Summary s = new Summary(ms);
        assertEquals(40.0 * 1000 / 16e-6 / 1e9, ms.get(4).gbPerSecond(), 1e-9, "the pattern's 40 bytes");
        Map<String, Double> lamb = s.ratios(ms.get(1));
        assertEquals(0.5, lamb.get("adamw_speed"), 1e-12);
        assertEquals(0.8, lamb.get("same_traffic"), 1e-12, "its traffic's time over its own");
        assertEquals(0.5625, lamb.get("adamw_speed_cap"), 1e-12, "AdamW's traffic's time over its traffic's");
        Map<String, Double> adamW = s.ratios(ms.get(0));
        assertEquals(0.9, adamW.get("same_traffic"), 1e-12);
        assertTrue(!adamW.containsKey("adamw_speed_cap"), adamW.toString());
        assertTrue(!s.ratios(ms.get(2)).containsKey("same_traffic"));
        assertTrue(s.table().contains("TrafficBench.move[2r2u+2r1u]"), s.table());
        assertTrue(s.rows().stream().anyMatch(r -> r.params().equals("size=1000;threads=1;pattern=1r3u;impl=java-vector-loop")));
    }

    @Test
    void cBenchmarksAreRecognisedByName() {
        assertTrue(BenchMain.isC("cTriad"));
        assertTrue(!BenchMain.isC("copy"));
        assertTrue(!BenchMain.isC("countNonFinite"));
    }
}
