package dev.vela.bench;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns JMH measurements into the bench table and {@code summary.csv}: bytes per second for
 * every memory-bound case, and one row per case and anchor, where the ratio is always Vela's
 * figure divided by the anchor's figure measured in the same run (GB/s for the bandwidth anchors,
 * parameters per second for {@code adamw_speed}), so a ratio above 1 means faster than the anchor
 * (except {@code fp32_adamw}, below).
 *
 * <p>Anchors: {@code stream_triad} is C STREAM triad at the same size and thread count
 * ({@code java_stream_triad} when the C library is unavailable); {@code c_ref} is the C kernel
 * doing the same operation; {@code array_loop} is a hand-written array-indexed Vector API loop;
 * {@code adamw_speed} compares an optimizer's parameters per second with fused AdamW's;
 * {@code fp32_adamw} is a time ratio: the 8-bit AdamW step's time over the float32 one's;
 * {@code openblas} and {@code ejml} divide Vela's SGEMM GFLOP/s by OpenBLAS's and EJML's;
 * {@code dense_gemm} is a time ratio: WTA-CRS's time over Vela's dense SGEMM's;
 * {@code hvp_only} too: a Hutchinson estimate's time over its bare operator products';
 * {@code same_traffic} divides an optimizer's parameters per second by those of
 * {@link TrafficBench} moving the same streams with no arithmetic (its {@link TrafficPattern});
 * {@code adamw_speed_cap} is the {@code adamw_speed} its bytes allow: AdamW's traffic's time over
 * the optimizer's traffic's, the {@code adamw_speed} it would have if it ran as near its traffic
 * as AdamW runs to AdamW's.
 */
final class Summary {

    /**
     * One JMH result: the median time per operation over the measurement iterations, in
     * microseconds, and those iterations' range (slowest minus fastest). The median, not JMH's
     * mean: on this 2-core machine two-thread loops have phases where one call in ten takes
     * several times as long (cause not found; docs/BENCHMARKS.md, "Fourth session"), and a mean
     * lets one such iteration set the ratio.
     */
    record Measurement(String benchClass, String method, Map<String, String> params, double usPerOp,
                       double rangeUs, int bytesPerElement, String implementation) {

        long size() {
            return Long.parseLong(params.get("size"));
        }

        String threads() {
            return params.getOrDefault("threads", "1");
        }

        /** Whether the case is a linalg one (GEMM, Hutchinson), measured in GFLOP/s instead of GB/s. */
        boolean countsFlops() {
            return isFlops(benchClass);
        }

        /** GFLOP/s of a linalg case (GEMM: 2mnk per product; Hutchinson: 2n² per probe). */
        double gflops() {
            double flops = benchClass.equals("GemmBench") ? GemmBench.flops(size()) : HutchinsonBench.flops(size());
            return flops / (usPerOp * 1e-6) / 1e9;
        }

        /** The figure of the case: GFLOP/s for a GEMM, GB/s otherwise. */
        double score() {
            return countsFlops() ? gflops() : gbPerSecond();
        }

        String unit() {
            return countsFlops() ? "GFLOP/s" : "GB/s";
        }

        /** Bytes per second in GB/s, from the bytes the operation must move. */
        double gbPerSecond() {
            return bytesPerElement * (double) size() / (usPerOp * 1e-6) / 1e9;
        }

        String name() {
            return benchClass + "." + method;
        }

        /** The name with the traffic pattern of a {@link TrafficBench} case, for the table. */
        String label() {
            String pattern = params.get("pattern");
            return pattern == null ? name() : name() + "[" + pattern + "]";
        }

        String paramString() {
            String pattern = params.get("pattern");
            return "size=" + size() + ";threads=" + threads() + (pattern == null ? "" : ";pattern=" + pattern)
                    + ";impl=" + implementation;
        }
    }

    /** One CSV row. An empty ratio name means the case has no anchor in this run. */
    record Row(String benchmark, String params, double score, String unit, String ratioName, Double ratio) {
        String csv() {
            return String.join(",", benchmark, params, String.format(Locale.ROOT, "%.4f", score), unit,
                    ratioName.isEmpty() ? "none" : ratioName,
                    ratio == null ? "" : String.format(Locale.ROOT, "%.4f", ratio));
        }
    }

    static final String CSV_HEADER = "benchmark,params,score,unit,ratio_name,ratio";

    private static final Map<String, String> C_REF = Map.of(
            "StreamBench.javaCopy", "StreamBench.cCopy",
            "StreamBench.javaTriad", "StreamBench.cTriad",
            "KernelBench.axpy", "KernelBench.cAxpy",
            "KernelBench.dot", "KernelBench.cDot",
            "OptimizerBench.adamW", "OptimizerBench.cAdamW",
            "OptimizerBench.lion", "OptimizerBench.cLion");

    private final List<Measurement> measurements;

