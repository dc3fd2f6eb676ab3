package dev.vela.optim;

/** Validation shared by the hyperparameter records: each failure names the field and its value. */
final class Hyper {

    private Hyper() {
    }

    /** A finite value >= 0 (learning rates, weight decay, epsilon). */
    static double nonNegative(String field, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + " must be finite and >= 0, was " + value);
        }
        return value;
    }

    /** A finite value > 0. */
    static double positive(String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + " must be finite and > 0, was " + value);
        }
        return value;
    }

    /** An exponential-average coefficient in [0, 1). */
    static double beta(String field, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(field + " must be in [0, 1), was " + value);
        }
        return value;
    }

    /** A fraction in [0, 1]. */
    static double unit(String field, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(field + " must be in [0, 1], was " + value);
        }
        return value;
    }

    /** A step number >= 1 (bias corrections divide by 1 - beta^step). */
    static long step(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("step must be >= 1, was " + step);
        }
        return step;
    }

    /** 1 - beta^step, the bias correction of an average started at zero. */
    static double biasCorrection(double beta, long step) {
        return 1 - power(beta, step(step));
    }

    /** One remembered power: beta (as its bits), the step, and Math.pow(beta, step). */
    private record Power(long betaBits, long step, double value) {
    }

    /**
     * Recent powers, by a hash of (beta, step). An optimizer step asks for the same few powers for
     * every tensor, and two Math.pow calls cost about 50 ns of each tensor's preparation: AdamW
     * over 1024 tensors of 1024 took 11% less time per step with them remembered
     * (docs/BENCHMARKS.md). Entries are immutable records, so threads that race on a slot see a
     * whole entry or none, and a miss only recomputes.
     */
    private static final Power[] POWERS = new Power[16];

    /** beta^step, exactly {@code Math.pow(beta, step)}. */
    static double power(double beta, long step) {
        long bits = Double.doubleToRawLongBits(beta);
        int slot = (int) (((bits * 31 + step) * 0x9E3779B97F4A7C15L) >>> 60);
        Power known = POWERS[slot];
        if (known != null && known.betaBits() == bits && known.step() == step) {
            return known.value();
        }
        double value = Math.pow(beta, step);
        POWERS[slot] = new Power(bits, step, value);
        return value;
    }
}
