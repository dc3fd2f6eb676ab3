package dev.vela.quant;

import dev.vela.optim.OptimizerSetup;
import java.util.function.Function;

/**
 * How an {@link Optimizer8bit} stores its state, and the factory that builds it from an
 * {@link dev.vela.optim.Optimizer.Builder}:
 *
 * <pre>{@code
 * try (Optimizer opt = Optimizer.builder()
 *         .group(AdamParams.adamW().withLr(1e-3), Param.of("w", w, gw))
 *         .build(BlockwiseStates.defaults())) { ... }
 * }</pre>
 *
 * @param blockSize elements per quantization block: a power of two in [64, 4096] (default 256,
 *     bitsandbytes' since 0.44)
 * @param minQuantizedSize tensors with fewer elements keep float32 state (default 4096, as
 *     bitsandbytes' {@code min_8bit_size})
 * @param percentile percentile clipping: 100 is off (default); p in [1, 99] clips each tensor's
 *     gradient norm to the p-th smallest of its last 100 norms (see {@link Optimizer8bit})
 */
public record BlockwiseStates(int blockSize, long minQuantizedSize, int percentile)
        implements Function<OptimizerSetup, Optimizer8bit> {

    /**
     * @throws IllegalArgumentException naming the field: blockSize not a power of two in
     *     [64, 4096], minQuantizedSize negative, percentile outside [1, 100]
     */
    public BlockwiseStates {
        new BlockLayout(0, blockSize); // validates blockSize with its message
        if (minQuantizedSize < 0) {
            throw new IllegalArgumentException("minQuantizedSize must be >= 0, was " + minQuantizedSize);
        }
        if (percentile < 1 || percentile > 100) {
            throw new IllegalArgumentException("percentile must be in [1, 100], was " + percentile);
        }
    }

    /** Block size 256, float32 state below 4096 elements, no percentile clipping. */
    public static BlockwiseStates defaults() {
        return new BlockwiseStates(256, 4096, 100);
    }

    public BlockwiseStates withBlockSize(int value) {
        return new BlockwiseStates(value, minQuantizedSize, percentile);
    }

    public BlockwiseStates withMinQuantizedSize(long value) {
        return new BlockwiseStates(blockSize, value, percentile);
    }

    public BlockwiseStates withPercentileClipping(int value) {
        return new BlockwiseStates(blockSize, minQuantizedSize, value);
    }

    /** Builds the optimizer (called by {@code Optimizer.Builder.build(this)}). */
    @Override
    public Optimizer8bit apply(OptimizerSetup setup) {
        return new Optimizer8bit(setup, this);
    }
}
