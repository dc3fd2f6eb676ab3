package dev.vela.optim;

/**
 * Hyperparameters of AdaGrad with PyTorch's semantics ({@code torch.optim.Adagrad}): at step t,
 * {@code g' = g + weightDecay p}; {@code sum <- sum + g'^2};
 * {@code p <- p - lr / (1 + (t - 1) lrDecay) g' / (sqrt(initialAccumulator + sum) + eps)}.
 * The state buffer {@code sum} holds the squares added so far, without the initial value, so
 * that zeroed state is a valid start for any {@code initialAccumulator}.
 *
 * @param lr learning rate, finite and >= 0 (default 1e-2)
 * @param lrDecay finite and >= 0 (default 0)
 * @param weightDecay L2 penalty added to the gradient, finite and >= 0 (default 0)
 * @param initialAccumulator the accumulator's starting value, finite and >= 0 (default 0)
 * @param eps added to the denominator, finite and > 0 (default 1e-10)
 * @param maximize ascend instead of descend
 */
public record AdagradParams(double lr, double lrDecay, double weightDecay, double initialAccumulator, double eps,
                            boolean maximize) implements Hyperparameters {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public AdagradParams {
        Hyper.nonNegative("lr", lr);
        Hyper.nonNegative("lrDecay", lrDecay);
        Hyper.nonNegative("weightDecay", weightDecay);
        Hyper.nonNegative("initialAccumulator", initialAccumulator);
        Hyper.positive("eps", eps);
    }

    /** PyTorch's defaults: lr 1e-2, no lr decay, no weight decay, accumulator 0, eps 1e-10. */
    public static AdagradParams defaults() {
        return new AdagradParams(1e-2, 0, 0, 0, 1e-10, false);
    }

    /** The learning rate at step t: {@code lr / (1 + (t - 1) lrDecay)}. */
    public double lr(long t) {
        return lr / (1 + (t - 1) * lrDecay);
    }

    @Override
    public AdagradParams withLr(double value) {
        return new AdagradParams(value, lrDecay, weightDecay, initialAccumulator, eps, maximize);
    }

    public AdagradParams withWeightDecay(double value) {
        return new AdagradParams(lr, lrDecay, value, initialAccumulator, eps, maximize);
    }

    public AdagradParams withInitialAccumulator(double value) {
        return new AdagradParams(lr, lrDecay, weightDecay, value, eps, maximize);
    }

    public AdagradParams withLrDecay(double value) {
        return new AdagradParams(lr, value, weightDecay, initialAccumulator, eps, maximize);
    }
}
