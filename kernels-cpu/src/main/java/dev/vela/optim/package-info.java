/**
 * First-order optimizers. {@link dev.vela.optim.FusedUpdates} is the stateless kernel layer
 * (one pass over parameters, gradients and state per tensor; one more pass for the norms of the
 * norm-based rules); {@link dev.vela.optim.Optimizer} the stateful layer (groups, owned state,
 * multi-tensor steps, gradient hygiene, checkpoints). Each rule's hyperparameters are a
 * {@link dev.vela.optim.Hyperparameters} record; {@link dev.vela.optim.LrSchedule} values scale
 * the learning rate per step. See docs/OPTIMIZERS.md for the semantics and error bounds.
 */
@NullMarked
package dev.vela.optim;

import org.jspecify.annotations.NullMarked;
