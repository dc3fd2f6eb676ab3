package dev.vela.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API block kernels: the same bits as {@link BlockCodec}.
 *
 * <p>Quantization of 8-bit maps with a {@link GatherSearch} finds each lane's code with one
 * gather from the map's bucket table and one compare. (It replaced an arithmetic search: a
 * 5-step binary search over segment breakpoints by two-vector {@code selectFrom}s, then a fused
 * multiply-add; 1.19 against 1.07 ms per 1M elements, before both lost the float clamp.)
 * Dequantization of 8-bit maps picks each code's value out of the 256-entry table with eight
 * two-vector {@code selectFrom}s and a blend tree on the code's top three bits.
 *
 * <p>Both need 16 float lanes (AVX-512); with fewer lanes (AVX2, NEON), and for 4-bit maps and
 * stochastic rounding, the scalar loops run.
 *
 * <p>Offsets are int lane indices into per-block slices: C2 hoists the bounds checks of
 * int-indexed accesses out of the loop, which it did not for long offsets (3x slower here).
 */
final class VectorBlockKernels implements BlockKernels {

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;
    private static final int L = FS.length();
    /**
     * Both kernels need 16 lanes: dequantization's two-vector tables then hold 32 entries, and
     * a vector of codes is one 128-bit store.
     */
    private static final boolean SIXTEEN = L == 16 && IS.length() == L;
    private static final VectorSpecies<Byte> BS = SIXTEEN ? ByteVector.SPECIES_128 : null;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Created by name through {@link BlockKernels#of}. */
    public VectorBlockKernels() {
    }

    @Override
    public float quantizeNearest(QuantMap map, MemorySegment x, long xo, int n, MemorySegment codes, long co,
                                 boolean keepSign) {
        GatherSearch search = map.gather();
        if (!SIXTEEN || search == null) {
            return BlockCodec.quantizeNearest(map, x, xo, n, codes, co, keepSign);
        }
        MemorySegment xs = x.asSlice(xo * Float.BYTES, (long) n * Float.BYTES), cs = codes.asSlice(co, n);
        float absmax = absmax(xs, n);
        if (BlockCodec.allZeroCode(absmax)) {
            BlockCodec.fillZero(map, codes, co, n);
            return absmax;
        }
        float pre = BlockCodec.pre(absmax), inv = BlockCodec.inverse(absmax);
        FloatVector preV = FloatVector.broadcast(FS, pre), invV = FloatVector.broadcast(FS, inv);
        IntVector lowKey = IntVector.broadcast(IS, search.lowKey);
        IntVector highKey = IntVector.broadcast(IS, search.highKey);
        int[] entries = search.entries;
        int offset = -search.firstBucket;
        boolean mayFlag = search.hasFlaggedBuckets;
        int positiveFrom = Math.min(search.positiveFrom, 255), negativeTo = Math.max(search.negativeTo, 0);
        int[] buckets = new int[L];
        int whole = n - n % L;
        long redo = 0;
        // groups of up to 64 vectors, each with a bit mask of the vectors that had a flagged
        // lane; those are redone after the group's loop: a call inside the loop (even one never
        // taken) made the loop spill, 1.2x slower
        for (int g0 = 0; g0 < whole; g0 += 64 * L) {
            int g1 = Math.min(whole, g0 + 64 * L);
            for (int i = g0; i < g1; i += L) {
                FloatVector xv = FloatVector.fromMemorySegment(FS, xs, (long) i * Float.BYTES, LE);
                IntVector b = xv.mul(preV).mul(invV).reinterpretAsInts();
                // clamped to [lowest, highest value] as keys: the float min and max, with Java's
                // NaN and -0 rules, cost 0.23 ns per element (a third of the loop)
                IntVector key = b.lanewise(VectorOperators.ASHR, 31).and(0x7FFFFFFF).lanewise(VectorOperators.XOR, b)
                        .max(lowKey).min(highKey);
                key.lanewise(VectorOperators.ASHR, 16).intoArray(buckets, 0);
                IntVector e = IntVector.fromArray(IS, entries, offset, buckets, 0);
                IntVector idx = e.lanewise(VectorOperators.LSHR, 16).and(0xFF).add(
                        e.lanewise(VectorOperators.LSHR, 24).and(0x7F),
                        key.and(0xFFFF).compare(VectorOperators.GT, e.and(0xFFFF)));
                if (keepSign) {
                    // bitsandbytes' sign fix, as in BlockCodec.code8: codes are sorted indices here
                    VectorMask<Integer> up = xv.compare(VectorOperators.GT, 0f).cast(IS)
                            .and(idx.compare(VectorOperators.LT, positiveFrom));
                    VectorMask<Integer> down = xv.compare(VectorOperators.LT, 0f).cast(IS)
                            .and(idx.compare(VectorOperators.GT, negativeTo));
                    idx = idx.add(1, up).sub(1, down);
                }
                idx.convertShape(VectorOperators.I2B, BS, 0).reinterpretAsBytes().intoMemorySegment(cs, i, LE);
                if (mayFlag && e.compare(VectorOperators.LT, 0).anyTrue()) {
                    redo |= 1L << (i - g0) / L;
                }
            }
            for (; redo != 0; redo &= redo - 1) {
                redo(map, xs, cs, g0 + Long.numberOfTrailingZeros(redo) * L, L, pre, inv, keepSign);
            }
        }
        redo(map, xs, cs, whole, n - whole, pre, inv, keepSign);
        return absmax;
    }

    /** Codes of elements from..from+count by the scalar table search. */
    private static void redo(QuantMap map, MemorySegment xs, MemorySegment cs, int from, int count, float pre,
                             float inv, boolean keepSign) {
        for (int i = from; i < from + count; i++) {
            cs.set(ValueLayout.JAVA_BYTE, i, (byte) BlockCodec.code8(map, xs.getAtIndex(F, i), pre, inv, keepSign));
        }
    }

    private static IntVector bits(float[] table, int from) {
        return FloatVector.fromArray(FS, table, from).reinterpretAsInts();
    }

    /** max |x| over the block by bit patterns, NaN if any element is NaN (as BlockCodec.absmax). */
    private static float absmax(MemorySegment xs, int n) {
        IntVector most = IntVector.zero(IS);
        int i = 0;
        for (; i <= n - L; i += L) {
            IntVector b = FloatVector.fromMemorySegment(FS, xs, (long) i * Float.BYTES, LE).reinterpretAsInts();
            most = most.max(b.and(0x7FFFFFFF));
        }
        int max = most.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, Float.floatToRawIntBits(xs.getAtIndex(F, i)) & 0x7FFFFFFF);
        }
        return max > 0x7F800000 ? Float.NaN : Float.intBitsToFloat(max);
    }

    @Override
    public void dequantize(QuantMap map, MemorySegment codes, long co, float absmax, int n, MemorySegment out,
                           long oo) {
        if (!SIXTEEN || map.bits() != 8) {
            BlockCodec.dequantize(map, codes, co, absmax, n, out, oo);
            return;
        }
        MemorySegment cs = codes.asSlice(co, n), os = out.asSlice(oo * Float.BYTES, (long) n * Float.BYTES);
        float[] table = map.byCode();
        IntVector t0 = bits(table, 0), t1 = bits(table, 16), t2 = bits(table, 32), t3 = bits(table, 48);
        IntVector t4 = bits(table, 64), t5 = bits(table, 80), t6 = bits(table, 96), t7 = bits(table, 112);
        IntVector t8 = bits(table, 128), t9 = bits(table, 144), t10 = bits(table, 160), t11 = bits(table, 176);
        IntVector t12 = bits(table, 192), t13 = bits(table, 208), t14 = bits(table, 224), t15 = bits(table, 240);
        FloatVector scale = FloatVector.broadcast(FS, absmax);
        int i = 0;
        for (; i <= n - L; i += L) {
            IntVector c = (IntVector) ByteVector.fromMemorySegment(BS, cs, i, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
            // each selectFrom reads the 32 entries its two tables hold (c mod 32); bits 5..7 of c pick among them
            VectorMask<Integer> b5 = c.and(32).compare(VectorOperators.NE, 0);
            VectorMask<Integer> b6 = c.and(64).compare(VectorOperators.NE, 0);
            VectorMask<Integer> b7 = c.and(128).compare(VectorOperators.NE, 0);
            IntVector q0 = c.selectFrom(t0, t1).blend(c.selectFrom(t2, t3), b5);
            IntVector q1 = c.selectFrom(t4, t5).blend(c.selectFrom(t6, t7), b5);
            IntVector q2 = c.selectFrom(t8, t9).blend(c.selectFrom(t10, t11), b5);
            IntVector q3 = c.selectFrom(t12, t13).blend(c.selectFrom(t14, t15), b5);
            IntVector value = q0.blend(q1, b6).blend(q2.blend(q3, b6), b7);
            value.reinterpretAsFloats().mul(scale).intoMemorySegment(os, (long) i * Float.BYTES, LE);
        }
        float[] byCode = map.byCode();
        for (; i < n; i++) {
            os.setAtIndex(F, i, byCode[cs.get(ValueLayout.JAVA_BYTE, i) & 0xFF] * absmax);
        }
    }
}
