package dev.vela.quant;

import dev.vela.kernels.Capabilities;
import dev.vela.kernels.Implementation;
import dev.vela.memory.SegmentChecks;
import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;

/**
 * Block-wise quantization (bitsandbytes' scheme): a tensor is cut into blocks of
 * {@link BlockLayout#blockSize()} elements; each block stores its absmax (max |x|, float32) and
 * each element the code of the {@link QuantMap} value nearest to {@code x / absmax}
 * (ties to the lower value, see {@link QuantMap}). Dequantization gives
 * {@code value(code) * absmax}. 8-bit maps store one byte per element; 4-bit maps (NF4, FP4)
 * pack two codes per byte, the first element in the high nibble.
 *
 * <p>Numerics, as in {@link BlockCodec}: normalisation multiplies by the absmax's float32
 * reciprocal; an all-zero block gets the zero code and dequantizes to exact zeros; a block
 * holding NaN or an infinity keeps that absmax (NaN or +Inf) with the zero code everywhere and
 * dequantizes to NaN everywhere. Stochastic rounding rounds up between the two bracketing values
 * with probability proportional to the distance from the lower one (unbiased inside the map's
 * range), from counter-based random bits of (seed, element index): the same seed gives the same
 * codes for any thread count.
 *
 * <p>Blocks run in parallel on the pool; every argument is checked before anything is written.
 */
public final class BlockQuantizer {

    /** Blocks per parallel task: about 32K elements. */
    private static final int GRAIN_ELEMENTS = 1 << 15;

    private final Implementation implementation;
    private final BlockKernels kernels;
    private final VelaPool pool;

    private BlockQuantizer(Implementation implementation, VelaPool pool) {
        this.implementation = implementation;
        this.kernels = BlockKernels.of(implementation);
        this.pool = pool;
    }

    /** A quantizer with the implementation {@link Capabilities#current()} chose, on {@link VelaPool#defaultPool()}. */
    public static BlockQuantizer get() {
        return new BlockQuantizer(Capabilities.current().implementation(), VelaPool.defaultPool());
    }

    /** A quantizer with the chosen implementation on the given pool. */
    public static BlockQuantizer create(VelaPool pool) {
        return create(Capabilities.current().implementation(), pool);
    }

    /**
     * A quantizer with the given implementation on the given pool. Both give the same bits; the
     * Vector API one runs 8-bit nearest quantization and (on 16 float lanes) 8-bit
     * dequantization in SIMD, and the scalar loops for the rest (4-bit maps, stochastic rounding).
     *
     * @throws IllegalStateException naming the reason when the implementation is unavailable
     */
    public static BlockQuantizer create(Implementation implementation, VelaPool pool) {
        if (implementation == null) {
            throw new NullPointerException("implementation must not be null");
        }
        if (pool == null) {
            throw new NullPointerException("pool must not be null");
        }
        return new BlockQuantizer(implementation, pool);
    }

    /** The implementation this quantizer runs. */
    public Implementation implementation() {
        return implementation;
    }

    /** Bytes of codes for n elements: n for 8-bit maps, ceil(n / 2) for 4-bit ones. */
    public static long codeBytes(QuantMap map, long n) {
        return map.bits() == 8 ? n : (n + 1) / 2;
    }

    /**
     * Quantizes {@code layout.length()} floats of x (from element xOffset) into codes (from byte
     * codesOffset) and one absmax per block (from element absmaxOffset), to the nearest codes.
     */
    public void quantize(QuantMap map, BlockLayout layout, MemorySegment x, long xOffset, MemorySegment codes,
                         long codesOffset, MemorySegment absmax, long absmaxOffset) {
        check(map, layout, x, xOffset, false, codes, codesOffset, true, absmax, absmaxOffset, true);
        run(map, layout, x, xOffset, codes, codesOffset, absmax, absmaxOffset, false, 0);
    }

    /** {@link #quantize} with stochastic rounding seeded by {@code seed}. */
    public void quantizeStochastic(QuantMap map, BlockLayout layout, long seed, MemorySegment x, long xOffset,
                                   MemorySegment codes, long codesOffset, MemorySegment absmax, long absmaxOffset) {
        check(map, layout, x, xOffset, false, codes, codesOffset, true, absmax, absmaxOffset, true);
        run(map, layout, x, xOffset, codes, codesOffset, absmax, absmaxOffset, true, seed);
    }

