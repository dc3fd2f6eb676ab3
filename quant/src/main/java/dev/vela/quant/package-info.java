/** Block-wise quantization: layouts, maps, quantize/dequantize, 8-bit optimizer states. */
@NullMarked
package dev.vela.quant;

import org.jspecify.annotations.NullMarked;
