package dev.vela.optim;

/**
 * Hyperparameters of SGD with PyTorch's semantics ({@code torch.optim.SGD}): with
 * {@code g' = g + weightDecay p} (g negated first to maximize), the momentum buffer is
 * {@code b <- g'} on the first step and {@code b <- momentum b + (1 - dampening) g'} after; the
 * direction is {@code d = g' + momentum b} (Nesterov) or {@code b}, or {@code g'} without
 * momentum; {@code p <- p - lr d}.
 *
 * @param lr learning rate, finite and >= 0 (default 1e-3)
 * @param momentum in [0, 1) (default 0: no buffer is used)
 * @param dampening in [0, 1] (default 0)
 * @param weightDecay L2 coefficient, finite and >= 0 (default 0)
 * @param nesterov Nesterov momentum; needs momentum > 0 and dampening 0
 * @param maximize ascend instead of descend
 */
public record SgdParams(double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                        boolean maximize) implements Hyperparameters {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public SgdParams {
        Hyper.nonNegative("lr", lr);
        Hyper.beta("momentum", momentum);
        Hyper.unit("dampening", dampening);
        Hyper.nonNegative("weightDecay", weightDecay);
        if (nesterov && (momentum == 0 || dampening != 0)) {
            throw new IllegalArgumentException("nesterov needs momentum > 0 and dampening 0, was momentum " + momentum
                    + ", dampening " + dampening);
        }
    }

    /** PyTorch's defaults: lr 1e-3, no momentum, no dampening, no weight decay. */
    public static SgdParams defaults() {
        return new SgdParams(1e-3, 0, 0, 0, false, false);
    }

    /** Whether the rule keeps a momentum buffer. */
    public boolean hasMomentum() {
        return momentum != 0;
    }

    @Override
    public SgdParams withLr(double value) {
        return new SgdParams(value, momentum, dampening, weightDecay, nesterov, maximize);
    }

    public SgdParams withMomentum(double value, double dampeningValue, boolean nesterovValue) {
        return new SgdParams(lr, value, dampeningValue, weightDecay, nesterovValue, maximize);
    }

    public SgdParams withWeightDecay(double value) {
        return new SgdParams(lr, momentum, dampening, value, nesterov, maximize);
    }

    public SgdParams withMaximize(boolean value) {
        return new SgdParams(lr, momentum, dampening, weightDecay, nesterov, value);
    }
}
