/** Sparse matrices and the iterative solvers built on them. */
@NullMarked
package dev.vela.solvers;

import org.jspecify.annotations.NullMarked;
