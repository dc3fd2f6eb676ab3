package dev.vela.quant;

import dev.vela.kernels.Implementation;
import dev.vela.kernels.VectorImplementations;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;

/**
 * The per-block kernels of one implementation: the scalar loops of {@link BlockCodec}, or the
 * Vector API ones of {@code VectorBlockKernels}, which give the same bits. The vector class is
 * loaded by name, so that nothing here touches {@code jdk.incubator.vector} when the module is
 * absent.
 */
interface BlockKernels {

    /** {@link BlockCodec#quantizeNearest(QuantMap, MemorySegment, long, int, MemorySegment, long, boolean)}. */
    float quantizeNearest(QuantMap map, MemorySegment x, long xo, int n, MemorySegment codes, long co,
                          boolean keepSign);

    /** {@link BlockCodec#dequantize}. */
    void dequantize(QuantMap map, MemorySegment codes, long co, float absmax, int n, MemorySegment out, long oo);

    /** The scalar loops. */
    BlockKernels SCALAR = new BlockKernels() {
        @Override
        public float quantizeNearest(QuantMap map, MemorySegment x, long xo, int n, MemorySegment codes, long co,
                                     boolean keepSign) {
            return BlockCodec.quantizeNearest(map, x, xo, n, codes, co, keepSign);
        }

        @Override
        public void dequantize(QuantMap map, MemorySegment codes, long co, float absmax, int n, MemorySegment out,
                               long oo) {
            BlockCodec.dequantize(map, codes, co, absmax, n, out, oo);
        }
    };

    /**
     * The kernels of the given implementation.
     *
     * @throws IllegalStateException naming the reason when the Vector API implementation is
     *     asked for and unavailable on this JVM
     */
    static BlockKernels of(Implementation implementation) {
        if (implementation == Implementation.SCALAR) {
            return SCALAR;
        }
        return VectorHolder.get();
    }

    /** Loads the vector kernels once, on first use. */
    final class VectorHolder {
        private static final BlockKernels VECTOR = VectorImplementations.load(MethodHandles.lookup(), BlockKernels.class,
                "dev.vela.quant.VectorBlockKernels");

        private VectorHolder() {
        }

        static BlockKernels get() {
            return VectorImplementations.require(VECTOR);
        }
    }
}
