package dev.vela.bench;

import dev.vela.kernels.Capabilities;
import dev.vela.kernels.FloatKernels;
import dev.vela.kernels.Implementation;
import dev.vela.nativeref.CReference;
import dev.vela.parallel.VelaPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

/**
 * {@code ./vela bench [filter]}: runs the quick suite (or the benchmarks matching the regex
 * {@code filter}, plus the STREAM triad anchors and the {@link TrafficBench} anchors of the
 * optimizer benchmarks it selects), prints the summary table and writes
 * {@code summary.csv}, {@code jmh-result.json} and {@code machine.txt} to the output directory.
 * Options: {@code --out DIR}, {@code --iterations N}, {@code --iteration-ms MS}, {@code --forks N},
 * and {@code --pages huge|normal}: every benchmark's buffers (and, through
 * {@code -XX:+UseTransparentHugePages}, the Java heap) on transparent huge pages where
 * {@link dev.vela.memory.Memory#hugePageArena()} has them (the default), or on normal pages.
 *
 * <p>Every fork runs with {@code -Dvela.simd=vector} and the benchmarks demand the vector
 * implementation, so a run that lost {@code --add-modules jdk.incubator.vector} fails instead of
 * measuring the scalar path. C benchmarks are skipped, with the reason, where the C library is
 * unavailable.
 */
public final class BenchMain {

    static final String DEFAULT_SUITE = "dev\\.vela\\.bench\\.(StreamBench|KernelBench|DoubleKernelBench|OptimizerBench|TrafficBench|QuantBench|GemmBench|HutchinsonBench|SegmentVsArrayBench)\\..*";
    static final String ANCHORS = "dev\\.vela\\.bench\\.StreamBench\\.(c|java)Triad";
    static final String TRAFFIC_ANCHOR = "dev\\.vela\\.bench\\.TrafficBench\\.move$";

    private BenchMain() {
    }

    /** C reference benchmarks are named cXxx. */
    static boolean isC(String method) {
        return method.length() > 1 && method.charAt(0) == 'c' && Character.isUpperCase(method.charAt(1));
    }

    /**
     * The traffic patterns of the optimizer benchmarks a filter selects (JMH matches a filter
     * anywhere in the full name), so a focused run measures their anchors and no others.
     */
    static String[] trafficPatterns(String filter) {
        Pattern f = Pattern.compile(filter);
        return Arrays.stream(OptimizerBench.class.getMethods())
                .filter(m -> m.isAnnotationPresent(TrafficPattern.class))
                .filter(m -> f.matcher(OptimizerBench.class.getName() + "." + m.getName()).find())
                .map(m -> m.getAnnotation(TrafficPattern.class).value())
                .distinct().sorted().toArray(String[]::new);
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of("target", "bench");
        String filter = null;
        // five iterations: their median (see Summary.Measurement) survives two slowed ones
        int forks = 1, warmups = 3, iterations = 5;
        long iterationMs = 500;
        // every benchmark's buffers on huge pages (Memory.hugePageArena) unless --pages normal
        String pages = "huge";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--warmups" -> warmups = Integer.parseInt(args[++i]);
                case "--iteration-ms" -> iterationMs = Long.parseLong(args[++i]);
                case "--forks" -> forks = Integer.parseInt(args[++i]);
                case "--pages" -> pages = BenchSupport.pages(args[++i]);
                default -> filter = args[i];
            }
        }
        Files.createDirectories(out);

        Capabilities caps = Capabilities.current();
        if (!caps.vectorAvailable()) {
            System.err.println("vela bench: the Vector API implementation is unavailable (" + caps.reason()
                    + "); the benchmarks demand it, so nothing is measured.");
            System.exit(2);
        }
        String implName;
        try (VelaPool one = VelaPool.create(1)) {
            implName = FloatKernels.create(Implementation.VECTOR, one).implementationName();
        }
        String machine = MachineInfo.describe(caps, implName, pages);
        System.out.println(machine);
        Files.writeString(out.resolve("machine.txt"), machine);

        ChainedOptionsBuilder opts = new OptionsBuilder()
                .include(filter == null ? DEFAULT_SUITE : filter)
                .forks(forks)
                .warmupIterations(warmups)
                .warmupTime(TimeValue.milliseconds(iterationMs))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.milliseconds(iterationMs))
                .timeUnit(TimeUnit.MICROSECONDS)
                .shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON)
                .result(out.resolve("jmh-result.json").toString())
                .jvmArgsAppend("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                        "-Dvela.simd=vector", "-D" + BenchSupport.PAGES_PROPERTY + "=" + pages, "-Xms1g", "-Xmx2g",
                        "-XX:MaxDirectMemorySize=8g", "-XX:+UseParallelGC",
                        // heap arrays (SegmentVsArrayBench) on the same kind of pages as the segments
                        pages.equals("huge") ? "-XX:+UseTransparentHugePages" : "-XX:-UseTransparentHugePages");
        if (filter != null) {
            opts.include(ANCHORS);
            String[] patterns = trafficPatterns(filter);
            if (patterns.length > 0) {
                opts.include(TRAFFIC_ANCHOR).param("pattern", patterns);
            }
        }
        if (!CReference.isAvailable()) {
            System.out.println("C benchmarks skipped: " + CReference.unavailableReason());
            opts.exclude("\\.c[A-Z][A-Za-z]*$");
        }

        Collection<RunResult> results;
        try {
            results = new Runner(opts.build()).run();
        } catch (RunnerException e) {
            System.err.println("vela bench: a benchmark failed: " + e.getMessage());
            System.exit(1);
            return;
        }

        List<Summary.Measurement> ms = new ArrayList<>();
        for (RunResult r : results) {
            String full = r.getParams().getBenchmark();
            String method = full.substring(full.lastIndexOf('.') + 1);
            String cls = full.substring(0, full.lastIndexOf('.'));
            cls = cls.substring(cls.lastIndexOf('.') + 1);
            Map<String, String> params = new TreeMap<>();
            for (String key : r.getParams().getParamsKeys()) {
                params.put(key, r.getParams().getParam(key));
            }
            if ("all".equals(params.get("threads"))) {
                params.put("threads", "all=" + Runtime.getRuntime().availableProcessors());
            }
            String unit = r.getPrimaryResult().getScoreUnit();
            if (!unit.equals("us/op")) {
                throw new IllegalStateException(full + " reported " + unit + ", expected us/op");
            }
            String impl = isC(method) ? "c-gcc-openmp"
                    : cls.equals("GemmBench") ? GemmBench.implementation(method, implName)
                    : cls.equals("HutchinsonBench") ? implName
                    : params.containsKey("impl") ? implName : "java-vector-loop";
            Statistics st = r.getPrimaryResult().getStatistics();
            ms.add(new Summary.Measurement(cls, method, params, st.getPercentile(50), st.getMax() - st.getMin(),
                    Summary.bytesPerElement(cls, method, params), impl));
        }
        Summary summary = new Summary(ms);
        System.out.println();
        System.out.print(summary.table());
        summary.writeCsv(out.resolve("summary.csv"));
        System.out.println();
        System.out.println("GB/s counts the bytes each kernel must move (STREAM convention, no write-allocate);"
                + " GFLOP/s counts 2mnk per product.");
        System.out.println("Wrote " + out.resolve("summary.csv") + ", " + out.resolve("jmh-result.json") + ", "
                + out.resolve("machine.txt"));
    }
}
