package dev.vela.optim;

/**
 * The hyperparameters of one update rule: an immutable, validated record per optimizer. Every
 * rule has a learning rate, which schedules replace step by step through {@link #withLr}.
 */
public sealed interface Hyperparameters
        permits AdamParams, SgdParams, LionParams, SignumParams, AdaBeliefParams, DiffGradParams, ExAdamParams,
        LambParams, LarsParams, SgdSaiParams, AdamPParams, SgdpParams, RmspropParams, AdagradParams {

    /** The learning rate, finite and >= 0. */
    double lr();

    /** The same hyperparameters with another learning rate. */
    Hyperparameters withLr(double lr);
}
