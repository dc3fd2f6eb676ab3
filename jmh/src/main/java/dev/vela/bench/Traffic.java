package dev.vela.bench;

import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The memory traffic of an optimizer step with its arithmetic taken out: the same float32
 * streams read, updated in place and written, pass by pass, by a Vector API loop that only adds.
 * Where a rule is bound by its bytes, it runs near its pattern's speed ({@code same_traffic} in
 * the summary, about 0.95x to 1.1x out of cache here: the loop is a plain one, not a bound),
 * so AdamW's pattern's time over a rule's pattern's time is the {@code adamw_speed} that the
 * rule's bytes allow ({@code adamw_speed_cap}).
 *
 * <p>A pattern is one or more passes joined by {@code +}, each written {@code <r>r[<u>u][<w>w]}:
 * r streams only read, u read and written back, w only written. AdamW is {@code 1r3u} (g read;
 * p, m, v updated); LAMB is {@code 2r2u+2r1u} (p, g read and m, v updated; then two streams
 * read and one updated); LARS is {@code 2r+1r2u} (a read-only pass over p and g, then SGD's).
 * Bytes per element, counted as {@link BytesPerElement} counts them, are 4 (r + 2u + w) summed
 * over the passes. Every pass takes the buffers from the first on, so a pattern's footprint is
 * its widest pass, as a rule's is: what fits in cache for the rule fits for its pattern.
 */
final class Traffic {

    /** One pass over the elements: streams only read, read and written back, only written. */
    record Pass(int read, int updated, int written) {
        int streams() {
            return read + updated + written;
        }
    }

    private static final Pattern PASS = Pattern.compile("(\\d)r(?:(\\d)u)?(?:(\\d)w)?");
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final long GRAIN = 1 << 15;

    /** Where read-only passes leave their sums, so that C2 keeps their loads. */
    static volatile float sink;

    private Traffic() {
    }

    /** The passes of a pattern such as {@code 2r2u1w+1r1u}. */
    static List<Pass> parse(String pattern) {
        List<Pass> passes = new ArrayList<>();
        for (String part : pattern.split("\\+", -1)) {
            Matcher m = PASS.matcher(part);
            if (!m.matches()) {
                throw new IllegalArgumentException("traffic pattern " + pattern + ": pass '" + part
                        + "' is not of the form <r>r[<u>u][<w>w]");
            }
            Pass p = new Pass(Integer.parseInt(m.group(1)), count(m.group(2)), count(m.group(3)));
            if (p.read() + p.updated() == 0) {
                throw new IllegalArgumentException("traffic pattern " + pattern + ": pass '" + part
                        + "' reads no stream");
            }
            passes.add(p);
        }
        return passes;
    }

    private static int count(String digit) {
        return digit == null ? 0 : Integer.parseInt(digit);
    }

    /** Bytes per element of a pattern: 4 per stream read, 4 per stream written. */
    static int bytesPerElement(String pattern) {
        return parse(pattern).stream().mapToInt(p -> 4 * (p.read() + 2 * p.updated() + p.written())).sum();
    }

    /** How many buffers a pattern's passes need (the widest pass). */
    static int buffers(String pattern) {
        return parse(pattern).stream().mapToInt(Pass::streams).max().orElseThrow();
    }

    /**
     * Runs the passes of a pattern over n elements of {@code buffers} (at least
     * {@link #buffers} of them, n a multiple of the vector length), each pass split over the
     * pool in the chunks {@link JavaStream} uses.
     */
    static void run(VelaPool pool, long n, List<Pass> passes, MemorySegment[] buffers) {
        if (n % L != 0) {
            throw new IllegalArgumentException("n must be a multiple of " + L + ", was " + n);
        }
        for (Pass pass : passes) {
            pool.parallelFor(n, GRAIN, (s, e) -> chunk(pass, buffers, s * 4, (int) (e - s)));
        }
    }

    /**
     * One chunk of a pass. Each shape the benchmarks use has its own loop with its streams in
     * locals, not a loop over an array of segments, which would leave C2 with bounds and type
     * checks per load. A read-only pass leaves its sum in {@link #sink}.
     */
    private static void chunk(Pass pass, MemorySegment[] b, long byteOffset, int m) {
        MemorySegment[] s = new MemorySegment[pass.streams()];
        for (int k = 0; k < s.length; k++) {
            s[k] = b[k].asSlice(byteOffset, m * 4L);
        }
        switch (pass.read() + "r" + pass.updated() + "u" + pass.written() + "w") {
            case "2r0u0w" -> sink = r2(m, s[0], s[1]);
            case "1r1u0w" -> r1u1(m, s[0], s[1]);
            case "1r2u0w" -> r1u2(m, s[0], s[1], s[2]);
            case "1r3u0w" -> r1u3(m, s[0], s[1], s[2], s[3]);
            case "1r4u0w" -> r1u4(m, s[0], s[1], s[2], s[3], s[4]);
            case "2r1u0w" -> r2u1(m, s[0], s[1], s[2]);
            case "2r2u0w" -> r2u2(m, s[0], s[1], s[2], s[3]);
            case "2r2u1w" -> r2u2w1(m, s[0], s[1], s[2], s[3], s[4]);
            default -> throw new IllegalArgumentException("no loop for the pass " + pass);
        }
    }

    private static FloatVector load(MemorySegment s, int i) {
        return FloatVector.fromMemorySegment(S, s, i * 4L, NO);
    }

    private static void store(FloatVector x, MemorySegment s, int i) {
        x.intoMemorySegment(s, i * 4L, NO);
    }

    private static float r2(int m, MemorySegment a, MemorySegment b) {
        FloatVector x = FloatVector.zero(S), y = x;
        for (int i = 0; i < m; i += L) {
            x = x.add(load(a, i));
            y = y.add(load(b, i));
        }
        return x.add(y).reduceLanes(VectorOperators.ADD);
    }

    // Each loop loads all its streams before it stores any, as the kernels do: a store followed
    // by a load from another stream at the same offset modulo 4 KiB stalls the load (its address
    // looks like the store's), and interleaved, these loops ran up to 2x slower than AdamW.

    private static void r1u1(int m, MemorySegment a, MemorySegment u) {
        for (int i = 0; i < m; i += L) {
            store(load(u, i).add(load(a, i)), u, i);
        }
    }

    private static void r1u2(int m, MemorySegment a, MemorySegment u, MemorySegment v) {
        for (int i = 0; i < m; i += L) {
            FloatVector x = load(a, i), u1 = load(u, i).add(x), v1 = load(v, i).add(x);
            store(u1, u, i);
            store(v1, v, i);
        }
    }

    private static void r1u3(int m, MemorySegment a, MemorySegment u, MemorySegment v, MemorySegment w) {
        for (int i = 0; i < m; i += L) {
            FloatVector x = load(a, i), u1 = load(u, i).add(x), v1 = load(v, i).add(x), w1 = load(w, i).add(x);
            store(u1, u, i);
            store(v1, v, i);
            store(w1, w, i);
        }
    }

    private static void r1u4(int m, MemorySegment a, MemorySegment u, MemorySegment v, MemorySegment w,
                             MemorySegment z) {
        for (int i = 0; i < m; i += L) {
            FloatVector x = load(a, i), u1 = load(u, i).add(x), v1 = load(v, i).add(x), w1 = load(w, i).add(x);
            FloatVector z1 = load(z, i).add(x);
            store(u1, u, i);
            store(v1, v, i);
            store(w1, w, i);
            store(z1, z, i);
        }
    }

    private static void r2u1(int m, MemorySegment a, MemorySegment b, MemorySegment u) {
        for (int i = 0; i < m; i += L) {
            store(load(u, i).add(load(a, i)).add(load(b, i)), u, i);
        }
    }

    private static void r2u2(int m, MemorySegment a, MemorySegment b, MemorySegment u, MemorySegment v) {
        for (int i = 0; i < m; i += L) {
            FloatVector x = load(a, i).add(load(b, i)), u1 = load(u, i).add(x), v1 = load(v, i).add(x);
            store(u1, u, i);
            store(v1, v, i);
        }
    }

    private static void r2u2w1(int m, MemorySegment a, MemorySegment b, MemorySegment u, MemorySegment v,
                               MemorySegment q) {
        for (int i = 0; i < m; i += L) {
            FloatVector x = load(a, i).add(load(b, i)), u1 = load(u, i).add(x), v1 = load(v, i).add(x);
            store(u1, u, i);
            store(v1, v, i);
            store(x, q, i);
        }
    }
}
