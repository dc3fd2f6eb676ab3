/** Float32 elementwise and reduction kernels, their implementations and capabilities. */
@NullMarked
package dev.vela.kernels;

import org.jspecify.annotations.NullMarked;
