package dev.vela.optim;

/**
 * Hyperparameters of SGD-SaI (Xu et al., arXiv 2412.11768) as in the authors' {@code sgd_sai}
 * 1.0.3: at the first step each tensor's gradient signal-to-noise ratio
 * {@code gsnr = ||g|| / (std(g) + eps)} is measured (std unbiased, over all elements; 0 for a
 * single element) and frozen; every step then does {@code b <- g} (first step) or
 * {@code b <- momentum b + (1 - momentum) g}, {@code p <- p (1 - lr weightDecay) - lr gsnr b}.
 *
 * @param lr learning rate, finite and >= 0 (default 1e-2)
 * @param momentum in [0, 1) (default 0.9)
 * @param eps finite and >= 0 (default 1e-8)
 * @param weightDecay decoupled decay, finite and >= 0 (default 1e-2)
 * @param maximize ascend instead of descend
 */
public record SgdSaiParams(double lr, double momentum, double eps, double weightDecay, boolean maximize)
        implements Hyperparameters {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public SgdSaiParams {
        Hyper.nonNegative("lr", lr);
        Hyper.beta("momentum", momentum);
        Hyper.nonNegative("eps", eps);
        Hyper.nonNegative("weightDecay", weightDecay);
    }

    /** The authors' defaults: lr 1e-2, momentum 0.9, eps 1e-8, weight decay 1e-2. */
    public static SgdSaiParams defaults() {
        return new SgdSaiParams(1e-2, 0.9, 1e-8, 1e-2, false);
    }

    @Override
    public SgdSaiParams withLr(double value) {
        return new SgdSaiParams(value, momentum, eps, weightDecay, maximize);
    }

    public SgdSaiParams withWeightDecay(double value) {
        return new SgdSaiParams(lr, momentum, eps, value, maximize);
    }
}