    Summary(List<Measurement> measurements) {
        this.measurements = List.copyOf(measurements);
    }

    /** Benchmarks counted in floating-point operations rather than bytes. */
    static boolean isFlops(String benchClass) {
        return benchClass.equals("GemmBench") || benchClass.equals("HutchinsonBench");
    }

    /**
     * Bytes per element of a case: those of its traffic pattern for {@link TrafficBench}, else
     * those declared on the method with {@link BytesPerElement} (0 for flop-counted cases).
     */
    static int bytesPerElement(String benchClass, String method, Map<String, String> params) {
        if (isFlops(benchClass)) {
            return 0;
        }
        if (benchClass.equals("TrafficBench")) {
            return Traffic.bytesPerElement(params.get("pattern"));
        }
        return method(benchClass, method).filter(m -> m.isAnnotationPresent(BytesPerElement.class))
                .map(m -> m.getAnnotation(BytesPerElement.class).value())
                .orElseThrow(() -> new IllegalStateException(benchClass + "." + method
                        + " declares no @BytesPerElement"));
    }

    /** The traffic pattern declared on a benchmark method with {@link TrafficPattern}, if any. */
    static Optional<String> trafficPattern(String benchClass, String method) {
        return method(benchClass, method).filter(m -> m.isAnnotationPresent(TrafficPattern.class))
                .map(m -> m.getAnnotation(TrafficPattern.class).value());
    }

    private static Optional<Method> method(String benchClass, String name) {
        try {
            Class<?> c = Class.forName(BenchMain.class.getPackageName() + "." + benchClass);
            for (Method m : c.getMethods()) {
                if (m.getName().equals(name)) {
                    return Optional.of(m);
                }
            }
        } catch (ClassNotFoundException e) {
            // no such benchmark class: no such method
        }
        return Optional.empty();
    }

    private Optional<Measurement> find(String name, long size, String threads) {
        return measurements.stream()
                .filter(m -> m.name().equals(name) && m.size() == size && m.threads().equals(threads))
                .findFirst();
    }

    private Optional<Measurement> findTraffic(String pattern, long size, String threads) {
        return measurements.stream().filter(m -> m.benchClass().equals("TrafficBench")
                && pattern.equals(m.params().get("pattern")) && m.size() == size && m.threads().equals(threads))
                .findFirst();
    }

    /**
     * The stream_triad anchor of a measurement, if measured: STREAM runs on floats, so a float64
     * case of n doubles is anchored at the STREAM run of 2n floats (the same bytes).
     */
    Optional<Map.Entry<String, Double>> streamAnchor(Measurement m) {
        long floats = m.benchClass().startsWith("Double") ? 2 * m.size() : m.size();
        Optional<Measurement> c = find("StreamBench.cTriad", floats, m.threads());
        if (c.isPresent()) {
            return Optional.of(Map.entry("stream_triad", c.get().gbPerSecond()));
        }
        return find("StreamBench.javaTriad", floats, m.threads())
                .map(j -> Map.entry("java_stream_triad", j.gbPerSecond()));
    }

    /**
     * Every ratio of a measurement to its anchors, in a fixed order. Bandwidth anchors divide GB/s
     * by GB/s; {@code adamw_speed} (other optimizers) divides parameters per second by AdamW's in
     * the same run, so 1/1.2 = 0.83 means "1.2x AdamW's time per parameter".
     */
    Map<String, Double> ratios(Measurement m) {
        Map<String, Double> a = new LinkedHashMap<>();
        if (m.countsFlops()) {
            if (m.method().equals("sgemm")) {
                find("GemmBench.openblasSgemm", m.size(), m.threads())
                        .ifPresent(r -> a.put("openblas", m.gflops() / r.gflops()));
                find("GemmBench.ejmlSgemm", m.size(), m.threads())
                        .ifPresent(r -> a.put("ejml", m.gflops() / r.gflops()));
            }
            if (m.method().equals("wtaCrs")) {
                find("GemmBench.sgemm", m.size(), m.threads())
                        .ifPresent(r -> a.put("dense_gemm", m.usPerOp() / r.usPerOp()));
            }
            if (m.name().equals("HutchinsonBench.estimate")) {
                find("HutchinsonBench.hvpOnly", m.size(), m.threads())
                        .ifPresent(r -> a.put("hvp_only", m.usPerOp() / r.usPerOp()));
            }
            return a;
        }
        double gbs = m.gbPerSecond();
        streamAnchor(m).ifPresent(e -> a.put(e.getKey(), gbs / e.getValue()));
        String cName = C_REF.get(m.name());
        if (cName != null) {
            find(cName, m.size(), m.threads()).ifPresent(c -> a.put("c_ref", gbs / c.gbPerSecond()));
        }
        if (m.benchClass().equals("SegmentVsArrayBench") && !m.method().equals("arrayLoop")) {
            find("SegmentVsArrayBench.arrayLoop", m.size(), m.threads())
                    .ifPresent(r -> a.put("array_loop", gbs / r.gbPerSecond()));
        }
        if (m.benchClass().equals("QuantBench") && m.method().equals("adamW8bit")) {
            find("QuantBench.adamW32", m.size(), m.threads())
                    .ifPresent(r -> a.put("fp32_adamw", m.usPerOp() / r.usPerOp()));
        }
        Optional<Measurement> adamW = m.benchClass().equals("OptimizerBench") && !m.method().equals("adamW")
                && !BenchMain.isC(m.method()) ? find("OptimizerBench.adamW", m.size(), m.threads()) : Optional.empty();
        adamW.ifPresent(r -> a.put("adamw_speed", r.usPerOp() / m.usPerOp()));
        Optional<Measurement> traffic = trafficPattern(m.benchClass(), m.method())
                .flatMap(p -> findTraffic(p, m.size(), m.threads()));
        traffic.ifPresent(t -> a.put("same_traffic", t.usPerOp() / m.usPerOp()));
        if (adamW.isPresent() && traffic.isPresent()) {
            trafficPattern("OptimizerBench", "adamW").flatMap(p -> findTraffic(p, m.size(), m.threads()))
                    .ifPresent(t -> a.put("adamw_speed_cap", t.usPerOp() / traffic.get().usPerOp()));
        }
        return a;
    }

