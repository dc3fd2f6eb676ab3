package dev.vela.linalg;

import dev.vela.kernels.FloatKernels;
import dev.vela.memory.SegmentChecks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Hutchinson's estimator of a Hessian's diagonal, {@code diag(H) = E[z ⊙ Hz]} for probes z with
 * independent entries of mean 0 and variance 1. Rademacher probes (±1, each with probability ½)
 * give per-element variance {@code Σ_{j≠i} H_ij²} for one probe (0 when H is diagonal); k probes
 * divide it by k.
 *
 * <p>Also the two ways optimizers smooth the estimate: AdaHessian's spatial averaging of |D| over
 * blocks ({@link #blockAverageOfAbs}) with its root-mean-square EMA ({@link RmsEma}), and
 * Sophia's EMA refreshed every k steps ({@link SophiaEma}).
 */
public final class Hutchinson {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /**
     * The given kernels' implementation on a pool without workers: the elementwise passes are
     * O(n) against the products' O(n²) or more, and dispatching them to a pool cost more than
     * they did (the estimate took 1.2x its products' time on 2 threads at n = 512).
     */
    private final FloatKernels kernels;
    /** Each thread's probe and product buffers (grown as needed), from an automatic arena. */
    private static final ThreadLocal<MemorySegment[]> SCRATCH = new ThreadLocal<>();

    private Hutchinson(FloatKernels kernels) {
        this.kernels = Gemm.serial(kernels.implementation());
    }

    private static MemorySegment[] scratch(int n) {
        MemorySegment[] s = SCRATCH.get();
        long bytes = Math.max(1, n) * (long) Float.BYTES;
        if (s == null || s[0].byteSize() < bytes) {
            Arena arena = Arena.ofAuto();
            s = new MemorySegment[] {arena.allocate(bytes, 64), arena.allocate(bytes, 64)};
            SCRATCH.set(s);
        }
        return new MemorySegment[] {s[0].asSlice(0, bytes), s[1].asSlice(0, bytes)};
    }

    /** An estimator whose elementwise work runs on {@link FloatKernels#get()}. */
    public static Hutchinson get() {
        return new Hutchinson(FloatKernels.get());
    }

    /** An estimator whose elementwise work runs on the given kernels. */
    public static Hutchinson create(FloatKernels kernels) {
        if (kernels == null) {
            throw new NullPointerException("kernels must not be null");
        }
        return new Hutchinson(kernels);
    }

    /**
     * {@code diag = (1/k) Σ_j z_j ⊙ H z_j} over k Rademacher probes drawn from
     * {@code SplittableRandom(seed)} (64 signs per draw): the same seed gives the same bits.
     * Per probe: one product with H, then one fused pass {@code acc += z ⊙ Hz} on the calling
     * thread; the probes and products live in two per-thread n-float buffers.
     *
     * @throws IllegalArgumentException naming the argument when probes < 1 or diag is shorter
     *     than H's size or read-only
     */
    public void estimate(HessianVectorProduct h, int probes, long seed, MemorySegment diag, long diagOffset) {
        if (h == null) {
            throw new NullPointerException("h must not be null");
        }
        if (probes < 1) {
            throw new IllegalArgumentException("probes must be >= 1, was " + probes);
        }
        int n = h.size();
        SegmentChecks.checkWritableRange("diag", diag, diagOffset, n, Float.BYTES);
        MemorySegment[] buffers = scratch(n);
        MemorySegment z = buffers[0], hz = buffers[1];
        SplittableRandom random = new SplittableRandom(seed);
        kernels.fill(n, 0f, diag, diagOffset);
        for (int j = 0; j < probes; j++) {
            rademacher(random, z, n);
            h.apply(z, hz);
            kernels.fma(n, z, 0, hz, 0, diag, diagOffset, diag, diagOffset);
        }
        kernels.scale(n, 1f / probes, diag, diagOffset);
    }

    /** n entries of ±1 from 64-bit draws, one bit per entry. */
    static void rademacher(SplittableRandom random, MemorySegment z, int n) {
        for (int i = 0; i < n; i += 64) {
            long bits = random.nextLong();
            int end = Math.min(n, i + 64);
            for (int t = i; t < end; t++, bits >>>= 1) {
                // 1.0f with the sign bit taken from the draw
                z.setAtIndex(F, t, Float.intBitsToFloat(0x3F80_0000 | (int) (bits & 1) << 31));
            }
        }
    }

    /**
     * AdaHessian's spatial averaging: each element of {@code out} gets the mean of |d| over its
     * block of {@code block} consecutive elements (the last block may be shorter); block 1 is
     * plain |d|. The mean is accumulated in double.
     *
     * @throws IllegalArgumentException when block < 1 or a segment is too short
     */
    public static void blockAverageOfAbs(MemorySegment d, long dOffset, long n, int block, MemorySegment out,
                                         long outOffset) {
        if (block < 1) {
            throw new IllegalArgumentException("block must be >= 1, was " + block);
        }
        SegmentChecks.checkRange("d", d, dOffset, n, Float.BYTES);
        SegmentChecks.checkWritableRange("out", out, outOffset, n, Float.BYTES);
        for (long b0 = 0; b0 < n; b0 += block) {
            long len = Math.min(block, n - b0);
            double sum = 0;
            for (long i = 0; i < len; i++) {
                sum += Math.abs(d.getAtIndex(F, dOffset + b0 + i));
            }
            float mean = (float) (sum / len);
            for (long i = 0; i < len; i++) {
                out.setAtIndex(F, outOffset + b0 + i, mean);
            }
        }
    }

    /**
     * AdaHessian's second-moment EMA of the (averaged) diagonal: {@code v = β v + (1 − β) D²},
     * and its bias-corrected root {@code sqrt(v / (1 − β^t))} raised to the Hessian power, the
     * denominator's main term.
     */
    public static final class RmsEma {
        private final double beta;
        private final float[] v;
        private long t;

        /** @throws IllegalArgumentException when beta is not in [0, 1) or n < 0 */
        public RmsEma(int n, double beta) {
            if (!(beta >= 0 && beta < 1)) {
                throw new IllegalArgumentException("beta must be in [0, 1), was " + beta);
            }
            SegmentChecks.checkCount("n", n);
            this.beta = beta;
            this.v = new float[n];
        }

        /** Folds in one estimate (n floats of d). */
        public void update(MemorySegment d, long dOffset) {
            SegmentChecks.checkRange("d", d, dOffset, v.length, Float.BYTES);
            t++;
            float b = (float) beta, c = (float) (1 - beta);
            for (int i = 0; i < v.length; i++) {
                float x = d.getAtIndex(F, dOffset + i);
                v[i] = b * v[i] + c * x * x;
            }
        }

        /** Updates so far. */
        public long steps() {
            return t;
        }

        /**
         * {@code out[i] = (sqrt(v_i / (1 − β^t)))^power}: power 1 is AdaHessian's default, 0.5
         * its square-root variant.
         *
         * @throws IllegalStateException before the first update
         */
        public void root(double power, MemorySegment out, long outOffset) {
            if (t == 0) {
                throw new IllegalStateException("no estimate folded in yet");
            }
            SegmentChecks.checkWritableRange("out", out, outOffset, v.length, Float.BYTES);
            double correction = 1 - Math.pow(beta, t);
            for (int i = 0; i < v.length; i++) {
                out.setAtIndex(F, outOffset + i, (float) Math.pow(Math.sqrt(v[i] / correction), power));
            }
        }
    }

    /**
     * Sophia's curvature EMA: on steps t with {@code t % every == 0} (t counted from 1 by
     * {@link #step}), {@code h = β h + (1 − β) ĥ} with a fresh estimate; on the others h is kept.
     */
    public static final class SophiaEma {
        private final double beta;
        private final int every;
        private final float[] h;
        private long t;

        /** @throws IllegalArgumentException when beta is not in [0, 1), every < 1 or n < 0 */
        public SophiaEma(int n, double beta, int every) {
            if (!(beta >= 0 && beta < 1)) {
                throw new IllegalArgumentException("beta must be in [0, 1), was " + beta);
            }
            if (every < 1) {
                throw new IllegalArgumentException("every must be >= 1, was " + every);
            }
            SegmentChecks.checkCount("n", n);
            this.beta = beta;
            this.every = every;
            this.h = new float[n];
        }

        /** Whether the next {@link #step} refreshes h (so the caller computes an estimate only then). */
        public boolean refreshesNext() {
            return (t + 1) % every == 0;
        }

        /**
         * Advances one step; on a refresh step folds in the estimate (n floats of ĥ; ignored, and
         * may be null, on other steps). Returns whether h was refreshed.
         */
        public boolean step(MemorySegment estimate, long offset) {
            boolean refresh = refreshesNext();
            if (refresh) {
                SegmentChecks.checkRange("estimate", estimate, offset, h.length, Float.BYTES);
                float b = (float) beta, c = (float) (1 - beta);
                for (int i = 0; i < h.length; i++) {
                    h[i] = b * h[i] + c * estimate.getAtIndex(F, offset + i);
                }
            }
            t++;
            return refresh;
        }

        /** A copy of h. */
        public float[] values() {
            return h.clone();
        }
    }
}
