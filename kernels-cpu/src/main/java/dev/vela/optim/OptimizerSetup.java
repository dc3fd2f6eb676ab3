package dev.vela.optim;

import dev.vela.kernels.FloatKernels;
import dev.vela.memory.SegmentChecks;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link Optimizer.Builder} collected and checked (groups, kernels, gradient hygiene), for
 * an {@link Optimizer} implementation to build from: {@link Optimizer.Builder#build(java.util.function.Function)}
 * hands it over. It also holds the parts of a step every implementation shares: checking that
 * the tensors' memory is still usable, and the gradient scale from the loss scale, global-norm
 * clipping and the finite check.
 *
 * @param kernels the implementation and pool to run on
 * @param groups the parameter groups, in the order they were added
 * @param clipNorm the global gradient-norm bound, 0 for none
 * @param lossScale the initial loss scale
 * @param skipNonFinite whether a non-finite gradient skips the step
 */
public record OptimizerSetup(FusedUpdates kernels, List<Group> groups, double clipNorm, double lossScale,
                             boolean skipNonFinite) {

    /** One parameter group: its rule and hyperparameters, its schedule (or none), its tensors. */
    public record Group(Hyperparameters hyperparameters, @Nullable LrSchedule schedule, List<Param> params) {
        public Group {
            params = List.copyOf(params);
        }
    }

    public OptimizerSetup {
        groups = List.copyOf(groups);
    }

    /** Every tensor, group by group. */
    public List<Param> params() {
        List<Param> all = new ArrayList<>();
        for (Group g : groups) {
            all.addAll(g.params());
        }
        return all;
    }

    /** Parameters over all groups. */
    public long parameterCount() {
        long n = 0;
        for (Param p : params()) {
            n += p.length();
        }
        return n;
    }

    /**
     * A loss scale checked as every implementation's {@code setLossScale} must check it.
     *
     * @throws IllegalArgumentException unless scale is finite and > 0
     */
    public static double checkLossScale(double scale) {
        return Hyper.positive("lossScale", scale);
    }

    /** Group i's hyperparameters with its schedule's learning rate at step t. */
    public Hyperparameters hyperparameters(int group, long t) {
        Group g = groups.get(group);
        LrSchedule s = g.schedule();
        Hyperparameters h = g.hyperparameters();
        return s == null ? h : h.withLr(h.lr() * s.factor(t));
    }

    /**
     * The check an implementation runs at the start of every step: it fails, naming a tensor,
     * when a tensor's values or gradients can no longer be used. Ranges and writability were
     * checked when each {@link Param} was made and cannot change, so what is left is whether each
     * arena is still open and usable from this thread: one check per arena, not per tensor
     * (16384 tensors took 1 to 3 ms per step, their metadata out of cache).
     */
    public Runnable memoryCheck() {
        Set<MemorySegment.Scope> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<MemorySegment> segments = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (Param p : params()) {
            if (seen.add(p.values().scope())) {
                segments.add(p.values());
                labels.add(p.name() + " values");
            }
            if (seen.add(p.grads().scope())) {
                segments.add(p.grads());
                labels.add(p.name() + " grads");
            }
        }
        return () -> {
            for (int i = 0; i < segments.size(); i++) {
                SegmentChecks.checkUsable(labels.get(i), segments.get(i));
            }
        };
    }

    /**
     * The factor every gradient is multiplied by this step: 1 / lossScale, times PyTorch's
     * clipping factor {@code min(1, clipNorm / (norm + 1e-6))} when clipping; with the global
     * norm (after unscaling; NaN when neither clipping nor the finite check needs it) and
     * whether the step is skipped (a non-finite norm with the finite check on).
     */
    public Scale gradientScale(FloatKernels norms, double currentLossScale) {
        double gradNorm = Double.NaN;
        double scale = 1 / currentLossScale;
        if (clipNorm > 0 || skipNonFinite) {
            double squares = 0;
            for (Param p : params()) {
                double norm = norms.norm2(p.length(), p.grads(), p.gradsOffset());
                squares += norm * norm;
            }
            gradNorm = Math.sqrt(squares) / currentLossScale;
            if (skipNonFinite && !Double.isFinite(gradNorm)) {
                return new Scale(true, gradNorm, 0);
            }
            if (clipNorm > 0) {
                scale *= Math.min(1, clipNorm / (gradNorm + 1e-6));
            }
        }
        return new Scale(false, gradNorm, scale);
    }

    /** A step's gradient scale: whether to skip, the global norm, the factor. */
    public record Scale(boolean skip, double gradNorm, double factor) {
    }
}
