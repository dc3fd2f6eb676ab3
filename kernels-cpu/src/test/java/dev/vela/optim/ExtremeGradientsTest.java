package dev.vela.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradients across the whole float range, mixed within every vector: magnitudes from the
 * smallest subnormal to 2^60, zeros of both signs, infinities and NaN. The vector kernels take
 * shortcuts that hold within a range (EXAdam's one-division form up to 2^32 in v and m^2,
 * diffGrad's polynomial exponential) and hand other lanes to the scalar loop; both must still
 * follow the double-precision reference. Half the parameters start at 0, so even the smallest
 * updates show in p instead of vanishing below p's rounding.
 */
class ExtremeGradientsTest {

    private static final int N = 5 * 16 + 3;
    private static final int STEPS = 4;

    /** A gradient element: log-uniform magnitude over [2^-149, 2^60], or a special value. */
    private static float gradient(SplittableRandom r, boolean specials) {
        int kind = r.nextInt(40);
        if (kind == 0) {
            return r.nextBoolean() ? 0f : -0f;
        }
        if (specials && kind == 1) {
            return switch (r.nextInt(3)) {
                case 0 -> Float.POSITIVE_INFINITY;
                case 1 -> Float.NEGATIVE_INFINITY;
                default -> Float.NaN;
            };
        }
        float magnitude = (float) Math.scalb(1 + r.nextDouble(), r.nextInt(-150, 60));
        return r.nextBoolean() ? magnitude : -magnitude;
    }

    @FunctionalInterface
    interface KernelStep {
        void apply(FusedUpdates u, int t, float[] p, float[] g, float[][] s);
    }

    @FunctionalInterface
    interface ReferenceStep {
        /** One step; leaves in extra[i] any error bound beyond 2^-20 |dp| (EXAdam's conditioning). */
        void apply(int t, double[] p, double[] g, double[][] s, double[] extra);
    }

    private static void follows(FusedUpdates u, String rule, int buffers, int referenceBuffers, KernelStep kernel,
                                ReferenceStep reference) {
        for (int seed = 0; seed < 40; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            boolean specials = seed % 2 == 1;
            float[] p = new float[N];
            double[] pd = new double[N], tol = new double[N], extra = new double[N];
            for (int i = 1; i < N; i += 2) {
                p[i] = (float) r.nextDouble(-1, 1);
                pd[i] = p[i];
            }
            float[][] s = new float[buffers][N];
            double[][] sd = new double[referenceBuffers][N];
            for (int t = 1; t <= STEPS; t++) {
                float[] g = new float[N];
                double[] gd = new double[N];
                for (int i = 0; i < N; i++) {
                    g[i] = gradient(r, specials);
                    gd[i] = g[i];
                }
                kernel.apply(u, t, p, g, s);
                double[] before = pd.clone();
                java.util.Arrays.fill(extra, 0);
                reference.apply(t, pd, gd, sd, extra);
                for (int i = 0; i < N; i++) {
                    tol[i] += 0x1p-22 * Math.abs(pd[i]) + 0x1p-20 * Math.abs(pd[i] - before[i]) + extra[i];
                }
            }
            for (int i = 0; i < N; i++) {
                String where = rule + ", " + u.implementationName() + ", seed " + seed + ", p[" + i + "]";
                if (Double.isNaN(pd[i])) {
                    assertTrue(Float.isNaN(p[i]), where + ": the reference is NaN, got " + p[i]);
                } else if (Double.isInfinite(pd[i])) {
                    assertEquals(pd[i], p[i], where);
                } else {
                    assertEquals(pd[i], p[i], tol[i] + Float.MIN_NORMAL, where);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.vela.optim.FusedUpdatesTest#implementations")
    void exAdamFollowsTheReferenceAcrossTheFloatRange(FusedUpdates u) {
        ExAdamParams h = ExAdamParams.defaults().withWeightDecay(0.01);
        follows(u, "EXAdam", 2, 3, (k, t, p, g, s) -> k.exAdam(h, t, p, g, s[0], s[1]),
                (t, p, g, s, extra) -> Reference.exAdam(h, t, p, g, s[0], s[1], 0x1p-20, extra, s[2]));
    }

    @ParameterizedTest
    @MethodSource("dev.vela.optim.FusedUpdatesTest#implementations")
    void diffGradFollowsTheReferenceAcrossTheFloatRange(FusedUpdates u) {
        DiffGradParams h = DiffGradParams.defaults();
        follows(u, "diffGrad", 3, 3, (k, t, p, g, s) -> k.diffGrad(h, t, p, g, s[0], s[1], s[2]),
                (t, p, g, s, extra) -> Reference.diffGrad(h, t, p, g, s[0], s[1], s[2]));
    }

    @ParameterizedTest
    @MethodSource("dev.vela.optim.FusedUpdatesTest#implementations")
    void adamWFollowsTheReferenceAcrossTheFloatRange(FusedUpdates u) {
        AdamParams h = AdamParams.adamW();
        follows(u, "AdamW", 2, 3, (k, t, p, g, s) -> k.adam(h, t, p, g, s[0], s[1]),
                (t, p, g, s, extra) -> Reference.adam(h, t, p, g, s[0], s[1], s[2]));
    }
}
