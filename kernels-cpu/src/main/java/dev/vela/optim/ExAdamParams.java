package dev.vela.optim;

/**
 * Hyperparameters of EXAdam (Adly 2024, arXiv 2412.20302) as in the author's latest code (no
 * dynamic step size): p decays by {@code 1 - lr weightDecay} first; m, v as Adam's;
 * {@code d1 = 1 + beta2^t v / (v + eps)}, {@code d2 = 1 + beta1^t m^2 / (m^2 + eps)};
 * {@code p <- p - lr (d1 m / bc1 + d1 g / bc1) / (sqrt(d2 v / bc2) + eps)}. The gradient term
 * dominates the first steps: at the defaults the first step moves each coordinate by about
 * 16 lr.
 *
 * @param lr learning rate, finite and >= 0 (default 1e-3)
 * @param beta1 in [0, 1) (default 0.9)
 * @param beta2 in [0, 1) (default 0.999)
 * @param eps finite and >= 0 (default 1e-8)
 * @param weightDecay decoupled decay, finite and >= 0 (default 0)
 * @param maximize ascend instead of descend
 */
public record ExAdamParams(double lr, double beta1, double beta2, double eps, double weightDecay, boolean maximize)
        implements Hyperparameters {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public ExAdamParams {
        Hyper.nonNegative("lr", lr);
        Hyper.beta("beta1", beta1);
        Hyper.beta("beta2", beta2);
        Hyper.nonNegative("eps", eps);
        Hyper.nonNegative("weightDecay", weightDecay);
    }

    /** The author's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0. */
    public static ExAdamParams defaults() {
        return new ExAdamParams(1e-3, 0.9, 0.999, 1e-8, 0, false);
    }

    @Override
    public ExAdamParams withLr(double value) {
        return new ExAdamParams(value, beta1, beta2, eps, weightDecay, maximize);
    }

    public ExAdamParams withWeightDecay(double value) {
        return new ExAdamParams(lr, beta1, beta2, eps, value, maximize);
    }
}
