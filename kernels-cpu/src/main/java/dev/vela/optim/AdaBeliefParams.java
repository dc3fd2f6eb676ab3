package dev.vela.optim;

/**
 * Hyperparameters of AdaBelief (Zhuang et al. 2020, arXiv 2010.07468) as in the authors'
 * {@code adabelief_pytorch} 0.2.1: m as Adam's; {@code s <- beta2 s + (1 - beta2)(g - m)^2 + eps}
 * (eps is added into the stored state every step); plain update
 * {@code p <- p - lr / bc1 * m / (sqrt(s) / sqrt(bc2) + eps)}.
 *
 * <p>Rectified (RAdam-style): with {@code rho_inf = 2 / (1 - beta2) - 1} and
 * {@code rho_t = rho_inf - 2 t beta2^t / bc2}, when {@code rho_t >= 5} the step is
 * {@code p <- p - lr r / bc1 * m / (sqrt(s) + eps)} with
 * {@code r = sqrt(bc2 (rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))};
 * before that, {@code p <- p - lr / bc1 * m} if {@code degenerateToSgd}, else p is left alone
 * (the moments still advance).
 *
 * @param lr learning rate, finite and >= 0 (default 1e-3)
 * @param beta1 in [0, 1) (default 0.9)
 * @param beta2 in [0, 1) (default 0.999)
 * @param eps finite and >= 0 (default 1e-16)
 * @param weightDecay finite and >= 0 (default 0)
 * @param decoupled decoupled decay {@code p <- p (1 - lr wd)} (default) or L2 {@code g <- g + wd p}
 * @param rectify the rectified update (default true)
 * @param degenerateToSgd momentum-SGD steps while {@code rho_t < 5} (default true)
 * @param maximize ascend instead of descend
 */
public record AdaBeliefParams(double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled,
                              boolean rectify, boolean degenerateToSgd, boolean maximize) implements Hyperparameters {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public AdaBeliefParams {
        Hyper.nonNegative("lr", lr);
        Hyper.beta("beta1", beta1);
        Hyper.beta("beta2", beta2);
        Hyper.nonNegative("eps", eps);
        Hyper.nonNegative("weightDecay", weightDecay);
    }

    /** The 0.2.1 defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-16, no decay, decoupled, rectified. */
    public static AdaBeliefParams defaults() {
        return new AdaBeliefParams(1e-3, 0.9, 0.999, 1e-16, 0, true, true, true, false);
    }

    @Override
    public AdaBeliefParams withLr(double value) {
        return new AdaBeliefParams(value, beta1, beta2, eps, weightDecay, decoupled, rectify, degenerateToSgd, maximize);
    }

    public AdaBeliefParams withEps(double value) {
        return new AdaBeliefParams(lr, beta1, beta2, value, weightDecay, decoupled, rectify, degenerateToSgd, maximize);
    }

    public AdaBeliefParams withWeightDecay(double value, boolean decoupledValue) {
        return new AdaBeliefParams(lr, beta1, beta2, eps, value, decoupledValue, rectify, degenerateToSgd, maximize);
    }

    public AdaBeliefParams withRectify(boolean value) {
        return new AdaBeliefParams(lr, beta1, beta2, eps, weightDecay, decoupled, value, degenerateToSgd, maximize);
    }
}