    List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (Measurement m : measurements) {
            Map<String, Double> ratios = ratios(m);
            double score = m.score();
            if (ratios.isEmpty()) {
                rows.add(new Row(m.name(), m.paramString(), score, m.unit(), "", null));
            }
            ratios.forEach((name, ratio) -> rows.add(new Row(m.name(), m.paramString(), score, m.unit(), name, ratio)));
        }
        return rows;
    }

    void writeCsv(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(CSV_HEADER);
        rows().forEach(r -> lines.add(r.csv()));
        Files.write(file, lines);
    }

    String table() {
        StringBuilder sb = new StringBuilder();
        String fmt = "%-36s %10s %4s %12s %7s %9s %13s %8s %11s %8s %9s %6s %12s%n";
        sb.append(String.format(Locale.ROOT, fmt, "benchmark", "size", "thr", "us/op", "range%", "GB/s",
                "/stream_triad", "/c_ref", "/array_loop", "/adamW", "/traffic", "cap", "t/fp32adamW"));
        for (Measurement m : measurements) {
            if (m.countsFlops()) {
                continue;
            }
            Map<String, Double> a = ratios(m);
            Double triad = a.getOrDefault("stream_triad", a.get("java_stream_triad"));
            sb.append(String.format(Locale.ROOT, fmt, m.label(), m.size(), m.threads(),
                    String.format(Locale.ROOT, "%.2f", m.usPerOp()),
                    String.format(Locale.ROOT, "%.1f", 100 * m.rangeUs() / m.usPerOp()),
                    String.format(Locale.ROOT, "%.2f", m.gbPerSecond()),
                    ratio(triad), ratio(a.get("c_ref")), ratio(a.get("array_loop")), ratio(a.get("adamw_speed")),
                    ratio(a.get("same_traffic")), ratio(a.get("adamw_speed_cap")), ratio(a.get("fp32_adamw"))));
        }
        if (measurements.stream().anyMatch(Measurement::countsFlops)) {
            String gemm = "%-36s %10s %4s %12s %7s %9s %10s %8s %9s %9s  %s%n";
            sb.append(String.format(Locale.ROOT, "%nlinalg (GemmBench size 8192: 1024 x 8192 times 8192 x 1024;"
                    + " HutchinsonBench: %d probes of an n x n operator)%n", HutchinsonBench.PROBES));
            sb.append(String.format(Locale.ROOT, gemm, "benchmark", "size", "thr", "us/op", "range%", "GFLOP/s",
                    "/openblas", "/ejml", "t/dense", "t/hvps", "impl"));
            for (Measurement m : measurements) {
                if (!m.countsFlops()) {
                    continue;
                }
                Map<String, Double> a = ratios(m);
                sb.append(String.format(Locale.ROOT, gemm, m.name(), m.size(), m.threads(),
                        String.format(Locale.ROOT, "%.2f", m.usPerOp()),
                        String.format(Locale.ROOT, "%.1f", 100 * m.rangeUs() / m.usPerOp()),
                        String.format(Locale.ROOT, "%.1f", m.gflops()), ratio(a.get("openblas")), ratio(a.get("ejml")),
                        ratio(a.get("dense_gemm")), ratio(a.get("hvp_only")), m.implementation()));
            }
        }
        return sb.toString();
    }

    private static String ratio(Double r) {
        return r == null ? "-" : String.format(Locale.ROOT, "%.2fx", r);
    }
}
