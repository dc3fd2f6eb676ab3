package dev.vela.optim;

/**
 * Hyperparameters of RMSprop with PyTorch's semantics ({@code torch.optim.RMSprop}):
 * {@code g' = g + weightDecay p}; {@code v <- alpha v + (1 - alpha) g'^2}; centered:
 * {@code gavg <- alpha gavg + (1 - alpha) g'} and {@code d = sqrt(v - gavg^2) + eps}, else
 * {@code d = sqrt(v) + eps}; with momentum {@code b <- momentum b + g' / d; p <- p - lr b},
 * without {@code p <- p - lr g' / d}. State: v, then gavg when centered, then b with momentum.
 *
 * @param lr learning rate, finite and >= 0 (default 1e-2)
 * @param alpha smoothing constant in [0, 1) (default 0.99)
 * @param eps added to the denominator, finite and > 0 (default 1e-8)
 * @param weightDecay L2 penalty added to the gradient, finite and >= 0 (default 0)
 * @param momentum in [0, 1) (default 0)
 * @param centered normalise by the estimated variance instead of the raw second moment
 * @param maximize ascend instead of descend
 */
public record RmspropParams(double lr, double alpha, double eps, double weightDecay, double momentum,
                            boolean centered, boolean maximize) implements Hyperparameters {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public RmspropParams {
        Hyper.nonNegative("lr", lr);
        Hyper.beta("alpha", alpha);
        Hyper.positive("eps", eps);
        Hyper.nonNegative("weightDecay", weightDecay);
        Hyper.beta("momentum", momentum);
    }

    /** PyTorch's defaults: lr 1e-2, alpha 0.99, eps 1e-8, no decay, no momentum, not centered. */
    public static RmspropParams defaults() {
        return new RmspropParams(1e-2, 0.99, 1e-8, 0, 0, false, false);
    }

    public boolean hasMomentum() {
        return momentum != 0;
    }

    @Override
    public RmspropParams withLr(double value) {
        return new RmspropParams(value, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    public RmspropParams withMomentum(double value) {
        return new RmspropParams(lr, alpha, eps, weightDecay, value, centered, maximize);
    }

    public RmspropParams withCentered(boolean value) {
        return new RmspropParams(lr, alpha, eps, weightDecay, momentum, value, maximize);
    }

    public RmspropParams withWeightDecay(double value) {
        return new RmspropParams(lr, alpha, eps, value, momentum, centered, maximize);
    }
}
