package dev.vela.internal.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * How the float32 vector kernels reach their data, in one place: the array behind a heap
 * segment (for array-indexed loops), int-indexed slices for segment loops, vector and scalar
 * access to those slices, and the multiply-add whose fusing is decided once at start-up.
 */
final class FloatSegments {

    private static final VectorSpecies<Float> F = VectorShapes.FLOAT;
    private static final boolean FMA = VectorShapes.FMA;
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    private FloatSegments() {
    }

    /** The {@code float[]} behind a writable heap segment whose address is float-aligned, else null. */
    static float[] array(MemorySegment s) {
        return (s.heapBase().orElse(null) instanceof float[] a && (s.address() & 3) == 0) ? a : null;
    }

    /** The array index of element {@code elementOffset} of a segment {@link #array} accepted. */
    static int index(MemorySegment s, long elementOffset) {
        return (int) ((s.address() >>> 2) + elementOffset);
    }

    /**
     * The n floats at element offset o of s, as a slice indexed from 0. Segment loops run over
     * such slices with int counters: C2 unrolls them and hoists their checks far better than
     * long-indexed loops over a whole segment (measured: a 64M-float dot ran 1.8x faster).
     */
    static MemorySegment slice(MemorySegment s, long o, int n) {
        return s.asSlice(o << 2, (long) n << 2);
    }

    static FloatVector load(MemorySegment s, int i) {
        return FloatVector.fromMemorySegment(F, s, (long) i << 2, NO);
    }

    static void store(FloatVector v, MemorySegment s, int i) {
        v.intoMemorySegment(s, (long) i << 2, NO);
    }

    static float get(MemorySegment s, int i) {
        return s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
    }

    static void set(MemorySegment s, int i, float v) {
        s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v);
    }

    /**
     * Lanes summed in double in a fixed tree: lane i with lane i + L/2, then the halves of that,
     * down to one. Not reduceLanes, whose order the Vector API leaves open (it differs between
     * interpreted and compiled code). The tree replaced a left-to-right loop over lane(): AdamP
     * and SGDP sum four vectors per row of 1024 elements, and their first pass got about 13%
     * faster (SGDP on 1M floats in 1024 rows, 1 thread: 525 to 455 us). Each halving rotates by
     * a constant shuffle: written as {@code slice(k)} in a loop over k, C2 did not always make
     * k a constant inside the large kernels, and then ran slice's lane-by-lane fallback (JFR:
     * about 8% of LAMB's time over tensors of 4096 elements). Lane 0 is the same sum either way.
     */
    static double sumLanes(FloatVector v) {
        DoubleVector s = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0))
                .add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1));
        if (D.length() >= 8) {
            s = s.add(s.rearrange(ROTATE_4));
        }
        if (D.length() >= 4) {
            s = s.add(s.rearrange(ROTATE_2));
        }
        return s.add(s.rearrange(ROTATE_1)).lane(0);
    }

    private static final VectorSpecies<Double> D = VectorShapes.DOUBLE;
    private static final VectorShuffle<Double> ROTATE_4 = rotation(4);
    private static final VectorShuffle<Double> ROTATE_2 = rotation(2);
    private static final VectorShuffle<Double> ROTATE_1 = rotation(1);

    /** Lane i takes lane (i + k) mod the lane count (k is only used where k < that count). */
    private static VectorShuffle<Double> rotation(int k) {
        return VectorShuffle.fromOp(D, i -> (i + k) % D.length());
    }

    /** a * b + c, fused when the CPU fuses quickly (decided once at start-up). */
    static FloatVector madd(FloatVector a, FloatVector b, FloatVector c) {
        return FMA ? a.fma(b, c) : a.mul(b).add(c);
    }

    /** The scalar twin of {@link #madd(FloatVector, FloatVector, FloatVector)}, for loop tails. */
    static float madd(float a, float b, float c) {
        return FMA ? Math.fma(a, b, c) : a * b + c;
    }
}
