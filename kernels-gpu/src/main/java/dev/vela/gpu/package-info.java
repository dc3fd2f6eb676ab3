/** Detection of the CUDA driver and libraries, and (later) the CUDA kernel implementations. */
@NullMarked
package dev.vela.gpu;

import org.jspecify.annotations.NullMarked;
