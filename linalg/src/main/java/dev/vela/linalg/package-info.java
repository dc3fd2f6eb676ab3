/** Matrices over memory segments and the dense and sampled kernels that use them. */
@NullMarked
package dev.vela.linalg;

import org.jspecify.annotations.NullMarked;
