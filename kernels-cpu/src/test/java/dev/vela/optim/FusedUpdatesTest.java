package dev.vela.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vela.kernels.Capabilities;
import dev.vela.kernels.Implementation;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused AdamW and Lion kernels against double-precision references written from the
 * update rules (PyTorch's AdamW, the Lion paper), against published values, and against their
 * closed forms, on every implementation.
 */
class FusedUpdatesTest {

    static final VelaPool POOL = VelaPool.create(3);
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    static List<FusedUpdates> implementations() {
        List<FusedUpdates> list = new ArrayList<>();
        list.add(FusedUpdates.create(Implementation.SCALAR, POOL));
        if (Capabilities.current().vectorAvailable()) {
            list.add(FusedUpdates.create(Implementation.VECTOR, POOL));
        }
        return list;
    }

    // (the published values of the reference brief are in PublishedValuesTest)

    private static void assertNear(double[] expected, float[] actual, double tol) {
        PublishedValuesTest.assertNear(expected, actual, tol, "p");
    }

    /**
     * diffGrad's vector kernel computes its friction by a series where |prev - g| <= 1/4 and by an
     * exponential elsewhere, which round differently in about one element in 5000. Which path an
     * element takes must not depend on where the span it is updated in starts, as long as spans
     * start at multiples of 1024 elements (the runner's chunks do): else the bits would depend on
     * the thread count. Every piece boundary here has a large change just before it, so a path
     * decided across a boundary shows in the next thousand elements.
     */
    @Test
    void diffGradTakesTheSamePathsWhereverASpanStarts() {
        Assumptions.assumeTrue(Capabilities.current().vectorAvailable(), "the Vector implementation is inactive");
        int piece = 2048, pieces = 150, n = piece * pieces;
        SplittableRandom r = new SplittableRandom(3);
        float[] p0 = new float[n], g = new float[n], prev0 = new float[n], m0 = new float[n], v0 = new float[n];
        for (int i = 0; i < n; i++) {
            p0[i] = (float) r.nextGaussian();
            g[i] = (float) r.nextGaussian();
            prev0[i] = g[i] + (float) r.nextDouble(-0.2, 0.2);
            m0[i] = (float) r.nextGaussian() * 0.1f;
            v0[i] = (float) r.nextDouble(0.01, 1);
        }
        for (int b = 1; b < pieces; b++) {
            prev0[b * piece - 1 - r.nextInt(64)] += 5;
        }
        try (VelaPool pool = VelaPool.create(1)) {
            FusedUpdates u = FusedUpdates.create(Implementation.VECTOR, pool);
            DiffGradParams h = DiffGradParams.defaults();
            float[] p = p0.clone(), m = m0.clone(), v = v0.clone(), prev = prev0.clone();
            u.diffGrad(h, 3, p, g, m, v, prev);
            MemorySegment ps = MemorySegment.ofArray(p0.clone()), gs = MemorySegment.ofArray(g),
                    ms = MemorySegment.ofArray(m0.clone()), vs = MemorySegment.ofArray(v0.clone()),
                    qs = MemorySegment.ofArray(prev0.clone());
            for (int at = 0; at < n; at += piece) {
                u.diffGrad(h, 3, piece, ps, at, gs, at, ms, at, vs, at, qs, at);
            }
            assertArrayEquals(p, ps.toArray(F), "p, one call against calls of " + piece);
            assertArrayEquals(prev, qs.toArray(F), "prev");
        }
    }

    // ---- closed forms -----------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("implementations")
    void adamWithAConstantGradientMovesByLrTimesGOverAbsGPlusEps(FusedUpdates u) {
        float[] g = {0.5f, -3f, 1e-3f, 40f, -1e-6f};
        float[] p = {1, 2, 3, 4, 5}, m = new float[5], v = new float[5];
        AdamParams h = AdamParams.adamW().withLr(0.01).withWeightDecay(0);
        for (int t = 1; t <= 10; t++) {
            float[] before = p.clone();
            u.adam(h, t, p, g, m, v);
            for (int i = 0; i < 5; i++) {
                double expected = -0.01 * g[i] / (Math.abs(g[i]) + 1e-8);
                assertEquals(expected, p[i] - before[i], 1e-6 * 0.01 + Math.ulp(before[i]), "step " + t + " element " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void adamWWithZeroGradientOnlyDecays(FusedUpdates u) {
        float[] p = {1, -2, 0.5f}, g = new float[3], m = new float[3], v = new float[3];
        AdamParams h = AdamParams.adamW().withLr(0.1).withWeightDecay(0.1);
        for (int t = 1; t <= 20; t++) {
            u.adam(h, t, p, g, m, v);
        }
        double factor = Math.pow(1 - 0.1 * 0.1, 20);
        assertNear(new double[] {factor, -2 * factor, 0.5 * factor}, p, 2e-6);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void lionMovesEveryCoordinateByExactlyLr(FusedUpdates u) {
        SplittableRandom r = new SplittableRandom(3);
        int n = 37;
        float[] p = new float[n], m = new float[n];
        for (int i = 0; i < n; i++) {
            p[i] = (float) r.nextDouble(-1, 1);
        }
        for (int t = 0; t < 20; t++) {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) {
                g[i] = (float) r.nextDouble(-1, 1);
            }
            float[] before = p.clone();
            u.lion(LionParams.defaults().withLr(1e-3), p, g, m);
            for (int i = 0; i < n; i++) {
                assertEquals(1e-3, Math.abs(p[i] - before[i]), Math.ulp(1f), "coordinate " + i);
            }
        }
    }

    // ---- 100-step properties against double references ----------------------------------------

    record Case(FusedUpdates u, int n, int offset, boolean offHeap, long seed, double lr, double beta1, double beta2,
                double wd, boolean maximize) {
    }

    @Provide
    Arbitrary<Case> cases() {
        int small = 3 * Math.max(4, Capabilities.current().floatLanes()) + 1;
        Arbitrary<Integer> lengths = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0, small)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(small, 3000)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(40_003)));
        return Combinators.combine(Arbitraries.of(implementations()), lengths, Arbitraries.integers().between(0, 7),
                        Arbitraries.of(true, false), Arbitraries.longs().withoutEdgeCases(),
                        Arbitraries.of(1e-4, 1e-3, 0.03), Arbitraries.of(0.0, 0.5, 0.9, 0.95), Arbitraries.of(0.9, 0.99, 0.999))
                .as((u, n, o, off, seed, lr, b1, b2) -> new Case(u, n, o, off, seed, lr, b1, b2, 0.0, false))
                .flatMap(c -> Combinators.combine(Arbitraries.of(0.0, 0.01, 0.1), Arbitraries.of(false, true))
                        .as((wd, max) -> new Case(c.u(), c.n(), c.offset(), c.offHeap(), c.seed(), c.lr(), c.beta1(),
                                c.beta2(), wd, max)));
    }

    /** n floats at element offset o: a float[] heap segment, or shared off-heap memory. */
    static MemorySegment place(Case c, Arena arena, float[] values) {
        MemorySegment s = c.offHeap() ? arena.allocate((long) (c.offset() + values.length) * 4, 64)
                : MemorySegment.ofArray(new float[c.offset() + values.length]);
        MemorySegment.copy(values, 0, s, F, (long) c.offset() * 4, values.length);
        return s;
    }

    static float[] read(Case c, MemorySegment s) {
        float[] v = new float[c.n()];
        MemorySegment.copy(s, F, (long) c.offset() * 4, v, 0, c.n());
        return v;
    }

    /** Gradients of mixed scale: N(0, 1) times a per-element magnitude in [1e-3, 1e3]. */
    static float[] gradient(SplittableRandom r, float[] scale) {
        float[] g = new float[scale.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) (r.nextGaussian() * scale[i]);
        }
        return g;
    }

    /**
     * AdamW over 100 steps against a double reference from the same start. Each step rounds p
     * twice (decay, subtraction) and the update carries about 6 float roundings, so the error
     * per step is below 2^-22 * (|p| + |step|); the test sums that bound over the trajectory
     * (about 2.4e-5 relative after 100 steps).
     */
    @Property(tries = 120)
    void adamWFollowsTheDoubleReferenceFor100Steps(@ForAll("cases") Case c) {
        AdamParams h = new AdamParams(c.lr(), c.beta1(), c.beta2(), 1e-8, c.wd(), true, false, c.maximize());
        SplittableRandom r = new SplittableRandom(c.seed());
        int n = c.n();
        float[] p0 = new float[n], scale = new float[n];
        for (int i = 0; i < n; i++) {
            p0[i] = (float) r.nextDouble(-2, 2);
            scale[i] = (float) Math.pow(10, r.nextDouble(-3, 3));
        }
        double[] p = new double[n], m = new double[n], v = new double[n], tol = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = p0[i];
        }
        try (Arena arena = Arena.ofShared()) {
            MemorySegment ps = place(c, arena, p0), gs = place(c, arena, new float[n]);
            MemorySegment ms = place(c, arena, new float[n]), vs = place(c, arena, new float[n]);
            for (int t = 1; t <= 100; t++) {
                float[] g = gradient(r, scale);
                MemorySegment.copy(g, 0, gs, F, (long) c.offset() * 4, n);
                c.u().adam(h, t, n, ps, c.offset(), gs, c.offset(), ms, c.offset(), vs, c.offset());
                double bc1 = 1 - Math.pow(c.beta1(), t), bc2 = 1 - Math.pow(c.beta2(), t);
                for (int i = 0; i < n; i++) {
                    double gi = c.maximize() ? -g[i] : g[i];
                    p[i] *= 1 - c.lr() * c.wd();
                    m[i] = c.beta1() * m[i] + (1 - c.beta1()) * gi;
                    v[i] = c.beta2() * v[i] + (1 - c.beta2()) * gi * gi;
                    double step = (c.lr() / bc1) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + 1e-8);
                    p[i] -= step;
                    tol[i] += 0x1p-22 * (Math.abs(p[i]) + Math.abs(step));
                }
            }
            float[] got = read(c, ps);
            for (int i = 0; i < n; i++) {
                assertEquals(p[i], got[i], tol[i], "p[" + i + "] after 100 steps, " + c);
            }
        }
    }

    /**
     * Lion for 100 steps, each checked against the double reference applied to the kernel's own
     * state: a sign of c within rounding of zero may legitimately differ between float and
     * double, so such coordinates only have to move by lr in either direction.
     */
    @Property(tries = 120)
    void lionFollowsTheDoubleReferenceStepByStepFor100Steps(@ForAll("cases") Case c) {
        LionParams h = new LionParams(c.lr(), c.beta1(), c.beta2(), c.wd(), c.maximize());
        SplittableRandom r = new SplittableRandom(c.seed());
        int n = c.n();
        float[] p0 = new float[n], scale = new float[n];
        for (int i = 0; i < n; i++) {
            p0[i] = (float) r.nextDouble(-2, 2);
            scale[i] = (float) Math.pow(10, r.nextDouble(-3, 3));
        }
        try (Arena arena = Arena.ofShared()) {
            MemorySegment ps = place(c, arena, p0), gs = place(c, arena, new float[n]), ms = place(c, arena, new float[n]);
            for (int t = 1; t <= 100; t++) {
                float[] g = gradient(r, scale);
                MemorySegment.copy(g, 0, gs, F, (long) c.offset() * 4, n);
                float[] pBefore = read(c, ps), mBefore = read(c, ms);
                c.u().lion(h, n, ps, c.offset(), gs, c.offset(), ms, c.offset());
                float[] pAfter = read(c, ps), mAfter = read(c, ms);
                for (int i = 0; i < n; i++) {
                    double gi = c.maximize() ? -g[i] : g[i];
                    double cc = c.beta1() * mBefore[i] + (1 - c.beta1()) * gi;
                    double decayed = pBefore[i] * (1 - c.lr() * c.wd());
                    double mRef = c.beta2() * mBefore[i] + (1 - c.beta2()) * gi;
                    double tolP = 2 * Math.ulp((float) (Math.abs(pBefore[i]) + c.lr())) + Math.ulp((float) c.lr());
                    boolean nearZero = Math.abs(cc) <= 4 * Math.ulp((float) (Math.abs(c.beta1() * mBefore[i])
                            + Math.abs((1 - c.beta1()) * gi)));
                    if (nearZero) {
                        assertTrue(Math.abs(Math.abs(pAfter[i] - decayed) - c.lr()) <= tolP
                                || Math.abs(pAfter[i] - decayed) <= tolP, "p[" + i + "] step " + t + " " + c);
                    } else {
                        assertEquals(decayed - c.lr() * Math.signum(cc), pAfter[i], tolP, "p[" + i + "] step " + t + " " + c);
                    }
                    assertEquals(mRef, mAfter[i], 2 * Math.ulp((float) (Math.abs(c.beta2() * mBefore[i])
                            + Math.abs((1 - c.beta2()) * gi))), "m[" + i + "] step " + t);
                }
            }
        }
    }

    // ---- determinism and bad input -------------------------------------------------------------

    @Test
    void bitIdenticalForAnyThreadCount() {
        int n = 200_003;
        SplittableRandom r = new SplittableRandom(8);
        float[] g = new float[n], p0 = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) r.nextGaussian();
            p0[i] = (float) r.nextGaussian();
        }
        for (Implementation impl : Implementation.values()) {
            if (impl == Implementation.VECTOR && !Capabilities.current().vectorAvailable()) {
                continue;
            }
            float[][] first = null;
            for (int threads : new int[] {1, 2, 3, 8}) {
                try (VelaPool pool = VelaPool.create(threads)) {
                    FusedUpdates u = FusedUpdates.create(impl, pool);
                    float[] p = p0.clone(), m = new float[n], v = new float[n], p2 = p0.clone(), m2 = new float[n];
                    for (int t = 1; t <= 3; t++) {
                        u.adam(AdamParams.adamW(), t, p, g, m, v);
                        u.lion(LionParams.defaults(), p2, g, m2);
                    }
                    float[][] now = {p, m, v, p2, m2};
                    if (first == null) {
                        first = now;
                    } else {
                        for (int k = 0; k < now.length; k++) {
                            assertArrayEquals(first[k], now[k], impl + " buffer " + k + " with " + threads + " threads");
                        }
                    }
                }
            }
        }
    }

    @Test
    void badHyperparametersAreNamed() {
        assertEquals("lr must be finite and >= 0, was -0.1",
                assertThrows(IllegalArgumentException.class, () -> AdamParams.adamW().withLr(-0.1)).getMessage());
        assertEquals("beta1 must be in [0, 1), was 1.0",
                assertThrows(IllegalArgumentException.class, () -> AdamParams.adamW().withBetas(1.0, 0.9)).getMessage());
        assertEquals("eps must be finite and >= 0, was NaN",
                assertThrows(IllegalArgumentException.class, () -> AdamParams.adamW().withEps(Double.NaN)).getMessage());
        assertEquals("beta2 must be in [0, 1), was NaN",
                assertThrows(IllegalArgumentException.class, () -> LionParams.defaults().withBetas(0.9, Double.NaN)).getMessage());
        assertEquals("weightDecay must be finite and >= 0, was Infinity", assertThrows(IllegalArgumentException.class,
                () -> LionParams.defaults().withWeightDecay(Double.POSITIVE_INFINITY)).getMessage());
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void badTensorsAreRejectedBeforeAnyWrite(FusedUpdates u) {
        float[] p = {1, 2, 3}, g = {1, 1, 1}, m = new float[3], v = new float[3], shortV = new float[2];
        AdamParams h = AdamParams.adamW();
        assertEquals("p.length (3) != v.length (2)",
                assertThrows(IllegalArgumentException.class, () -> u.adam(h, 1, p, g, m, shortV)).getMessage());
        assertEquals("step must be >= 1, was 0",
                assertThrows(IllegalArgumentException.class, () -> u.adam(h, 0, p, g, m, v)).getMessage());
        MemorySegment ps = MemorySegment.ofArray(p);
        assertEquals("p and m overlap; a fused update needs separate buffers", assertThrows(IllegalArgumentException.class,
                () -> u.lion(LionParams.defaults(), 2, ps, 0, MemorySegment.ofArray(g), 0, ps, 1)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> u.adam(h, 1, 3, ps, 0, MemorySegment.ofArray(g), 1, MemorySegment.ofArray(m), 0,
                        MemorySegment.ofArray(v), 0)).getMessage().contains("g: offset 1 + n 3 exceeds"));
        assertArrayEquals(new float[] {1, 2, 3}, p);
        assertArrayEquals(new float[3], m);
        assertArrayEquals(new float[3], v);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void everyRuleNamesItsBadArgumentsBeforeWriting(FusedUpdates u) {
        float[] p = {1, 2, 3, 4}, g = {1, 1, 1, 1}, s1 = new float[4], s2 = new float[4], shortBuf = new float[3];
        assertEquals("b must not be null: momentum is 0.9", assertThrows(NullPointerException.class,
                () -> u.sgd(SgdParams.defaults().withMomentum(0.9, 0, false), 1, p, g, null)).getMessage());
        assertEquals("p.length (4) != v.length (3)", assertThrows(IllegalArgumentException.class,
                () -> u.lamb(LambParams.defaults(), 1, p, g, s1, shortBuf)).getMessage());
        assertEquals("rows must be >= 1 and divide n, was rows 3, n 4", assertThrows(IllegalArgumentException.class,
                () -> u.adamP(AdamPParams.defaults(), 1, 3, p, g, s1, s2)).getMessage());
        assertEquals("p.length (4) != prev.length (3)", assertThrows(IllegalArgumentException.class,
                () -> u.diffGrad(DiffGradParams.defaults(), 1, p, g, s1, s2, shortBuf)).getMessage());
        assertEquals("h.amsgrad is true: call adamAmsgrad with a vMax buffer", assertThrows(
                IllegalArgumentException.class, () -> u.adam(AdamParams.adamW().withAmsgrad(true), 1, p, g, s1, s2))
                .getMessage());
        assertEquals("scale must be finite and >= 0, was NaN", assertThrows(IllegalArgumentException.class,
                () -> u.sgdSai(SgdSaiParams.defaults(), 2, Double.NaN, p, g, s1)).getMessage());
        MemorySegment ps = MemorySegment.ofArray(p);
        assertEquals("p and s overlap; a fused update needs separate buffers", assertThrows(
                IllegalArgumentException.class, () -> u.adaBelief(AdaBeliefParams.defaults(), 1, 2, ps, 0,
                        MemorySegment.ofArray(g), 0, MemorySegment.ofArray(s1), 0, ps, 1)).getMessage());
        assertArrayEquals(new float[] {1, 2, 3, 4}, p);
        assertArrayEquals(new float[4], s1);
        assertArrayEquals(new float[4], s2);
    }

    @Test
    void hyperparameterRecordsNameTheirBadFields() {
        assertEquals("nesterov needs momentum > 0 and dampening 0, was momentum 0.0, dampening 0.0",
                assertThrows(IllegalArgumentException.class, () -> SgdParams.defaults().withMomentum(0, 0, true))
                        .getMessage());
        assertEquals("momentum must be in [0, 1), was 1.0", assertThrows(IllegalArgumentException.class,
                () -> new SignumParams(1e-3, 1.0, 0, false)).getMessage());
        assertEquals("maxWeightNorm must be > 0, was 0.0", assertThrows(IllegalArgumentException.class,
                () -> new LambParams(1e-3, 0.9, 0.999, 1e-6, 0, true, 0, false)).getMessage());
        assertEquals("wdRatio must be in [0, 1], was 2.0", assertThrows(IllegalArgumentException.class,
                () -> new AdamPParams(1e-3, 0.9, 0.999, 1e-8, 0, 0.1, 2, false)).getMessage());
        assertEquals("trustCoefficient must be finite and >= 0, was -1.0", assertThrows(IllegalArgumentException.class,
                () -> new LarsParams(1, 0.9, 0, -1, 0, false, false)).getMessage());
        assertEquals("lr must be finite and >= 0, was NaN", assertThrows(IllegalArgumentException.class,
                () -> ExAdamParams.defaults().withLr(Double.NaN)).getMessage());
    }

    /** AdamP and SGDP with their projection firing, on every thread count: the row sums are blocked. */
    @ParameterizedTest
    @MethodSource("implementations")
    void projectedStepsAreBitIdenticalForAnyThreadCount(FusedUpdates any) {
        int rows = 4, cols = 40_000, n = rows * cols;
        SplittableRandom r = new SplittableRandom(12);
        float[] p0 = new float[n], g = new float[n];
        for (int i = 0; i < n; i++) {
            p0[i] = (float) r.nextGaussian();
            g[i] = (float) r.nextGaussian();
        }
        for (int k = 0; k < rows; k++) { // g orthogonal to p in every row, so both project
            double gp = 0, pp = 0;
            for (int j = k * cols; j < (k + 1) * cols; j++) {
                gp += g[j] * p0[j];
                pp += p0[j] * p0[j];
            }
            for (int j = k * cols; j < (k + 1) * cols; j++) {
                g[j] = (float) (g[j] - p0[j] * gp / pp);
            }
        }
        float[][] first = null;
        for (int threads : new int[] {1, 2, 5}) {
            try (VelaPool pool = VelaPool.create(threads)) {
                FusedUpdates u = FusedUpdates.create(any.implementation(), pool);
                float[] p = p0.clone(), m = new float[n], v = new float[n], q = p0.clone(), b = new float[n];
                assertTrue(u.adamP(AdamPParams.defaults().withWeightDecay(0.1), 1, rows, p, g, m, v));
                assertTrue(u.sgdp(SgdpParams.defaults(), rows, q, g, b));
                float[][] now = {p, q};
                if (first == null) {
                    first = now;
                } else {
                    assertArrayEquals(first[0], now[0], "AdamP, " + threads + " threads");
                    assertArrayEquals(first[1], now[1], "SGDP, " + threads + " threads");
                }
            }
        }
    }

    /**
     * LAMB, AdamP and SGDP advance their state in the norm pass and the update reads it back: the
     * state must be the bits that Adam's and SGD's single pass write, whether the norm pass ran
     * (AdamP and SGDP over 2 rows) or not (one row, never projected). Rows of 160 elements keep
     * every pass on whole vectors (a vector loop's scalar tail rounds without fused
     * multiply-adds, so other lengths would split the two paths differently).
     */
    @ParameterizedTest
    @MethodSource("implementations")
    void normBasedRulesAdvanceTheirStateAsTheElementwiseRules(FusedUpdates u) {
        SplittableRandom r = new SplittableRandom(9);
        int n = 2 * 160;
        AdamParams adam = new AdamParams(1e-3, 0.9, 0.999, 1e-8, 0, false, false, false);
        SgdParams sgd = SgdParams.defaults().withMomentum(0.9, 0, true);
        float[][] m = new float[4][n], v = new float[4][n], b = new float[3][n];
        float[][] p = new float[7][n];
        for (int i = 0; i < n; i++) {
            float x = (float) r.nextGaussian();
            for (float[] q : p) {
                q[i] = x;
            }
        }
        for (long t = 1; t <= 3; t++) {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) {
                g[i] = (float) r.nextGaussian();
            }
            u.adam(adam, t, p[0], g, m[0], v[0]);
            u.lamb(LambParams.defaults().withWeightDecay(0.01), t, p[1], g, m[1], v[1]);
            u.adamP(AdamPParams.defaults().withWeightDecay(0.01), t, 2, p[2], g, m[2], v[2]);
            u.adamP(AdamPParams.defaults(), t, 1, p[3], g, m[3], v[3]);
            u.sgd(sgd, t, p[4], g, b[0]);
            u.sgdp(SgdpParams.defaults(), 2, p[5], g, b[1]);
            u.sgdp(SgdpParams.defaults(), 1, p[6], g, b[2]);
        }
        for (int k = 1; k < 4; k++) {
            assertArrayEquals(m[0], m[k], "m of rule " + k);
            assertArrayEquals(v[0], v[k], "v of rule " + k);
        }
        assertArrayEquals(b[0], b[1], "SGDP's b over 2 rows");
        assertArrayEquals(b[0], b[2], "SGDP's b over 1 row");
    }

    /**
     * LAMB and AdamP with a direction buffer give the bits they give without one, on both
     * implementations, any length and offset, projected or not (delta 0 never projects, 50
     * always does), with gradients that include zeros, subnormals and huge values: m and v
     * always, p wherever both passes cut the tensor into the same vector spans. The buffer's own
     * contents going in do not matter.
     */
    @Property(tries = 150)
    void aDirectionBufferChangesNoBit(@ForAll("cases") Case c, @ForAll("deltas") double delta) {
        SplittableRandom r = new SplittableRandom(c.seed());
        int n = c.n();
        long rows = n % 3 == 0 && n > 0 ? 3 : n % 2 == 0 && n > 0 ? 2 : 1;
        LambParams lamb = new LambParams(c.lr(), c.beta1(), c.beta2(), 1e-6, c.wd(), true, 10, c.maximize());
        AdamPParams adamP = new AdamPParams(c.lr(), c.beta1(), c.beta2(), 1e-8, c.wd(), delta, 0.1, c.maximize());
        float[] p0 = new float[n];
        for (int i = 0; i < n; i++) {
            p0[i] = (float) r.nextGaussian();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] plain = {place(c, arena, p0), place(c, arena, new float[n]), place(c, arena, new float[n])};
            MemorySegment[] withQ = {place(c, arena, p0), place(c, arena, new float[n]), place(c, arena, new float[n])};
            float[] junk = new float[n];
            java.util.Arrays.fill(junk, Float.NaN);
            MemorySegment q = place(c, arena, junk);
            boolean isLamb = (c.seed() & 1) == 0;
            // the passes split the tensor differently (rows and blocks, then chunks): where an
            // element is in a vector loop in one and in the scalar remainder in the other, its
            // direction rounds once (fused multiply-add) or twice, so p may differ in its last bit
            int lanes = c.u().implementation() == Implementation.SCALAR ? 1 : Capabilities.current().floatLanes();
            boolean aligned = (isLamb ? n : n / rows) % lanes == 0;
            int o = c.offset();
            for (long t = 1; t <= 4; t++) {
                float[] gv = new float[n];
                for (int i = 0; i < n; i++) {
                    int kind = r.nextInt(10);
                    gv[i] = kind == 0 ? 0f : kind == 1 ? Float.MIN_VALUE * r.nextInt(1, 100)
                            : kind == 2 ? (float) (1e30 * r.nextGaussian()) : (float) r.nextGaussian();
                }
                MemorySegment g = place(c, arena, gv);
                if (isLamb) {
                    c.u().lamb(lamb, t, n, plain[0], o, g, o, plain[1], o, plain[2], o);
                    c.u().lamb(lamb, t, n, withQ[0], o, g, o, withQ[1], o, withQ[2], o, q, o);
                } else {
                    assertEquals(c.u().adamP(adamP, t, rows, n, plain[0], o, g, o, plain[1], o, plain[2], o),
                            c.u().adamP(adamP, t, rows, n, withQ[0], o, g, o, withQ[1], o, withQ[2], o, q, o));
                }
                String what = (isLamb ? "LAMB" : "AdamP over " + rows + " rows") + ", step " + t;
                assertArrayEquals(read(c, plain[1]), read(c, withQ[1]), what + ", m");
                assertArrayEquals(read(c, plain[2]), read(c, withQ[2]), what + ", v");
                float[] expected = read(c, plain[0]), actual = read(c, withQ[0]);
                if (aligned) {
                    assertArrayEquals(expected, actual, what + ", p");
                } else {
                    for (int i = 0; i < n; i++) {
                        if (!Float.isFinite(expected[i])) {
                            // gradients near 1e30 can overflow a step to NaN or infinity: both ways alike
                            assertEquals(expected[i], actual[i], what + ", p[" + i + "]");
                        } else {
                            assertEquals(expected[i], actual[i], 1e-6 * (Math.abs(expected[i]) + 4 * c.lr()),
                                    what + ", p[" + i + "]");
                        }
                    }
                }
            }
        }
    }

    @Provide
    Arbitrary<Double> deltas() {
        return Arbitraries.of(0.0, 0.1, 50.0);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void aBadDirectionBufferIsNamedBeforeAnyWrite(FusedUpdates u) {
        float[] p = {1, 2, 3, 4}, g = {1, 1, 1, 1}, m = new float[4], v = new float[4];
        assertEquals("p.length (4) != q.length (3)", assertThrows(IllegalArgumentException.class,
                () -> u.lamb(LambParams.defaults(), 1, p, g, m, v, new float[3])).getMessage());
        MemorySegment ms = MemorySegment.ofArray(m);
        assertEquals("m and q overlap; a fused update needs separate buffers", assertThrows(
                IllegalArgumentException.class, () -> u.adamP(AdamPParams.defaults(), 1, 2, 2, MemorySegment.ofArray(p),
                        0, MemorySegment.ofArray(g), 0, ms, 0, MemorySegment.ofArray(v), 0, ms, 1)).getMessage());
        assertEquals("q must not be null", assertThrows(NullPointerException.class,
                () -> u.lamb(LambParams.defaults(), 1, 4, MemorySegment.ofArray(p), 0, MemorySegment.ofArray(g), 0, ms,
                        0, MemorySegment.ofArray(v), 0, null, 0)).getMessage());
        assertArrayEquals(new float[] {1, 2, 3, 4}, p);
        assertArrayEquals(new float[4], m);
        assertArrayEquals(new float[4], v);
    }

    /** The generic entry point gives the bits of each rule's own method; scaled gradients = prescaled ones. */
    @ParameterizedTest
    @MethodSource("implementations")
    void theGenericUpdateIsEachRulesOwnArithmetic(FusedUpdates u) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        int n = 1000;
        float[] p0 = new float[n], g = new float[n], half = new float[n];
        for (int i = 0; i < n; i++) {
            p0[i] = (float) r.nextGaussian();
            g[i] = (float) r.nextGaussian();
            half[i] = g[i] * 0.5f;
        }
        List<Hyperparameters> rules = List.of(AdamParams.adamW(), SgdParams.defaults().withMomentum(0.9, 0, true),
                SgdParams.defaults().withMomentum(0.8, 0.1, false),
                LionParams.defaults(), AdaBeliefParams.defaults(), SignumParams.signum(), ExAdamParams.defaults(),
                DiffGradParams.defaults(), RmspropParams.defaults().withCentered(true).withMomentum(0.9),
                RmspropParams.defaults(), AdagradParams.defaults().withInitialAccumulator(0.1).withLrDecay(0.01));
        for (Hyperparameters h : rules) {
            int k = FusedUpdates.stateNames(h).size();
            float[] pa = p0.clone(), pb = p0.clone();
            float[][] sa = new float[k][n], sb = new float[k][n];
            MemorySegment[] segs = new MemorySegment[k];
            long[] offs = new long[k];
            for (int j = 0; j < k; j++) {
                segs[j] = MemorySegment.ofArray(sb[j]);
            }
            for (long t = 1; t <= 3; t++) {
                switch (h) {
                    case AdamParams a -> u.adam(a, t, pa, half, sa[0], sa[1]);
                    case SgdParams a -> u.sgd(a, t, pa, half, sa[0]);
                    case LionParams a -> u.lion(a, pa, half, sa[0]);
                    case AdaBeliefParams a -> u.adaBelief(a, t, pa, half, sa[0], sa[1]);
                    case SignumParams a -> u.signum(a, pa, half, sa[0]);
                    case ExAdamParams a -> u.exAdam(a, t, pa, half, sa[0], sa[1]);
                    case DiffGradParams a -> u.diffGrad(a, t, pa, half, sa[0], sa[1], sa[2]);
                    case RmspropParams a -> u.rmsprop(a, pa, half, sa[0], a.centered() ? sa[1] : null,
                            a.hasMomentum() ? sa[k - 1] : null);
                    case AdagradParams a -> u.adagrad(a, t, pa, half, sa[0]);
                    default -> throw new AssertionError(h);
                }
                u.update(h, t, 0.5, n, MemorySegment.ofArray(pb), 0, MemorySegment.ofArray(g), 0, segs, offs);
            }
            assertArrayEquals(pa, pb, h.getClass().getSimpleName() + " p");
            for (int j = 0; j < k; j++) {
                assertArrayEquals(sa[j], sb[j], h.getClass().getSimpleName() + " state " + j);
            }
        }
        MemorySegment ps = MemorySegment.ofArray(new float[4]), gs = MemorySegment.ofArray(new float[4]);
        MemorySegment[] two = {MemorySegment.ofArray(new float[4]), MemorySegment.ofArray(new float[4])};
        var e = assertThrows(IllegalArgumentException.class,
                () -> u.update(LambParams.defaults(), 1, 1, 4, ps, 0, gs, 0, two, new long[2]));
        assertTrue(e.getMessage().contains("norm-based"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> u.update(AdamParams.adamW(), 1, -1, 4, ps, 0, gs, 0, two, new long[2]));
        assertTrue(e.getMessage().contains("gradScale"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> u.update(AdamParams.adamW(), 1, 1, 4, ps, 0, gs, 0, new MemorySegment[] {two[0]}, new long[1]));
        assertTrue(e.getMessage().contains("[m, v]"), e.getMessage());
        assertFalse(FusedUpdates.isElementwise(SgdSaiParams.defaults()));
        assertTrue(FusedUpdates.isElementwise(AdamParams.adam()));
    }

    @Test
    void rmspropAndAdagradNameBadArgumentsBeforeAnyWrite() {
        var e = assertThrows(IllegalArgumentException.class, () -> RmspropParams.defaults().withMomentum(1));
        assertTrue(e.getMessage().startsWith("momentum"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new RmspropParams(1e-2, 1.0, 1e-8, 0, 0, false, false));
        assertTrue(e.getMessage().startsWith("alpha"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AdagradParams(1e-2, 0, 0, 0, 0, false));
        assertTrue(e.getMessage().startsWith("eps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AdagradParams.defaults().withInitialAccumulator(-1));
        assertTrue(e.getMessage().startsWith("initialAccumulator"), e.getMessage());
        FusedUpdates u = FusedUpdates.get();
        float[] p = {1, 2, 3}, g = {1, 1, 1}, v = new float[3];
        var npe = assertThrows(NullPointerException.class,
                () -> u.rmsprop(RmspropParams.defaults().withCentered(true), p, g, v, null, null));
        assertTrue(npe.getMessage().startsWith("gavg"), npe.getMessage());
        assertArrayEquals(new float[] {1, 2, 3}, p, "nothing written");
        assertArrayEquals(new float[3], v, "nothing written");
        e = assertThrows(IllegalArgumentException.class, () -> u.adagrad(AdagradParams.defaults(), 0, p, g, v));
        assertTrue(e.getMessage().contains("step"), e.getMessage());
    }
}