    /** Writes {@code value(code) * absmax} for {@code layout.length()} elements into out. */
    public void dequantize(QuantMap map, BlockLayout layout, MemorySegment codes, long codesOffset,
                           MemorySegment absmax, long absmaxOffset, MemorySegment out, long outOffset) {
        check(map, layout, out, outOffset, true, codes, codesOffset, false, absmax, absmaxOffset, false);
        long blocks = layout.blocks();
        int bs = layout.blockSize();
        boolean share = pool.canShare(codes) && pool.canShare(absmax) && pool.canShare(out);
        dev.vela.parallel.RangeBody body = (b0, b1) -> {
            for (long b = b0; b < b1; b++) {
                long start = b * bs;
                kernels.dequantize(map, codes, codesOffset + codeBytes(map, start),
                        absmax.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, absmaxOffset + b),
                        layout.blockLength(b), out, outOffset + start);
            }
        };
        forBlocks(blocks, bs, share, body);
    }

    /** Quantizes a whole array to the nearest codes. */
    public Quantized quantize(QuantMap map, int blockSize, float[] x) {
        BlockLayout layout = new BlockLayout(notNull("x", x).length, blockSize);
        Quantized q = new Quantized(notNull("map", map), layout, new byte[(int) codeBytes(map, x.length)],
                new float[(int) layout.blocks()]);
        quantize(map, layout, MemorySegment.ofArray(x), 0, MemorySegment.ofArray(q.codes()), 0,
                MemorySegment.ofArray(q.absmax()), 0);
        return q;
    }

    /** Quantizes a whole array with stochastic rounding. */
    public Quantized quantizeStochastic(QuantMap map, int blockSize, long seed, float[] x) {
        BlockLayout layout = new BlockLayout(notNull("x", x).length, blockSize);
        Quantized q = new Quantized(notNull("map", map), layout, new byte[(int) codeBytes(map, x.length)],
                new float[(int) layout.blocks()]);
        quantizeStochastic(map, layout, seed, MemorySegment.ofArray(x), 0, MemorySegment.ofArray(q.codes()), 0,
                MemorySegment.ofArray(q.absmax()), 0);
        return q;
    }

    /** The dequantized values of q. */
    public float[] dequantize(Quantized q) {
        float[] out = new float[Math.toIntExact(notNull("q", q).layout().length())];
        dequantize(q.map(), q.layout(), MemorySegment.ofArray(q.codes()), 0, MemorySegment.ofArray(q.absmax()), 0,
                MemorySegment.ofArray(out), 0);
        return out;
    }

    private void run(QuantMap map, BlockLayout layout, MemorySegment x, long xOffset, MemorySegment codes,
                     long codesOffset, MemorySegment absmax, long absmaxOffset, boolean stochastic, long seed) {
        int bs = layout.blockSize();
        boolean share = pool.canShare(x) && pool.canShare(codes) && pool.canShare(absmax);
        dev.vela.parallel.RangeBody body = (b0, b1) -> {
            for (long b = b0; b < b1; b++) {
                long start = b * bs;
                int n = layout.blockLength(b);
                long co = codesOffset + codeBytes(map, start);
                float a = stochastic
                        ? BlockCodec.quantizeStochastic(map, x, xOffset + start, n, codes, co, seed, start)
                        : kernels.quantizeNearest(map, x, xOffset + start, n, codes, co, false);
                absmax.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, absmaxOffset + b, a);
            }
        };
        forBlocks(layout.blocks(), bs, share, body);
    }

    private void forBlocks(long blocks, int blockSize, boolean share, dev.vela.parallel.RangeBody body) {
        if (share) {
            pool.parallelFor(blocks, Math.max(1, GRAIN_ELEMENTS / blockSize), body);
        } else if (blocks > 0) {
            body.run(0, blocks);
        }
    }

    private static void check(QuantMap map, BlockLayout layout, MemorySegment data, long dataOffset,
                              boolean dataWritten, MemorySegment codes, long codesOffset, boolean codesWritten,
                              MemorySegment absmax, long absmaxOffset, boolean absmaxWritten) {
        notNull("map", map);
        notNull("layout", layout);
        long n = layout.length();
        String dataName = dataWritten ? "out" : "x";
        if (dataWritten) {
            SegmentChecks.checkWritableRange(dataName, data, dataOffset, n, Float.BYTES);
        } else {
            SegmentChecks.checkRange(dataName, data, dataOffset, n, Float.BYTES);
        }
        if (codesWritten) {
            SegmentChecks.checkWritableRange("codes", codes, codesOffset, codeBytes(map, n), 1);
        } else {
            SegmentChecks.checkRange("codes", codes, codesOffset, codeBytes(map, n), 1);
        }
        if (absmaxWritten) {
            SegmentChecks.checkWritableRange("absmax", absmax, absmaxOffset, layout.blocks(), Float.BYTES);
        } else {
            SegmentChecks.checkRange("absmax", absmax, absmaxOffset, layout.blocks(), Float.BYTES);
        }
        checkDisjoint(dataName, data, dataOffset * Float.BYTES, n * Float.BYTES, "codes", codes, codesOffset,
                codeBytes(map, n));
        checkDisjoint(dataName, data, dataOffset * Float.BYTES, n * Float.BYTES, "absmax", absmax,
                absmaxOffset * Float.BYTES, layout.blocks() * Float.BYTES);
        checkDisjoint("codes", codes, codesOffset, codeBytes(map, n), "absmax", absmax, absmaxOffset * Float.BYTES,
                layout.blocks() * Float.BYTES);
    }

    private static void checkDisjoint(String an, MemorySegment a, long ao, long al, String bn, MemorySegment b,
                                      long bo, long bl) {
        if (al > 0 && bl > 0 && a.asSlice(ao, al).asOverlappingSlice(b.asSlice(bo, bl)).isPresent()) {
            throw new IllegalArgumentException(an + " and " + bn + " overlap");
        }
    }

    private static <T> T notNull(String name, T value) {
        if (value == null) {
            throw new NullPointerException(name + " must not be null");
        }
        return value;
    }
}
