package dev.vela.optim;

/**
 * Hyperparameters of AdamW with PyTorch's semantics ({@code torch.optim.AdamW}): decoupled
 * weight decay {@code p <- p * (1 - lr * weightDecay)} before the moments, bias-corrected
 * moments, epsilon added after the square root. With {@code weightDecay = 0} it is Adam.
 *
 * @param lr learning rate, finite and >= 0 (default 1e-3)
 * @param beta1 first-moment coefficient in [0, 1) (default 0.9)
 * @param beta2 second-moment coefficient in [0, 1) (default 0.999)
 * @param eps added to the bias-corrected square root, finite and >= 0 (default 1e-8)
 * @param weightDecay decoupled decay, finite and >= 0 (default 1e-2)
 * @param maximize ascend instead of descend (the gradient is negated first)
 */
public record AdamWParams(double lr, double beta1, double beta2, double eps, double weightDecay, boolean maximize) {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public AdamWParams {
        Hyper.nonNegative("lr", lr);
        Hyper.beta("beta1", beta1);
        Hyper.beta("beta2", beta2);
        Hyper.nonNegative("eps", eps);
        Hyper.nonNegative("weightDecay", weightDecay);
    }

    /** PyTorch's AdamW defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2. */
    public static AdamWParams defaults() {
        return new AdamWParams(1e-3, 0.9, 0.999, 1e-8, 1e-2, false);
    }

    /** The decoupled decay factor 1 - lr * weightDecay applied to p before each step. */
    public double decayFactor() {
        return 1 - lr * weightDecay;
    }

    /** lr / (1 - beta1^step): the step size with the first moment's bias correction. */
    public double stepSize(long step) {
        return lr / (1 - Math.pow(beta1, Hyper.step(step)));
    }

    /** 1 / sqrt(1 - beta2^step): the second moment's bias correction, applied to sqrt(v). */
    public double invSqrtBias2(long step) {
        return 1 / Math.sqrt(1 - Math.pow(beta2, Hyper.step(step)));
    }

    public AdamWParams withLr(double value) {
        return new AdamWParams(value, beta1, beta2, eps, weightDecay, maximize);
    }

    public AdamWParams withBetas(double b1, double b2) {
        return new AdamWParams(lr, b1, b2, eps, weightDecay, maximize);
    }

    public AdamWParams withEps(double value) {
        return new AdamWParams(lr, beta1, beta2, value, weightDecay, maximize);
    }

    public AdamWParams withWeightDecay(double value) {
        return new AdamWParams(lr, beta1, beta2, eps, value, maximize);
    }

    public AdamWParams withMaximize(boolean value) {
        return new AdamWParams(lr, beta1, beta2, eps, weightDecay, value);
    }
}
