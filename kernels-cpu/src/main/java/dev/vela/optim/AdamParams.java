package dev.vela.optim;

/**
 * Hyperparameters of Adam and AdamW with PyTorch's semantics ({@code torch.optim.Adam},
 * {@code torch.optim.AdamW}): with {@code g' = g} (or {@code -g} to maximize),
 * {@code m <- beta1 m + (1 - beta1) g'}, {@code v <- beta2 v + (1 - beta2) g'^2}, and
 * {@code p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)}.
 *
 * <p>Weight decay is decoupled (AdamW: {@code p <- p (1 - lr weightDecay)} before the moments)
 * or L2 (Adam: {@code g' <- g' + weightDecay p}). With {@code amsgrad} the denominator uses the
 * running maximum of the raw {@code v} (a third state buffer).
 *
 * @param lr learning rate, finite and >= 0
 * @param beta1 first-moment coefficient in [0, 1)
 * @param beta2 second-moment coefficient in [0, 1)
 * @param eps added to the bias-corrected square root, finite and >= 0
 * @param weightDecay finite and >= 0
 * @param decoupled true for AdamW's decoupled decay, false for Adam's L2 term
 * @param amsgrad keep the maximum of v
 * @param maximize ascend instead of descend
 */
public record AdamParams(double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled,
                         boolean amsgrad, boolean maximize) implements Hyperparameters {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public AdamParams {
        Hyper.nonNegative("lr", lr);
        Hyper.beta("beta1", beta1);
        Hyper.beta("beta2", beta2);
        Hyper.nonNegative("eps", eps);
        Hyper.nonNegative("weightDecay", weightDecay);
    }

    /** PyTorch's Adam: lr 1e-3, betas (0.9, 0.999), eps 1e-8, L2 weight decay 0. */
    public static AdamParams adam() {
        return new AdamParams(1e-3, 0.9, 0.999, 1e-8, 0, false, false, false);
    }

    /** PyTorch's AdamW: lr 1e-3, betas (0.9, 0.999), eps 1e-8, decoupled weight decay 1e-2. */
    public static AdamParams adamW() {
        return new AdamParams(1e-3, 0.9, 0.999, 1e-8, 1e-2, true, false, false);
    }

    /** The factor p is multiplied by before each step: 1 - lr wd when decoupled, else 1. */
    public double decayFactor() {
        return decoupled ? 1 - lr * weightDecay : 1;
    }

    /** lr / (1 - beta1^step): the step size with the first moment's bias correction. */
    public double stepSize(long step) {
        return lr / Hyper.biasCorrection(beta1, step);
    }

    /** 1 / sqrt(1 - beta2^step): the second moment's bias correction, applied to sqrt(v). */
    public double invSqrtBias2(long step) {
        return 1 / Math.sqrt(Hyper.biasCorrection(beta2, step));
    }

    @Override
    public AdamParams withLr(double value) {
        return new AdamParams(value, beta1, beta2, eps, weightDecay, decoupled, amsgrad, maximize);
    }

    public AdamParams withBetas(double b1, double b2) {
        return new AdamParams(lr, b1, b2, eps, weightDecay, decoupled, amsgrad, maximize);
    }

    public AdamParams withEps(double value) {
        return new AdamParams(lr, beta1, beta2, value, weightDecay, decoupled, amsgrad, maximize);
    }

    public AdamParams withWeightDecay(double value) {
        return new AdamParams(lr, beta1, beta2, eps, value, decoupled, amsgrad, maximize);
    }

    public AdamParams withAmsgrad(boolean value) {
        return new AdamParams(lr, beta1, beta2, eps, weightDecay, decoupled, value, maximize);
    }

    public AdamParams withMaximize(boolean value) {
        return new AdamParams(lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad, value);
    }
}
