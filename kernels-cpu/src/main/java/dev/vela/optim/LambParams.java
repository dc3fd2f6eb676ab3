package dev.vela.optim;

/**
 * Hyperparameters of LAMB (You et al., arXiv 1904.00962), per tensor: with m, v advanced as
 * Adam's, {@code u = m^ / (sqrt(v^) + eps) + weightDecay p} where {@code m^ = m / bc1},
 * {@code v^ = v / bc2} when {@code biasCorrection} (as optax and NVIDIA apex), or the raw
 * moments (as cybertronai's and jettify's {@code pytorch-lamb}); then
 * {@code p <- p - lr * phi(||p||) / ||u|| * u} with {@code phi(x) = min(x, maxWeightNorm)}, and a
 * trust ratio of 1 when either norm is 0. The norms come from a first pass that also advances
 * m and v; the update pass reads them back.
 *
 * @param lr learning rate, finite and >= 0 (default 1e-3)
 * @param beta1 in [0, 1) (default 0.9)
 * @param beta2 in [0, 1) (default 0.999)
 * @param eps finite and >= 0 (default 1e-6)
 * @param weightDecay finite and >= 0 (default 0)
 * @param biasCorrection bias-correct the moments (default true)
 * @param maxWeightNorm the clamp of {@code ||p||} in the trust ratio, > 0, may be infinite
 *     (default 10, as {@code pytorch-lamb})
 * @param maximize ascend instead of descend
 */
public record LambParams(double lr, double beta1, double beta2, double eps, double weightDecay, boolean biasCorrection,
                         double maxWeightNorm, boolean maximize) implements Hyperparameters {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public LambParams {
        Hyper.nonNegative("lr", lr);
        Hyper.beta("beta1", beta1);
        Hyper.beta("beta2", beta2);
        Hyper.nonNegative("eps", eps);
        Hyper.nonNegative("weightDecay", weightDecay);
        if (!(maxWeightNorm > 0)) {
            throw new IllegalArgumentException("maxWeightNorm must be > 0, was " + maxWeightNorm);
        }
    }

    /** lr 1e-3, betas (0.9, 0.999), eps 1e-6, no decay, bias correction on, weight norm clamped at 10. */
    public static LambParams defaults() {
        return new LambParams(1e-3, 0.9, 0.999, 1e-6, 0, true, 10, false);
    }

    @Override
    public LambParams withLr(double value) {
        return new LambParams(value, beta1, beta2, eps, weightDecay, biasCorrection, maxWeightNorm, maximize);
    }

    public LambParams withWeightDecay(double value) {
        return new LambParams(lr, beta1, beta2, eps, value, biasCorrection, maxWeightNorm, maximize);
    }

    public LambParams withBiasCorrection(boolean value) {
        return new LambParams(lr, beta1, beta2, eps, weightDecay, value, maxWeightNorm, maximize);
    }

    /** The trust ratio phi(||p||) / ||u||, 1 when either norm is 0. */
    double trustRatio(double pNorm, double uNorm) {
        return pNorm == 0 || uNorm == 0 ? 1 : Math.min(pNorm, maxWeightNorm) / uNorm;
    }
}
