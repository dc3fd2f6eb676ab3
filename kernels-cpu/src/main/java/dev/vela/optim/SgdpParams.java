package dev.vela.optim;

/**
 * Hyperparameters of SGDP (Heo et al., ICLR 2021) as in clovaai's {@code sgdp.py}: the buffer
 * {@code b <- momentum b + (1 - dampening) g} starts at zero (dampening applies from the first
 * step), the direction is {@code d = g + momentum b} (Nesterov) or {@code b}; d is projected as
 * in {@link AdamPParams}; then {@code p <- p (1 - lr weightDecay ratio / (1 - momentum))} and
 * {@code p <- p - lr d}.
 *
 * @param lr learning rate, finite and >= 0 (no published default; 0.1 in the authors' README)
 * @param momentum in [0, 1) (default 0.9)
 * @param dampening in [0, 1] (default 0)
 * @param weightDecay decoupled decay, finite and >= 0 (default 0)
 * @param nesterov Nesterov momentum
 * @param delta the cosine threshold, finite and >= 0 (default 0.1)
 * @param wdRatio the decay multiplier for projected tensors, in [0, 1] (default 0.1)
 * @param maximize ascend instead of descend
 */
public record SgdpParams(double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                         double delta, double wdRatio, boolean maximize) implements Hyperparameters {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public SgdpParams {
        Hyper.nonNegative("lr", lr);
        Hyper.beta("momentum", momentum);
        Hyper.unit("dampening", dampening);
        Hyper.nonNegative("weightDecay", weightDecay);
        Hyper.nonNegative("delta", delta);
        Hyper.unit("wdRatio", wdRatio);
    }

    /** The README's settings: lr 0.1, momentum 0.9, weight decay 1e-5, Nesterov, delta 0.1, wdRatio 0.1. */
    public static SgdpParams defaults() {
        return new SgdpParams(0.1, 0.9, 0, 1e-5, true, 0.1, 0.1, false);
    }

    @Override
    public SgdpParams withLr(double value) {
        return new SgdpParams(value, momentum, dampening, weightDecay, nesterov, delta, wdRatio, maximize);
    }

    public SgdpParams withWeightDecay(double value) {
        return new SgdpParams(lr, momentum, dampening, value, nesterov, delta, wdRatio, maximize);
    }
}
