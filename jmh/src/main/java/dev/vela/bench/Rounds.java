package dev.vela.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;

/**
 * Optimizer benchmarks, AdamW and their traffic anchors in one JVM, in rounds. JMH runs each case
 * in its own fork, minutes apart, and this shared machine changes speed for minutes at a time
 * (docs/BENCHMARKS.md), so a ratio between two forks can compare two states of the machine.
 * Here every case warms up for 1 s, then each round times a batch of about 0.1 s per case (the
 * order reversed every other round), and the median over the rounds of each per-round ratio is
 * printed: per rule its {@code adamw_speed}, {@code same_traffic} and {@code adamw_speed_cap} as
 * {@link Summary} defines them. Usage, after {@code ./vela build}:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *      -cp jmh/target/benchmarks.jar dev.vela.bench.Rounds SIZE 1|all ROUNDS METHOD[,METHOD...]
 * </pre>
 */
public final class Rounds {

    private static final long BATCH_NANOS = 100_000_000L;
    private static final long WARMUP_NANOS = 1_000_000_000L;

    private record Case(String name, Runnable body) {
    }

    private Rounds() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: Rounds SIZE 1|all ROUNDS METHOD[,METHOD...]");
            System.exit(2);
        }
        long size = Long.parseLong(args[0]);
        String threads = args[1];
        int rounds = Integer.parseInt(args[2]);
        if (rounds < 1) {
            throw new IllegalArgumentException("ROUNDS must be at least 1, was " + rounds);
        }
        List<String> methods = Arrays.asList(args[3].split(","));
        List<OptimizerBench> benches = new ArrayList<>();
        List<TrafficBench> traffic = new ArrayList<>();
        Map<String, String> patternOf = new LinkedHashMap<>();
        List<Case> cases = new ArrayList<>();
        try {
            for (String name : methods.contains("adamW") ? methods : concat("adamW", methods)) {
                // each case its own buffers: a case must not find another's state (diffGrad
                // would read amsgrad's vMax as its previous gradient)
                OptimizerBench bench = new OptimizerBench();
                bench.size = size;
                bench.threads = threads;
                bench.impl = "vector";
                cases.add(benchmarkCase(bench, name));
                bench.setUp(OptimizerBench.class.getName() + "." + name);
                benches.add(bench);
                Summary.trafficPattern("OptimizerBench", name).ifPresent(p -> patternOf.put(name, p));
            }
            for (String p : new LinkedHashSet<>(patternOf.values())) {
                TrafficBench t = new TrafficBench();
                t.size = size;
                t.threads = threads;
                t.pattern = p;
                t.setUp();
                traffic.add(t);
                cases.add(new Case(p, t::move));
            }
            System.out.printf(Locale.ROOT, "size %d, threads %s, %d rounds; medians over the rounds%n", size, threads,
                    rounds);
            print(methods, patternOf, cases, measure(cases, rounds));
        } finally {
            traffic.forEach(TrafficBench::tearDown);
            benches.forEach(OptimizerBench::tearDown);
        }
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    /** The case that calls a benchmark method on {@code bench} (not yet set up). */
    private static Case benchmarkCase(OptimizerBench bench, String name) {
        Method m = Arrays.stream(OptimizerBench.class.getMethods())
                .filter(x -> x.getName().equals(name) && x.isAnnotationPresent(Benchmark.class)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(name + " is not an OptimizerBench benchmark"));
        if (BenchMain.isC(name)) {
            // OpenMP's threads spin on after each call and slow the Java case that follows
            throw new IllegalArgumentException(name + ": compare with C in JMH's separate forks, not here");
        }
        return new Case(name, () -> {
            try {
                m.invoke(bench);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException(name + " failed", e);
            }
        });
    }

    /** Nanoseconds per call, [round][case]. */
    private static double[][] measure(List<Case> cases, int rounds) {
        long[] reps = new long[cases.size()];
        for (int i = 0; i < cases.size(); i++) {
            // warm up for a while, call by call, and size the batches from the last call: sized
            // from the first, slow calls, a batch of 1M parameters was two calls, the first of
            // them refilling the cache the other cases had taken over
            double last = 0;
            for (long end = System.nanoTime() + WARMUP_NANOS; System.nanoTime() < end; ) {
                last = batch(cases.get(i), 1);
            }
            reps[i] = Math.max(1, Math.round(BATCH_NANOS / last));
        }
        double[][] t = new double[rounds][cases.size()];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < cases.size(); k++) {
                int i = r % 2 == 0 ? k : cases.size() - 1 - k;
                t[r][i] = batch(cases.get(i), reps[i]);
            }
        }
        return t;
    }

    private static double batch(Case c, long reps) {
        long start = System.nanoTime();
        for (long k = 0; k < reps; k++) {
            c.body().run();
        }
        return (double) (System.nanoTime() - start) / reps;
    }

    private static void print(List<String> methods, Map<String, String> patternOf, List<Case> cases,
                              double[][] t) {
        List<String> names = cases.stream().map(Case::name).toList();
        int adamW = names.indexOf("adamW"), adamWTraffic = names.indexOf(patternOf.get("adamW"));
        String fmt = "%-28s %12s %8s %11s %8s %8s%n";
        System.out.printf(Locale.ROOT, fmt, "case", "us/op", "/adamW", "pattern", "/traffic", "cap");
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            int at = i;
            String pattern = patternOf.getOrDefault(name, "");
            int p = names.indexOf(pattern);
            System.out.printf(Locale.ROOT, fmt, name, String.format(Locale.ROOT, "%.1f", median(t, r -> r[at]) / 1e3),
                    methods.contains(name) && i != adamW ? ratio(median(t, r -> r[adamW] / r[at])) : "-",
                    pattern.isEmpty() ? "-" : pattern,
                    p < 0 ? "-" : ratio(median(t, r -> r[p] / r[at])),
                    p < 0 || i == adamW ? "-" : ratio(median(t, r -> r[adamWTraffic] / r[p])));
        }
    }

    private static double median(double[][] t, java.util.function.ToDoubleFunction<double[]> f) {
        double[] x = Arrays.stream(t).mapToDouble(f).sorted().toArray();
        return x.length % 2 == 1 ? x[x.length / 2] : (x[x.length / 2 - 1] + x[x.length / 2]) / 2;
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2fx", r);
    }
}
