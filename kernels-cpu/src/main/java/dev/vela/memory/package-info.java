/** Aligned off-heap allocation and the argument checks every kernel shares. */
@NullMarked
package dev.vela.memory;

import org.jspecify.annotations.NullMarked;
