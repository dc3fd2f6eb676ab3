package dev.vela.optim;

/**
 * A learning-rate schedule as a value: the factor by which a group's base learning rate is
 * multiplied at step t (t = 1 for the first step). Any rule takes one through
 * {@link Optimizer.Builder#group(Hyperparameters, LrSchedule, Param...)}; the factor is computed
 * once per step in double.
 */
public sealed interface LrSchedule
        permits LrSchedule.Constant, LrSchedule.LinearWarmup, LrSchedule.Cosine, LrSchedule.StepDecay {

    /** The multiplier of the base learning rate at step t >= 1. */
    double factor(long step);

    /** Always 1. */
    static LrSchedule constant() {
        return new Constant();
    }

    /** t / warmupSteps for the first warmupSteps steps, then {@code after} restarted at its step 1. */
    static LrSchedule linearWarmup(long warmupSteps, LrSchedule after) {
        return new LinearWarmup(warmupSteps, after);
    }

    /** Cosine annealing from 1 at step 1 to minFactor at step totalSteps + 1, then minFactor. */
    static LrSchedule cosine(long totalSteps, double minFactor) {
        return new Cosine(totalSteps, minFactor);
    }

    /** gamma^floor((t - 1) / stepSize): PyTorch's StepLR counted in optimizer steps. */
    static LrSchedule stepDecay(long stepSize, double gamma) {
        return new StepDecay(stepSize, gamma);
    }

    /** Always 1. */
    record Constant() implements LrSchedule {
        @Override
        public double factor(long step) {
            Hyper.step(step);
            return 1;
        }
    }

    /**
     * Linear warmup: {@code t / warmupSteps} while {@code t <= warmupSteps}, then
     * {@code after.factor(t - warmupSteps)}.
     *
     * @param warmupSteps >= 1
     * @param after the schedule that follows
     */
    record LinearWarmup(long warmupSteps, LrSchedule after) implements LrSchedule {
        public LinearWarmup {
            if (warmupSteps < 1) {
                throw new IllegalArgumentException("warmupSteps must be >= 1, was " + warmupSteps);
            }
            if (after == null) {
                throw new NullPointerException("after must not be null");
            }
        }

        @Override
        public double factor(long step) {
            Hyper.step(step);
            return step <= warmupSteps ? (double) step / warmupSteps : after.factor(step - warmupSteps);
        }
    }

    /**
     * Cosine annealing (PyTorch's CosineAnnealingLR with T_max = totalSteps, counted in steps):
     * {@code min + (1 - min)(1 + cos(pi (t - 1) / totalSteps)) / 2}, held at min after
     * totalSteps + 1 (PyTorch would rise again).
     *
     * @param totalSteps >= 1
     * @param minFactor in [0, 1]
     */
    record Cosine(long totalSteps, double minFactor) implements LrSchedule {
        public Cosine {
            if (totalSteps < 1) {
                throw new IllegalArgumentException("totalSteps must be >= 1, was " + totalSteps);
            }
            Hyper.unit("minFactor", minFactor);
        }

        @Override
        public double factor(long step) {
            long done = Math.min(Hyper.step(step) - 1, totalSteps);
            return minFactor + (1 - minFactor) * (1 + Math.cos(Math.PI * done / totalSteps)) / 2;
        }
    }

    /**
     * Step decay: {@code gamma^floor((t - 1) / stepSize)}.
     *
     * @param stepSize >= 1
     * @param gamma finite and > 0
     */
    record StepDecay(long stepSize, double gamma) implements LrSchedule {
        public StepDecay {
            if (stepSize < 1) {
                throw new IllegalArgumentException("stepSize must be >= 1, was " + stepSize);
            }
            Hyper.positive("gamma", gamma);
        }

        @Override
        public double factor(long step) {
            return Math.pow(gamma, (Hyper.step(step) - 1) / stepSize);
        }
    }
}
