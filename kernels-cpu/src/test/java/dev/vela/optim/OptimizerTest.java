package dev.vela.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vela.kernels.Capabilities;
import dev.vela.kernels.Implementation;
import dev.vela.parallel.VelaPool;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optimizer layer against the kernel layer it is built on: a multi-tensor step must give
 * the same bits as one {@link FusedUpdates} call per tensor, for any thread count; groups,
 * schedules, gradient hygiene and checkpoints on top.
 */
class OptimizerTest {

    /**
     * Tensor sizes: empty, tiny, odd, two 16K blocks within one 32K chunk, and more than one chunk
     * (the Optimizer runs a norm-based tensor of up to 32K elements whole, in one task); with
     * their rows for AdamP and SGDP: one, one element each, short rows, and rows longer than a
     * 16K reduction block.
     */
    private static final int[] SIZES = {0, 1, 17, 1000, 20_000, 70_001, 80_000};
    private static final int[] ROWS = {1, 1, 17, 8, 16, 1, 2};

    static List<Implementation> implementations() {
        List<Implementation> list = new ArrayList<>(List.of(Implementation.SCALAR));
        if (Capabilities.current().vectorAvailable()) {
            list.add(Implementation.VECTOR);
        }
        return list;
    }

    private static float[] random(SplittableRandom r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * scale);
        }
        return x;
    }

    /** A rule for each tensor, with the per-tensor kernel call it must match. */
    record Rule(Hyperparameters h, int buffers, KernelCall call) {
    }

    @FunctionalInterface
    interface KernelCall {
        void apply(FusedUpdates u, Hyperparameters h, long t, long rows, float[] p, float[] g, float[][] s);
    }

    static List<Rule> rules() {
        return List.of(
                new Rule(AdamParams.adamW(), 2, (u, h, t, rows, p, g, s) -> u.adam((AdamParams) h, t, p, g, s[0], s[1])),
                new Rule(AdamParams.adam().withAmsgrad(true).withWeightDecay(0.01), 3,
                        (u, h, t, rows, p, g, s) -> u.adamAmsgrad((AdamParams) h, t, p, g, s[0], s[1], s[2])),
                new Rule(SgdParams.defaults().withMomentum(0.9, 0, true), 1,
                        (u, h, t, rows, p, g, s) -> u.sgd((SgdParams) h, t, p, g, s[0])),
                new Rule(LionParams.defaults(), 1, (u, h, t, rows, p, g, s) -> u.lion((LionParams) h, p, g, s[0])),
                new Rule(SignumParams.signSgd(), 0, (u, h, t, rows, p, g, s) -> u.signum((SignumParams) h, p, g, null)),
                new Rule(AdaBeliefParams.defaults(), 2, (u, h, t, rows, p, g, s) -> u.adaBelief((AdaBeliefParams) h, t, p, g,
                        s[0], s[1])),
                new Rule(DiffGradParams.defaults(), 3, (u, h, t, rows, p, g, s) -> u.diffGrad((DiffGradParams) h, t, p, g, s[0],
                        s[1], s[2])),
                new Rule(ExAdamParams.defaults(), 2, (u, h, t, rows, p, g, s) -> u.exAdam((ExAdamParams) h, t, p, g, s[0], s[1])),
                new Rule(LambParams.defaults(), 2, (u, h, t, rows, p, g, s) -> u.lamb((LambParams) h, t, p, g, s[0], s[1])),
                new Rule(LarsParams.defaults(), 1, (u, h, t, rows, p, g, s) -> u.lars((LarsParams) h, p, g, s[0])),
                new Rule(AdamPParams.defaults().withWeightDecay(0.1), 2,
                        (u, h, t, rows, p, g, s) -> u.adamP((AdamPParams) h, t, rows, p, g, s[0], s[1])),
                // a delta this large projects every tensor of more than one row
                new Rule(new AdamPParams(1e-3, 0.9, 0.999, 1e-8, 0.1, 1e3, 0.1, false), 2,
                        (u, h, t, rows, p, g, s) -> u.adamP((AdamPParams) h, t, rows, p, g, s[0], s[1])),
                new Rule(SgdpParams.defaults(), 1,
                        (u, h, t, rows, p, g, s) -> u.sgdp((SgdpParams) h, rows, p, g, s[0])),
                new Rule(new SgdpParams(0.1, 0.9, 0, 1e-5, true, 1e3, 0.1, false), 1,
                        (u, h, t, rows, p, g, s) -> u.sgdp((SgdpParams) h, rows, p, g, s[0])),
                new Rule(SignumParams.signum(), 1, (u, h, t, rows, p, g, s) -> u.signum((SignumParams) h, p, g, s[0])));
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void aMultiTensorStepEqualsOneKernelCallPerTensorForAnyThreadCount(Implementation impl) {
        for (Rule rule : rules()) {
            float[][] reference = null;
            for (int threads : new int[] {1, 3}) {
                try (VelaPool pool = VelaPool.create(threads)) {
                    FusedUpdates u = FusedUpdates.create(impl, pool);
                    SplittableRandom r = new SplittableRandom(5);
                    List<float[]> ps = new ArrayList<>(), gs = new ArrayList<>(), expectedP = new ArrayList<>();
                    List<float[][]> states = new ArrayList<>();
                    Optimizer.Builder b = Optimizer.builder().kernels(u);
                    List<Param> params = new ArrayList<>();
                    for (int k = 0; k < SIZES.length; k++) {
                        float[] p = random(r, SIZES[k], 1), g = new float[SIZES[k]];
                        ps.add(p);
                        gs.add(g);
                        expectedP.add(p.clone());
                        states.add(new float[rule.buffers()][SIZES[k]]);
                        params.add(Param.of("t" + k, p, g, ROWS[k]));
                    }
                    b.group(rule.h(), params.toArray(Param[]::new));
                    try (Optimizer opt = b.build()) {
                        for (int t = 1; t <= 4; t++) {
                            for (int k = 0; k < SIZES.length; k++) {
                                float[] fresh = random(r, SIZES[k], 0.5);
                                System.arraycopy(fresh, 0, gs.get(k), 0, fresh.length);
                                rule.call().apply(u, rule.h(), t, ROWS[k], expectedP.get(k), fresh, states.get(k));
                            }
                            Optimizer.StepReport report = opt.step();
                            assertEquals(t, report.step());
                            assertFalse(report.skipped());
                        }
                        for (int k = 0; k < SIZES.length; k++) {
                            assertArrayEquals(expectedP.get(k), ps.get(k), rule.h() + " tensor " + k + ", " + threads
                                    + " threads");
                        }
                    }
                    float[][] now = ps.toArray(float[][]::new);
                    if (reference == null) {
                        reference = now;
                    } else {
                        for (int k = 0; k < now.length; k++) {
                            assertArrayEquals(reference[k], now[k], rule.h() + " differs between thread counts");
                        }
                    }
                }
            }
        }
    }

    @Test
    void groupsKeepTheirOwnHyperparametersAndSchedules() {
        FusedUpdates u = FusedUpdates.create(Implementation.SCALAR, FusedUpdatesTest.POOL);
        float[] w = {1, -2, 3}, gw = {0.5f, 0.25f, -1}, bias = {0.5f}, gb = {2};
        float[] ew = w.clone(), eb = bias.clone(), mw = new float[3], vw = new float[3], bb = new float[1];
        AdamParams adam = AdamParams.adamW().withLr(0.1);
        SgdParams sgd = SgdParams.defaults().withLr(0.05).withMomentum(0.9, 0, false);
        LrSchedule warmup = LrSchedule.linearWarmup(2, LrSchedule.stepDecay(1, 0.5));
        try (Optimizer opt = Optimizer.builder().kernels(u).group(adam, warmup, Param.of("w", w, gw))
                .group(sgd, Param.of("b", bias, gb)).build()) {
            for (int t = 1; t <= 4; t++) {
                opt.step();
                u.adam(adam.withLr(0.1 * warmup.factor(t)), t, ew, gw, mw, vw);
                u.sgd(sgd, t, eb, gb, bb);
                assertEquals(0.1 * warmup.factor(t), opt.hyperparameters(0, t).lr(), 1e-15);
            }
        }
        assertArrayEquals(ew, w);
        assertArrayEquals(eb, bias);
        assertEquals(0.5, warmup.factor(1));
        assertEquals(1.0, warmup.factor(2));
        assertEquals(1.0, warmup.factor(3));
        assertEquals(0.5, warmup.factor(4));
    }

    @Test
    void clippingAndUnscalingEqualPrescaledGradients() {
        FusedUpdates u = FusedUpdates.create(Implementation.SCALAR, FusedUpdatesTest.POOL);
        float[] p = {1, 2, 3, 4}, g = {3, 4, 0, 0}, q = p.clone(), m = new float[4], v = new float[4];
        // loss scale 2: unscaled norm 2.5; clipped to 1 -> factor (1 / 2) * (1 / (2.5 + 1e-6))
        try (Optimizer opt = Optimizer.builder().kernels(u).group(AdamParams.adamW(), Param.of("p", p, g))
                .lossScale(2).clipGradNorm(1).build()) {
            Optimizer.StepReport r = opt.step();
            assertEquals(2.5, r.gradNorm(), 1e-12);
            double factor = 0.5 / (2.5 + 1e-6);
            assertEquals(factor, r.gradScale(), 1e-15);
            float[] scaled = new float[4];
            for (int i = 0; i < 4; i++) {
                scaled[i] = g[i] * (float) factor;
            }
            u.adam(AdamParams.adamW(), 1, q, scaled, m, v);
        }
        assertArrayEquals(q, p);
        assertArrayEquals(new float[] {3, 4, 0, 0}, g, "gradients are not written");
    }

    @Test
    void aNonFiniteGradientSkipsTheWholeStepWhenAsked() {
        float[] a = {1, 2}, ga = {0.1f, 0.2f}, b = {3}, gb = {Float.NaN};
        try (Optimizer opt = Optimizer.builder().group(AdamParams.adamW(), Param.of("a", a, ga), Param.of("b", b, gb))
                .skipNonFinite(true).build()) {
            Optimizer.StepReport r = opt.step();
            assertTrue(r.skipped());
            assertTrue(Double.isNaN(r.gradNorm()));
            assertEquals(0, opt.stepCount());
            assertArrayEquals(new float[] {1, 2}, a);
            assertArrayEquals(new float[] {3}, b);
            assertTrue(opt.exportState().buffers().values().stream().allMatch(x -> x[0] == 0), "state untouched");
            gb[0] = Float.POSITIVE_INFINITY;
            assertTrue(opt.step().skipped());
            gb[0] = 1;
            assertFalse(opt.step().skipped());
            assertEquals(1, opt.stepCount());
        }
        float[] c = {1}, gc = {Float.NaN};
        try (Optimizer opt = Optimizer.builder().group(AdamParams.adamW(), Param.of("c", c, gc)).build()) {
            assertFalse(opt.step().skipped(), "without the check NaN propagates");
            assertTrue(Float.isNaN(c[0]));
        }
    }

    @Test
    void stateRoundTripsThroughACheckpoint() throws IOException {
        Function<float[][], Optimizer> build = a -> Optimizer.builder()
                .group(AdamParams.adamW().withAmsgrad(true), Param.of("w", a[0], a[1], 2))
                .group(SgdSaiParams.defaults(), Param.of("s", a[2], a[3]))
                .group(LionParams.defaults(), LrSchedule.cosine(10, 0.1), Param.of("l", a[4], a[5])).build();
        SplittableRandom r = new SplittableRandom(9);
        float[][] first = {random(r, 6, 1), new float[6], random(r, 5, 1), new float[5], random(r, 3, 1), new float[3]};
        float[][] second = new float[6][];
        try (Optimizer a = build.apply(first)) {
            for (int t = 0; t < 3; t++) {
                for (int k = 1; k < 6; k += 2) {
                    System.arraycopy(random(r, first[k].length, 1), 0, first[k], 0, first[k].length);
                }
                a.step();
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            a.exportState().write(new DataOutputStream(bytes));
            OptimizerState restored = OptimizerState.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
            assertEquals(3, restored.step());
            assertTrue(restored.scalars().get("s/gsnr") > 0, "SGD-SaI's scale is part of the state");
            for (int k = 0; k < 6; k++) {
                second[k] = first[k].clone();
            }
            try (Optimizer b = build.apply(second)) {
                b.importState(restored);
                assertEquals(3, b.stepCount());
                for (int t = 0; t < 3; t++) {
                    for (int k = 1; k < 6; k += 2) {
                        float[] g = random(r, first[k].length, 1);
                        System.arraycopy(g, 0, first[k], 0, g.length);
                        System.arraycopy(g, 0, second[k], 0, g.length);
                    }
                    a.step();
                    b.step();
                }
                for (int k = 0; k < 6; k += 2) {
                    assertArrayEquals(first[k], second[k], "tensor " + k + " after resuming");
                }
                OptimizerState other;
                try (Optimizer c = Optimizer.builder().group(AdamParams.adamW(), Param.of("w", new float[6],
                        new float[6])).build()) {
                    other = c.exportState();
                }
                assertEquals("the state has no buffer w/vMax", assertThrows(IllegalArgumentException.class,
                        () -> b.importState(other)).getMessage());
            }
        }
    }

    @Test
    void stateBytesCountFourBytesPerStateElement() {
        try (Optimizer opt = Optimizer.builder()
                .group(AdamParams.adamW(), Param.of("w", new float[100], new float[100]))
                .group(SgdParams.defaults().withMomentum(0.9, 0, false), Param.of("b", new float[50], new float[50]))
                .group(SgdParams.defaults(), Param.of("c", new float[10], new float[10])).build()) {
            assertEquals(160, opt.parameterCount());
            assertEquals(100 * 8 + 50 * 4, opt.stateBytes());
            assertEquals((100 * 8 + 50 * 4) / 160.0, opt.stateBytesPerParameter());
        }
        try (Optimizer opt = Optimizer.builder().group(AdamParams.adamW(), Param.of("w", new float[8], new float[8]))
                .build()) {
            assertEquals(8.0, opt.stateBytesPerParameter(), "float32 Adam: m and v");
        }
    }

    /** Byte buffers and labels survive the binary format; the first format (VELAOPT1) still reads. */
    @Test
    void quantizedStateEntriesRoundTripAndTheFirstFormatStillReads() throws IOException {
        OptimizerState s = new OptimizerState(7, Map.of("w/m.absmax", new float[] {1.5f, 2f}), Map.of("x/gsnr", 0.25),
                Map.of("w/m.codes", new byte[] {1, -2, 3}), Map.of("w/m.map", "dynamic(signed, 7, 8)"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.write(new DataOutputStream(out));
        OptimizerState back = OptimizerState.read(new DataInputStream(new ByteArrayInputStream(out.toByteArray())));
        assertEquals(7, back.step());
        assertArrayEquals(new float[] {1.5f, 2f}, back.buffers().get("w/m.absmax"));
        assertArrayEquals(new byte[] {1, -2, 3}, back.bytes().get("w/m.codes"));
        assertEquals("dynamic(signed, 7, 8)", back.labels().get("w/m.map"));
        assertEquals(0.25, back.scalars().get("x/gsnr"));
        // VELAOPT1, as the first release wrote it: magic, step, float buffers, scalars
        ByteArrayOutputStream v1 = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(v1);
        d.writeLong(0x56454C414F505431L);
        d.writeLong(4);
        d.writeInt(1);
        d.writeUTF("p/m");
        d.writeInt(2);
        d.writeFloat(0.5f);
        d.writeFloat(-1f);
        d.writeInt(0);
        OptimizerState old = OptimizerState.read(new DataInputStream(new ByteArrayInputStream(v1.toByteArray())));
        assertEquals(4, old.step());
        assertArrayEquals(new float[] {0.5f, -1f}, old.buffers().get("p/m"));
        assertTrue(old.bytes().isEmpty() && old.labels().isEmpty());
        try (Optimizer opt = Optimizer.builder().group(AdamParams.adamW(), Param.of("w", new float[2], new float[2]))
                .build()) {
            var e = assertThrows(IllegalArgumentException.class, () -> opt.importState(s));
            assertTrue(e.getMessage().contains("quantized"), e.getMessage());
        }
    }

    @Test
    void badSetupsAreNamed() {
        float[] p = {1, 2}, g = {0, 0};
        assertEquals("two tensors are named x", assertThrows(IllegalArgumentException.class, () -> Optimizer.builder()
                .group(AdamParams.adamW(), Param.of("x", p, g), Param.of("x", new float[1], new float[1]))
                .build()).getMessage());
        assertEquals("x values and y values overlap", assertThrows(IllegalArgumentException.class,
                () -> Optimizer.builder().group(AdamParams.adamW(), Param.of("x", p, g), Param.of("y", p, new float[2]))
                        .build()).getMessage());
        assertEquals("an optimizer needs at least one tensor",
                assertThrows(IllegalArgumentException.class, () -> Optimizer.builder().build()).getMessage());
        assertEquals("rows must be >= 1 and divide n, was rows 3, n 2",
                assertThrows(IllegalArgumentException.class, () -> Param.of("x", p, g, 3)).getMessage());
        assertEquals("lossScale must be finite and > 0, was 0.0",
                assertThrows(IllegalArgumentException.class, () -> Optimizer.builder().lossScale(0)).getMessage());
        float[] before = {1, 2};
        java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
        Optimizer two = Optimizer.builder().group(AdamParams.adamW(), Param.of("x", p, g),
                Param.of("y", arena.allocate(8, 4), arena.allocate(8, 4), 2)).build();
        arena.close();
        assertEquals("y values: the segment's arena is already closed",
                assertThrows(IllegalStateException.class, two::step).getMessage());
        assertArrayEquals(before, p, "nothing was written");
        two.close();
        Optimizer opt = Optimizer.builder().group(AdamParams.adamW(), Param.of("x", p, g)).build();
        opt.close();
        assertEquals("this Optimizer is closed", assertThrows(IllegalStateException.class, opt::step).getMessage());
    }

    @Test
    void schedulesHaveTheirDocumentedShapes() {
        LrSchedule cosine = LrSchedule.cosine(4, 0.2);
        assertEquals(1.0, cosine.factor(1), 1e-15);
        assertEquals(0.2 + 0.8 * (1 + Math.cos(Math.PI / 2)) / 2, cosine.factor(3), 1e-15);
        assertEquals(0.2, cosine.factor(5), 1e-15);
        assertEquals(0.2, cosine.factor(500), 1e-15);
        assertEquals(1.0, LrSchedule.constant().factor(7));
        assertEquals(0.25, LrSchedule.stepDecay(10, 0.5).factor(21));
        assertEquals(0.5, LrSchedule.stepDecay(10, 0.5).factor(20));
        assertEquals(0.3, LrSchedule.linearWarmup(10, LrSchedule.constant()).factor(3), 1e-15);
        assertEquals("step must be >= 1, was 0",
                assertThrows(IllegalArgumentException.class, () -> cosine.factor(0)).getMessage());
        assertEquals("minFactor must be in [0, 1], was 1.5",
                assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(3, 1.5)).getMessage());
    }
}
