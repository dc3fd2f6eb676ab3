package dev.vela.optim;

/**
 * Hyperparameters of AdamP (Heo et al., ICLR 2021, arXiv 2006.08217) as in clovaai's
 * {@code adamp.py}: the Adam direction {@code u = m / (sqrt(v) / sqrt(bc2) + eps)} is projected
 * when the weights look scale-invariant, then {@code p <- p (1 - lr weightDecay ratio)} and
 * {@code p <- p - lr / bc1 * u}. The projection test on a tensor of rows (dimension 0) is made
 * first per row, then on the whole tensor: if the largest {@code |cos(g_i, p_i)|} is below
 * {@code delta / sqrt(row length)}, each row's u loses its component along
 * {@code p_i / (||p_i|| + eps)} and {@code ratio = wdRatio}; otherwise ratio is 1. One-row
 * tensors (biases, ndim 1) are never projected. The cosine uses the raw gradient.
 *
 * @param lr learning rate, finite and >= 0 (default 1e-3)
 * @param beta1 in [0, 1) (default 0.9)
 * @param beta2 in [0, 1) (default 0.999)
 * @param eps finite and >= 0 (default 1e-8)
 * @param weightDecay decoupled decay, finite and >= 0 (default 0)
 * @param delta the cosine threshold, finite and >= 0 (default 0.1)
 * @param wdRatio the decay multiplier for projected tensors, in [0, 1] (default 0.1)
 * @param maximize ascend instead of descend
 */
public record AdamPParams(double lr, double beta1, double beta2, double eps, double weightDecay, double delta,
                          double wdRatio, boolean maximize) implements Hyperparameters {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public AdamPParams {
        Hyper.nonNegative("lr", lr);
        Hyper.beta("beta1", beta1);
        Hyper.beta("beta2", beta2);
        Hyper.nonNegative("eps", eps);
        Hyper.nonNegative("weightDecay", weightDecay);
        Hyper.nonNegative("delta", delta);
        Hyper.unit("wdRatio", wdRatio);
    }

    /** clovaai's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no decay, delta 0.1, wdRatio 0.1. */
    public static AdamPParams defaults() {
        return new AdamPParams(1e-3, 0.9, 0.999, 1e-8, 0, 0.1, 0.1, false);
    }

    @Override
    public AdamPParams withLr(double value) {
        return new AdamPParams(value, beta1, beta2, eps, weightDecay, delta, wdRatio, maximize);
    }

    public AdamPParams withWeightDecay(double value) {
        return new AdamPParams(lr, beta1, beta2, eps, value, delta, wdRatio, maximize);
    }
}
