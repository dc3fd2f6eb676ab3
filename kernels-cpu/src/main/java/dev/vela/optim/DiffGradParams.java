package dev.vela.optim;

/**
 * Hyperparameters of diffGrad (Dubey et al. 2020, arXiv 1909.11015) as in the authors'
 * {@code diffGrad_v2.py}: with {@code g' = g + weightDecay p} (L2), m and v as Adam's, the
 * friction {@code xi = sigmoid(|g'_prev - g'|)} (g'_prev = 0 before the first step, so a third
 * buffer started at zero) and {@code p <- p - lr sqrt(bc2) / bc1 * xi m / (sqrt(v) + eps)}
 * (eps outside the uncorrected root, TensorFlow style).
 *
 * @param lr learning rate, finite and >= 0 (default 1e-3)
 * @param beta1 in [0, 1) (default 0.9)
 * @param beta2 in [0, 1) (default 0.999)
 * @param eps finite and >= 0 (default 1e-8)
 * @param weightDecay L2 coefficient, finite and >= 0 (default 0)
 * @param maximize ascend instead of descend
 */
public record DiffGradParams(double lr, double beta1, double beta2, double eps, double weightDecay, boolean maximize)
        implements Hyperparameters {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public DiffGradParams {
        Hyper.nonNegative("lr", lr);
        Hyper.beta("beta1", beta1);
        Hyper.beta("beta2", beta2);
        Hyper.nonNegative("eps", eps);
        Hyper.nonNegative("weightDecay", weightDecay);
    }

    /** The authors' defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0. */
    public static DiffGradParams defaults() {
        return new DiffGradParams(1e-3, 0.9, 0.999, 1e-8, 0, false);
    }

    @Override
    public DiffGradParams withLr(double value) {
        return new DiffGradParams(value, beta1, beta2, eps, weightDecay, maximize);
    }

    public DiffGradParams withWeightDecay(double value) {
        return new DiffGradParams(lr, beta1, beta2, eps, value, maximize);
    }
}
