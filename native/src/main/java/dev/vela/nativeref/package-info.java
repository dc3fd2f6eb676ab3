/** The C reference library (STREAM, dot, axpy) and its FFM bindings. */
@NullMarked
package dev.vela.nativeref;

import org.jspecify.annotations.NullMarked;
