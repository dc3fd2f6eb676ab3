package dev.vela.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule on the reference brief's test vectors (section 17: float64 runs of torch.optim 1.13
 * and of the authors' code), on every implementation. float32 against float64 values: the
 * tolerance is a few float ulps of the largest |p|.
 */
class PublishedValuesTest {

    static List<FusedUpdates> implementations() {
        return FusedUpdatesTest.implementations();
    }

    @FunctionalInterface
    interface Step {
        void apply(int t, float[] p, float[] g);
    }

    /** Scenario V: p0 = [1, -2, 3, -4], loss 1/2 sum c_i p_i^2 with c = [1, 0.5, 2, 0.25], so g = c * p. */
    static float[] scenarioV(int steps, Step step) {
        float[] p = {1, -2, 3, -4};
        float[] c = {1, 0.5f, 2, 0.25f};
        for (int t = 1; t <= steps; t++) {
            float[] g = new float[4];
            for (int i = 0; i < 4; i++) {
                g[i] = c[i] * p[i];
            }
            step.apply(t, p, g);
        }
        return p;
    }

    static void assertNear(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, what + ", element " + i);
        }
    }

    // ---- scenario V ------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("implementations")
    void sgdVariants(FusedUpdates u) {
        record Case(String name, SgdParams h, double[] expected) {
        }
        SgdParams base = SgdParams.defaults().withLr(0.1);
        for (Case c : List.of(
                new Case("lr .1", base, new double[] {0.729, -1.71475, 1.536, -3.7074375}),
                new Case("momentum .9", base.withMomentum(0.9, 0, false),
                        new double[] {0.486, -1.46275, 0.186, -3.4509375}),
                new Case("momentum .9 dampening .5", base.withMomentum(0.9, 0.5, false),
                        new double[] {0.60525, -1.5946875, 0.756, -3.589359375}),
                new Case("nesterov, wd .1", base.withMomentum(0.9, 0, true).withWeightDecay(0.1),
                        new double[] {0.273767471, -1.131294512, -0.421405197, -2.9401128815}),
                new Case("maximize", base.withMomentum(0.9, 0, false).withMaximize(true),
                        new double[] {1.61, -2.58525, 6.966, -4.5730625}))) {
            float[] b = new float[4];
            float[] p = scenarioV(3, (t, pp, g) -> u.sgd(c.h(), t, pp, g, c.h().hasMomentum() ? b : null));
            assertNear(c.expected(), p, 4e-6, "SGD " + c.name());
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void adamVariants(FusedUpdates u) {
        record Case(String name, AdamParams h, int steps, double[] expected) {
        }
        AdamParams adam = AdamParams.adam().withLr(0.1);
        for (Case c : List.of(
                new Case("Adam", adam, 3, new double[] {0.701586274504, -1.70062339434, 2.70038152345, -3.700273847}),
                new Case("Adam eps .1", adam.withEps(0.1), 3,
                        new double[] {0.729687567828, -1.72834866941, 2.70536653895, -3.72778050441}),
                new Case("Adam amsgrad", adam.withAmsgrad(true), 5,
                        new double[] {0.507963661927, -1.50295578519, 2.50177945623, -3.50126753406}),
                new Case("AdamW wd .1", AdamParams.adamW().withLr(0.1).withWeightDecay(0.1), 3,
                        new double[] {0.675101223189, -1.64436868584, 2.61440561728, -3.58458730891}))) {
            float[] m = new float[4], v = new float[4], vMax = new float[4];
            float[] p = scenarioV(c.steps(), (t, pp, g) -> {
                if (c.h().amsgrad()) {
                    u.adamAmsgrad(c.h(), t, pp, g, m, v, vMax);
                } else {
                    u.adam(c.h(), t, pp, g, m, v);
                }
            });
            assertNear(c.expected(), p, 3e-6, c.name());
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void adaBeliefPlainAndRectified(FusedUpdates u) {
        AdaBeliefParams plain = AdaBeliefParams.defaults().withLr(0.1).withRectify(false);
        float[] m = new float[4], s = new float[4];
        assertNear(new double[] {0.652305366226, -1.65057097077, 2.65015511227, -3.64997409056},
                scenarioV(3, (t, p, g) -> u.adaBelief(plain, t, p, g, m, s)), 3e-6, "AdaBelief without rectification");
        AdaBeliefParams rectified = AdaBeliefParams.defaults().withLr(0.1);
        float[] m2 = new float[4], s2 = new float[4];
        // steps 1-5 are momentum-SGD steps (rho_t < 5), step 6 the first adaptive one
        assertNear(new double[] {0.549020481799, -1.52316510761, 0.602191511806, -3.50989214417},
                scenarioV(6, (t, p, g) -> u.adaBelief(rectified, t, p, g, m2, s2)), 4e-6, "AdaBelief rectified");
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void diffGradAndLion(FusedUpdates u) {
        DiffGradParams d = DiffGradParams.defaults().withLr(0.1);
        float[] m = new float[4], v = new float[4], prev = new float[4];
        assertNear(new double[] {0.824228911632, -1.82553281476, 2.79269877826, -3.82620735576},
                scenarioV(3, (t, p, g) -> u.diffGrad(d, t, p, g, m, v, prev)), 3e-6, "diffGrad v2");
        float[] lm = new float[4];
        LionParams lion = LionParams.defaults().withLr(0.1).withWeightDecay(0.1);
        assertNear(new double[] {0.673289, -1.643588, 2.613887, -3.584186},
                scenarioV(3, (t, p, g) -> u.lion(lion, p, g, lm)), 3e-6, "Lion");
    }

    // ---- EXAdam (latest code), p0 = [1, -2, 3] ---------------------------------------------------

    @ParameterizedTest
    @MethodSource("implementations")
    void exAdamTwoSteps(FusedUpdates u) {
        ExAdamParams h = ExAdamParams.defaults().withLr(0.1);
        float[] p = {1, -2, 3}, m = new float[3], v = new float[3];
        u.exAdam(h, 1, p, new float[] {0.5f, -1, 2}, m, v);
        assertNear(new double[] {-0.595219326718, -0.404757879565, 1.40475217802}, p, 3e-6, "EXAdam step 1");
        u.exAdam(h, 2, p, new float[] {0.25f, 0.5f, -1}, m, v);
        assertNear(new double[] {-1.22806994353, -0.85962515019, 1.85962033802}, p, 3e-6, "EXAdam step 2");
    }

    // ---- scenario M: W0 = [[1,2,0],[0,1,-2]], G = [[2,-1,0],[1,2,1]], rows orthogonal ----------

    private static float[] w0() {
        return new float[] {1, 2, 0, 0, 1, -2};
    }

    private static final float[] G = {2, -1, 0, 1, 2, 1};

    @ParameterizedTest
    @MethodSource("implementations")
    void adamPAndSgdpProjectOnScenarioM(FusedUpdates u) {
        float[] p = w0(), m = new float[6], v = new float[6];
        assertTrue(u.adamP(AdamPParams.defaults().withLr(0.1).withWeightDecay(0.1), 1, 2, p, G, m, v));
        assertNear(new double[] {0.879, 2.058, 0, -0.1, 0.879, -2.058}, p, 3e-6, "AdamP");

        float[] q = w0(), b = new float[6];
        SgdpParams sgdp = new SgdpParams(0.1, 0.9, 0, 0.1, false, 0.1, 0.1, false);
        assertTrue(u.sgdp(sgdp, 2, q, G, b));
        assertNear(new double[] {0.79, 2.08, 0, -0.1, 0.79, -2.08}, q, 3e-6, "SGDP");

        float[] a = w0(), am = new float[6], av = new float[6];
        u.adam(AdamParams.adam().withLr(0.1), 1, a, G, am, av);
        assertNear(new double[] {0.9, 2.1, 0, -0.1, 0.9, -2.1}, a, 3e-6, "Adam on scenario M");

        float[] flat = w0(), fm = new float[6], fv = new float[6];
        assertFalse(u.adamP(AdamPParams.defaults().withLr(0.1), 1, 1, flat, G, fm, fv), "one row is never projected");
        assertNear(new double[] {0.9, 2.1, 0, -0.1, 0.9, -2.1}, flat, 3e-6, "AdamP without projection is Adam");
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void lambAndSgdSaiOnScenarioM(FusedUpdates u) {
        float[] p = w0(), m = new float[6], v = new float[6];
        LambParams lamb = LambParams.defaults().withLr(0.1).withWeightDecay(0.1).withBiasCorrection(false);
        u.lamb(lamb, 1, p, G, m, v);
        assertNear(new double[] {0.852375222397, 2.13404668963, 0, -0.143097239925, 0.852375222397, -2.13404668963},
                p, 3e-6, "LAMB (pytorch-lamb)");

        SgdSaiParams sai = SgdSaiParams.defaults().withLr(0.1);
        double scale = u.sgdSaiScale(sai, G);
        assertEquals(2.837037248628667, scale, 1e-6, "gsnr");
        float[] q = w0(), b = new float[6];
        u.sgdSai(sai, 1, scale, q, G, b);
        assertNear(new double[] {0.431592550274, 2.28170372486, 0, -0.283703724863, 0.431592550274, -2.28170372486},
                q, 3e-6, "SGD-SaI");
    }
}
