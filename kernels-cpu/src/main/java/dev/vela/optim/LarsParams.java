package dev.vela.optim;

/**
 * Hyperparameters of LARS (You, Gitman, Ginsburg, arXiv 1708.03888) in optax's form, per
 * tensor: {@code u = g + weightDecay p}; the trust ratio
 * {@code tau = trustCoefficient ||p|| / (||u|| + eps)} (1 when either norm is 0); then momentum
 * on the scaled direction, {@code b <- momentum b + tau u} (b started at zero) and
 * {@code p <- p - lr d} with {@code d = tau u + momentum b} (Nesterov) or {@code b}. The norms come
 * from one read-only pass over p and g. Biases and normalisation weights are commonly put in a
 * group without LARS (plain SGD).
 *
 * @param lr learning rate, finite and >= 0 (default 1)
 * @param momentum in [0, 1) (default 0.9; 0 keeps no buffer)
 * @param weightDecay finite and >= 0 (default 0)
 * @param trustCoefficient the paper's eta, finite and >= 0 (default 1e-3)
 * @param eps added to ||u||, finite and >= 0 (default 0)
 * @param nesterov Nesterov momentum (needs momentum > 0)
 * @param maximize ascend instead of descend
 */
public record LarsParams(double lr, double momentum, double weightDecay, double trustCoefficient, double eps,
                         boolean nesterov, boolean maximize) implements Hyperparameters {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public LarsParams {
        Hyper.nonNegative("lr", lr);
        Hyper.beta("momentum", momentum);
        Hyper.nonNegative("weightDecay", weightDecay);
        Hyper.nonNegative("trustCoefficient", trustCoefficient);
        Hyper.nonNegative("eps", eps);
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("nesterov needs momentum > 0, was " + momentum);
        }
    }

    /** optax's defaults with lr 1: momentum 0.9, no decay, trust coefficient 1e-3, eps 0. */
    public static LarsParams defaults() {
        return new LarsParams(1, 0.9, 0, 1e-3, 0, false, false);
    }

    @Override
    public LarsParams withLr(double value) {
        return new LarsParams(value, momentum, weightDecay, trustCoefficient, eps, nesterov, maximize);
    }

    public LarsParams withWeightDecay(double value) {
        return new LarsParams(lr, momentum, value, trustCoefficient, eps, nesterov, maximize);
    }

    public boolean hasMomentum() {
        return momentum != 0;
    }

    /** trustCoefficient ||p|| / (||u|| + eps), 1 when either norm is 0. */
    double trustRatio(double pNorm, double uNorm) {
        return pNorm == 0 || uNorm == 0 ? 1 : trustCoefficient * pNorm / (uNorm + eps);
    }
}
