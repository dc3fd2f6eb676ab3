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
        return 1 - Math.pow(beta, step(step));
    }
}
