package dev.vela.optim;

/**
 * Hyperparameters of Lion (Chen et al. 2023, arXiv 2302.06675): with
 * {@code c = beta1 * m + (1 - beta1) * g}, the step is
 * {@code p <- p * (1 - lr * weightDecay) - lr * sign(c)}, then
 * {@code m <- beta2 * m + (1 - beta2) * g}. Every coordinate with {@code c != 0} moves by exactly
 * {@code lr} (plus the decay).
 *
 * @param lr learning rate, finite and >= 0 (default 1e-4)
 * @param beta1 interpolation coefficient of the update direction in [0, 1) (default 0.9)
 * @param beta2 momentum coefficient in [0, 1) (default 0.99)
 * @param weightDecay decoupled decay, finite and >= 0 (default 0)
 * @param maximize ascend instead of descend
 */
public record LionParams(double lr, double beta1, double beta2, double weightDecay, boolean maximize)
        implements Hyperparameters {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public LionParams {
        Hyper.nonNegative("lr", lr);
        Hyper.beta("beta1", beta1);
        Hyper.beta("beta2", beta2);
        Hyper.nonNegative("weightDecay", weightDecay);
    }

    /** The paper's defaults: lr 1e-4, betas (0.9, 0.99), weight decay 0. */
    public static LionParams defaults() {
        return new LionParams(1e-4, 0.9, 0.99, 0.0, false);
    }

    /** The decoupled decay factor 1 - lr * weightDecay. */
    public double decayFactor() {
        return 1 - lr * weightDecay;
    }

    @Override
    public LionParams withLr(double value) {
        return new LionParams(value, beta1, beta2, weightDecay, maximize);
    }

    public LionParams withBetas(double b1, double b2) {
        return new LionParams(lr, b1, b2, weightDecay, maximize);
    }

    public LionParams withWeightDecay(double value) {
        return new LionParams(lr, beta1, beta2, value, maximize);
    }

    public LionParams withMaximize(boolean value) {
        return new LionParams(lr, beta1, beta2, weightDecay, value);
    }
}
