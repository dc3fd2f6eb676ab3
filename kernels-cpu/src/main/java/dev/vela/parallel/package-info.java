/** The chunked parallel loop and fixed-order blocked reductions. */
@NullMarked
package dev.vela.parallel;

import org.jspecify.annotations.NullMarked;
