package dev.vela.quant;

/**
 * A tensor quantized block-wise onto heap arrays: its map, its layout, the codes (one byte per
 * element for 8-bit maps, two 4-bit codes per byte for 4-bit ones) and one float32 absmax per
 * block. The arrays are the caller's: the record does not copy them.
 */
public record Quantized(QuantMap map, BlockLayout layout, byte[] codes, float[] absmax) {

    /**
     * @throws IllegalArgumentException naming the array whose length does not fit the layout
     */
    public Quantized {
        if (map == null || layout == null || codes == null || absmax == null) {
            throw new NullPointerException("map, layout, codes and absmax must not be null");
        }
        long codeBytes = BlockQuantizer.codeBytes(map, layout.length());
        if (codes.length != codeBytes) {
            throw new IllegalArgumentException("codes.length must be " + codeBytes + " for " + layout + " and "
                    + map + ", was " + codes.length);
        }
        if (absmax.length != layout.blocks()) {
            throw new IllegalArgumentException("absmax.length must be " + layout.blocks() + " (one per block), was "
                    + absmax.length);
        }
    }
}
