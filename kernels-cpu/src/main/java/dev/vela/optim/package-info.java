/** Fused optimizer updates (the kernel layer): one pass over parameters, gradients and state. */
@NullMarked
package dev.vela.optim;

import org.jspecify.annotations.NullMarked;
