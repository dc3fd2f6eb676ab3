package dev.vela.optim;

import dev.vela.memory.SegmentChecks;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The stateful optimizer layer: parameter groups, each with its own rule, hyperparameters and
 * learning-rate schedule; state buffers it allocates (zeroed, 64-byte aligned) in an arena it
 * owns and frees on {@link #close} (a {@link dev.vela.memory.Memory#hugePageArena()}: on
 * transparent huge pages where this JVM may have them); a step counter; and a {@link #step}
 * that updates every tensor with one parallel loop over all tensors' chunks (multi-tensor
 * apply), so many small tensors keep every thread busy.
 *
 * <p>Opt-in gradient hygiene, fused into the update rather than written into the gradients:
 * a loss scale the gradients are divided by (mixed-precision training), clipping by the global
 * gradient norm (PyTorch's {@code clip_grad_norm_}: a factor {@code min(1, max / (norm + 1e-6))}
 * on every gradient), and a finite check that skips the whole step, without advancing the step
 * counter, when any gradient is NaN or infinite (the semantics of AMP's GradScaler). The norm
 * and the finite check share one read-only pass over the gradients; without them a step reads
 * each gradient once.
 *
 * <p>{@link #builder()} builds the float32 optimizer, whose every step is bit-identical to
 * calling the {@link FusedUpdates} kernel of each tensor's rule (same implementation), whatever
 * the thread count. Other modules implement the same contract with other state storage (the
 * 8-bit optimizer of {@code dev.vela.quant}). An optimizer is not thread-safe: one thread steps
 * it at a time.
 *
 * <pre>{@code
 * try (Optimizer opt = Optimizer.builder()
 *         .group(AdamParams.adamW().withLr(3e-4), LrSchedule.linearWarmup(100, LrSchedule.cosine(10_000, 0.1)),
 *                Param.of("w", weights, weightGrads, 512))
 *         .group(AdamParams.adamW().withWeightDecay(0), Param.of("b", bias, biasGrads))
 *         .clipGradNorm(1.0)
 *         .build()) {
 *     for (...) { computeGradients(); opt.step(); }
 * }
 * }</pre>
 */
public interface Optimizer extends AutoCloseable {

    /** What one {@link #step} did. */
    record StepReport(long step, boolean skipped, double gradNorm, double gradScale) {
    }

    /** A builder of the float32 optimizer. */
    static Builder builder() {
        return new Builder();
    }

    /**
     * One step over every tensor, with the gradients as they are now.
     *
     * @return the step number, whether it was skipped, the global gradient norm after unscaling
     *     (NaN when neither clipping nor the finite check asked for it), and the factor every
     *     gradient was multiplied by
     */
    StepReport step();

    /** The number of steps taken (skipped steps do not count). */
    long stepCount();

    /** The current loss scale. */
    double lossScale();

    /** Sets the loss scale for the next steps (dynamic loss scaling), finite and > 0. */
    void setLossScale(double scale);

    /** Group i's hyperparameters with its schedule's learning rate at step t. */
    Hyperparameters hyperparameters(int group, long t);

    /** Bytes of optimizer state this optimizer holds (moments, codes, block scales). */
    long stateBytes();

    /** Parameters it updates, over all groups. */
    long parameterCount();

    /** {@link #stateBytes()} per parameter: 8 for float32 Adam, 2 + 8 / blockSize for 8-bit Adam. */
    default double stateBytesPerParameter() {
        long n = parameterCount();
        return n == 0 ? 0 : (double) stateBytes() / n;
    }

    /** A copy of the step counter and every state buffer and scalar. */
    OptimizerState exportState();

    /**
     * Restores a state exported from an optimizer of the same kind with the same tensors (names
     * and lengths) and rules. Everything is checked before anything is copied.
     *
     * @throws IllegalArgumentException naming the first missing, extra or mis-sized entry
     */
    void importState(OptimizerState state);

    /** Frees the state; later calls fail. Idempotent. */
    @Override
    void close();

    /** Assembles an optimizer; every argument is checked when given or at {@link #build}. */
    final class Builder {
        FusedUpdates kernels = FusedUpdates.get();
        final List<Hyperparameters> hyper = new ArrayList<>();
        final List<@Nullable LrSchedule> schedules = new ArrayList<>();
        final List<List<Param>> params = new ArrayList<>();
        double clipNorm = 0;
        double lossScale = 1;
        boolean skipNonFinite;

        Builder() {
        }

        /** The implementation and pool to run on (default {@link FusedUpdates#get()}). */
        public Builder kernels(FusedUpdates value) {
            if (value == null) {
                throw new NullPointerException("kernels must not be null");
            }
            kernels = value;
            return this;
        }

        /** A group of tensors sharing one rule and its hyperparameters, at a constant learning rate. */
        public Builder group(Hyperparameters h, Param... tensors) {
            return add(h, null, tensors);
        }

        /** A group whose learning rate at step t is {@code h.lr() * schedule.factor(t)}. */
        public Builder group(Hyperparameters h, LrSchedule schedule, Param... tensors) {
            if (schedule == null) {
                throw new NullPointerException("schedule must not be null");
            }
            return add(h, schedule, tensors);
        }

        private Builder add(Hyperparameters h, @Nullable LrSchedule schedule, Param... tensors) {
            if (h == null) {
                throw new NullPointerException("h must not be null");
            }
            for (Param p : tensors) {
                if (p == null) {
                    throw new NullPointerException("tensors must not contain null");
                }
            }
            hyper.add(h);
            schedules.add(schedule);
            params.add(List.of(tensors));
            return this;
        }

        /** Clip the global gradient norm to {@code maxNorm} (> 0); 0 turns clipping off (default). */
        public Builder clipGradNorm(double maxNorm) {
            clipNorm = Hyper.nonNegative("maxNorm", maxNorm);
            return this;
        }

        /** Divide every gradient by {@code scale} (finite, > 0; default 1) before using it. */
        public Builder lossScale(double scale) {
            lossScale = Hyper.positive("lossScale", scale);
            return this;
        }

        /** Skip a step whose gradients hold a NaN or infinity (default false: IEEE propagation). */
        public Builder skipNonFinite(boolean value) {
            skipNonFinite = value;
            return this;
        }

        /**
         * @throws IllegalArgumentException if there is no tensor, two tensors share a name, or
         *     two tensors' values or gradients overlap (or a tensor's values overlap its gradients)
         */
        public Optimizer build() {
            return build(FusedOptimizer::new);
        }

        /**
         * Builds another implementation of the contract (the 8-bit optimizer of
         * {@code dev.vela.quant}, say) from the checked setup.
         *
         * @throws IllegalArgumentException as {@link #build()}
         */
        public <T extends Optimizer> T build(java.util.function.Function<OptimizerSetup, T> implementation) {
            if (implementation == null) {
                throw new NullPointerException("implementation must not be null");
            }
            Set<String> names = new HashSet<>();
            List<String> what = new ArrayList<>();
            List<MemorySegment> ranges = new ArrayList<>();
            for (List<Param> group : params) {
                for (Param p : group) {
                    if (!names.add(p.name())) {
                        throw new IllegalArgumentException("two tensors are named " + p.name());
                    }
                    if (p.length() > 0) {
                        what.add(p.name() + " values");
                        ranges.add(p.values().asSlice(p.valuesOffset() * Float.BYTES, p.length() * Float.BYTES));
                        what.add(p.name() + " grads");
                        ranges.add(p.grads().asSlice(p.gradsOffset() * Float.BYTES, p.length() * Float.BYTES));
                    }
                }
            }
            if (names.isEmpty()) {
                throw new IllegalArgumentException("an optimizer needs at least one tensor");
            }
            int[] overlap = SegmentChecks.overlappingPair(ranges);
            if (overlap != null) {
                throw new IllegalArgumentException(what.get(overlap[0]) + " and " + what.get(overlap[1])
                        + " overlap");
            }
            List<OptimizerSetup.Group> groups = new ArrayList<>();
            for (int i = 0; i < hyper.size(); i++) {
                groups.add(new OptimizerSetup.Group(hyper.get(i), schedules.get(i), params.get(i)));
            }
            return implementation.apply(new OptimizerSetup(kernels, groups, clipNorm, lossScale, skipNonFinite));
        }
    }

}
