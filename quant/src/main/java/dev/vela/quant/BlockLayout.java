package dev.vela.quant;

/**
 * How a tensor of {@code length} elements splits into quantization blocks of {@code blockSize}
 * elements, each stored as one code per element plus one float32 absmax: the last block may be
 * shorter. Block sizes are powers of two from {@value #MIN_BLOCK} to {@value #MAX_BLOCK}, the
 * range the block-wise 8-bit optimizers use.
 *
 * @param length number of elements, {@code >= 0}
 * @param blockSize elements per block, a power of two in [64, 4096]
 */
public record BlockLayout(long length, int blockSize) {

    public static final int MIN_BLOCK = 64;
    public static final int MAX_BLOCK = 4096;

    /**
     * @throws IllegalArgumentException naming the field when length is negative or blockSize is
     *     not a power of two in [64, 4096]
     */
    public BlockLayout {
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, was " + length);
        }
        if (blockSize < MIN_BLOCK || blockSize > MAX_BLOCK || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("blockSize must be a power of two in [" + MIN_BLOCK + ", "
                    + MAX_BLOCK + "], was " + blockSize);
        }
    }

    /** Number of blocks, the last one possibly shorter. */
    public long blocks() {
        return (length + blockSize - 1) / blockSize;
    }

    /** First element of block {@code b}. */
    public long blockStart(long b) {
        checkBlock(b);
        return b * blockSize;
    }

    /** Elements in block {@code b}: {@code blockSize}, or fewer for the tail block. */
    public int blockLength(long b) {
        checkBlock(b);
        return (int) Math.min(blockSize, length - b * blockSize);
    }

    /** Bytes of 8-bit codes plus float32 absmax values for the whole tensor. */
    public long bytes8Bit() {
        return length + Float.BYTES * blocks();
    }

    /**
     * Bytes per element of one 8-bit state: 1 for the code plus 4 / blockSize for the absmax
     * (Adam keeps two such states: 2 + 8 / blockSize).
     */
    public double bytesPerElement8Bit() {
        return 1.0 + (double) Float.BYTES / blockSize;
    }

    private void checkBlock(long b) {
        if (b < 0 || b >= blocks()) {
            throw new IndexOutOfBoundsException("block must be in [0, " + blocks() + "), was " + b);
        }
    }
}
