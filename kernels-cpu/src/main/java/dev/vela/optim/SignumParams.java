package dev.vela.optim;

/**
 * Hyperparameters of signSGD and Signum (Bernstein et al. 2018, arXiv 1802.04434), with
 * decoupled weight decay: {@code p <- p (1 - lr weightDecay) - lr sign(d)}, where {@code d = g}
 * for signSGD ({@code momentum = 0}, no state) and, for Signum,
 * {@code d = m <- momentum m + (1 - momentum) g} (one buffer, started at zero; no bias correction
 * is needed because only the sign is used). sign(0) = 0.
 *
 * @param lr learning rate, finite and >= 0 (default 1e-3)
 * @param momentum in [0, 1) (default 0.9, Signum; 0 is signSGD)
 * @param weightDecay decoupled decay, finite and >= 0 (default 0)
 * @param maximize ascend instead of descend
 */
public record SignumParams(double lr, double momentum, double weightDecay, boolean maximize)
        implements Hyperparameters {

    /** @throws IllegalArgumentException naming the first invalid field and its value */
    public SignumParams {
        Hyper.nonNegative("lr", lr);
        Hyper.beta("momentum", momentum);
        Hyper.nonNegative("weightDecay", weightDecay);
    }

    /** Signum: lr 1e-3, momentum 0.9, weight decay 0. */
    public static SignumParams signum() {
        return new SignumParams(1e-3, 0.9, 0, false);
    }

    /** signSGD: lr 1e-3, no momentum, weight decay 0. */
    public static SignumParams signSgd() {
        return new SignumParams(1e-3, 0, 0, false);
    }

    /** Whether the rule keeps a momentum buffer. */
    public boolean hasMomentum() {
        return momentum != 0;
    }

    @Override
    public SignumParams withLr(double value) {
        return new SignumParams(value, momentum, weightDecay, maximize);
    }

    public SignumParams withWeightDecay(double value) {
        return new SignumParams(lr, momentum, value, maximize);
    }
}
