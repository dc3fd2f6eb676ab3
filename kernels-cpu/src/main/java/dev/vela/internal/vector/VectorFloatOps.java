package dev.vela.internal.vector;

import static dev.vela.internal.vector.FloatSegments.array;
import static dev.vela.internal.vector.FloatSegments.get;
import static dev.vela.internal.vector.FloatSegments.index;
import static dev.vela.internal.vector.FloatSegments.load;
import static dev.vela.internal.vector.FloatSegments.madd;
import static dev.vela.internal.vector.FloatSegments.set;
import static dev.vela.internal.vector.FloatSegments.slice;
import static dev.vela.internal.vector.FloatSegments.store;

import dev.vela.internal.simd.FloatOps;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API implementation of {@link FloatOps}. Loaded only reflectively, and only after the
 * provider has checked that {@code jdk.incubator.vector} is readable.
 *
 * <p>Every kernel has two loops: an array-indexed one, taken when all operands are heap
 * segments over {@code float[]} (on JDK 25 vector loads through a segment cost about twice as
 * much as through an array when the data is in cache), and a segment-indexed one for off-heap,
 * mapped and other heap segments. Loop tails run the same arithmetic as the vector body
 * (including fused multiply-add when {@link VectorShapes#FMA} is on) so that an element's
 * result never depends on its position. Reductions use four independent accumulators to hide
 * add latency and sum the lanes in a fixed order.
 */
public final class VectorFloatOps implements FloatOps {

    private static final VectorSpecies<Float> F = VectorShapes.FLOAT;
    private static final VectorSpecies<Double> D = VectorShapes.DOUBLE;
    private static final VectorSpecies<Float> FH = VectorShapes.HALF_FLOAT;
    private static final VectorSpecies<Integer> I = VectorShapes.INT;
    private static final int ABS_MASK = 0x7fff_ffff;
    private static final int INF_BITS = 0x7f80_0000;
    private static final int L = F.length();
    private static final boolean FMA = VectorShapes.FMA;
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    @Override
    public String name() {
        return "vector-" + F.vectorBitSize() + (FMA ? "-fma" : "");
    }

    // ---- helpers -------------------------------------------------------------------------

    private static double sumLanes(FloatVector v) {
        return FloatSegments.sumLanes(v);
    }

    /** As {@link FloatSegments#sumLanes}: left to right in double, for a fixed order. */
    private static double sumLanes(DoubleVector v) {
        double s = 0;
        for (int j = 0; j < D.length(); j++) {
            s += v.lane(j);
        }
        return s;
    }

    // ---- fill, scale -----------------------------------------------------------------------

    @Override
    public void fill(int n, float value, MemorySegment x, long xo) {
        float[] xa = array(x);
        if (xa != null) {
            int o = index(x, xo);
            java.util.Arrays.fill(xa, o, o + n, value);
            return;
        }
        FloatVector v = FloatVector.broadcast(F, value);
        MemorySegment xs = slice(x, xo, n);
        int i = 0;
        for (int b = n - n % L; i < b; i += L) {
            store(v, xs, i);
        }
        for (; i < n; i++) {
            set(xs, i, value);
        }
    }

    @Override
    public void scale(int n, float a, MemorySegment x, long xo) {
        FloatVector va = FloatVector.broadcast(F, a);
        float[] xa = array(x);
        if (xa != null) {
            int o = index(x, xo), i = 0;
            for (int b = F.loopBound(n); i < b; i += L) {
                FloatVector.fromArray(F, xa, o + i).mul(va).intoArray(xa, o + i);
            }
            for (; i < n; i++) {
                xa[o + i] = a * xa[o + i];
            }
            return;
        }
        MemorySegment xs = slice(x, xo, n);
        int i = 0;
        for (int b = n - n % L; i < b; i += L) {
            store(load(xs, i).mul(va), xs, i);
        }
        for (; i < n; i++) {
            set(xs, i, a * get(xs, i));
        }
    }

    // ---- axpy, axpby -------------------------------------------------------------------------

    @Override
    public void axpy(int n, float a, MemorySegment x, long xo, MemorySegment y, long yo) {
        FloatVector va = FloatVector.broadcast(F, a);
        float[] xa = array(x), ya = array(y);
        if (xa != null && ya != null) {
            int xi = index(x, xo), yi = index(y, yo), i = 0;
            for (int b = F.loopBound(n); i < b; i += L) {
                madd(va, FloatVector.fromArray(F, xa, xi + i), FloatVector.fromArray(F, ya, yi + i))
                        .intoArray(ya, yi + i);
            }
            for (; i < n; i++) {
                ya[yi + i] = madd(a, xa[xi + i], ya[yi + i]);
            }
            return;
        }
        MemorySegment xs = slice(x, xo, n);
        MemorySegment ys = slice(y, yo, n);
        int i = 0;
        for (int b = n - n % L; i < b; i += L) {
            store(madd(va, load(xs, i), load(ys, i)), ys, i);
        }
        for (; i < n; i++) {
            set(ys, i, madd(a, get(xs, i), get(ys, i)));
        }
    }

    @Override
    public void axpby(int n, float a, MemorySegment x, long xo, float b, MemorySegment y, long yo) {
        FloatVector va = FloatVector.broadcast(F, a), vb = FloatVector.broadcast(F, b);
        float[] xa = array(x), ya = array(y);
        if (xa != null && ya != null) {
            int xi = index(x, xo), yi = index(y, yo), i = 0;
            for (int bound = F.loopBound(n); i < bound; i += L) {
                madd(va, FloatVector.fromArray(F, xa, xi + i), FloatVector.fromArray(F, ya, yi + i).mul(vb))
                        .intoArray(ya, yi + i);
            }
            for (; i < n; i++) {
                ya[yi + i] = madd(a, xa[xi + i], b * ya[yi + i]);
            }
            return;
        }
        MemorySegment xs = slice(x, xo, n);
        MemorySegment ys = slice(y, yo, n);
        int i = 0;
        for (int bound = n - n % L; i < bound; i += L) {
            store(madd(va, load(xs, i), load(ys, i).mul(vb)), ys, i);
        }
        for (; i < n; i++) {
            set(ys, i, madd(a, get(xs, i), b * get(ys, i)));
        }
    }

    // ---- binary elementwise ------------------------------------------------------------------
    // One loop per operator on purpose: a lanewise(op, ...) with a non-constant op is not
    // intrinsified reliably (an OSR compile of a shared loop would see op as a variable).

    @Override
    public void add(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo) {
        float[] xa = array(x), ya = array(y), oa = array(out);
        if (xa != null && ya != null && oa != null) {
            int xi = index(x, xo), yi = index(y, yo), oi = index(out, oo), i = 0;
            for (int b = F.loopBound(n); i < b; i += L) {
                FloatVector.fromArray(F, xa, xi + i).add(FloatVector.fromArray(F, ya, yi + i)).intoArray(oa, oi + i);
            }
            for (; i < n; i++) {
                oa[oi + i] = xa[xi + i] + ya[yi + i];
            }
            return;
        }
        MemorySegment xs = slice(x, xo, n);
        MemorySegment ys = slice(y, yo, n);
        MemorySegment os = slice(out, oo, n);
        int i = 0;
        for (int b = n - n % L; i < b; i += L) {
            store(load(xs, i).add(load(ys, i)), os, i);
        }
        for (; i < n; i++) {
            set(os, i, get(xs, i) + get(ys, i));
        }
    }

    @Override
    public void sub(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo) {
        float[] xa = array(x), ya = array(y), oa = array(out);
        if (xa != null && ya != null && oa != null) {
            int xi = index(x, xo), yi = index(y, yo), oi = index(out, oo), i = 0;
            for (int b = F.loopBound(n); i < b; i += L) {
                FloatVector.fromArray(F, xa, xi + i).sub(FloatVector.fromArray(F, ya, yi + i)).intoArray(oa, oi + i);
            }
            for (; i < n; i++) {
                oa[oi + i] = xa[xi + i] - ya[yi + i];
            }
            return;
        }
        MemorySegment xs = slice(x, xo, n);
        MemorySegment ys = slice(y, yo, n);
        MemorySegment os = slice(out, oo, n);
        int i = 0;
        for (int b = n - n % L; i < b; i += L) {
            store(load(xs, i).sub(load(ys, i)), os, i);
        }
        for (; i < n; i++) {
            set(os, i, get(xs, i) - get(ys, i));
        }
    }

    @Override
    public void mul(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo) {
        float[] xa = array(x), ya = array(y), oa = array(out);
        if (xa != null && ya != null && oa != null) {
            int xi = index(x, xo), yi = index(y, yo), oi = index(out, oo), i = 0;
            for (int b = F.loopBound(n); i < b; i += L) {
                FloatVector.fromArray(F, xa, xi + i).mul(FloatVector.fromArray(F, ya, yi + i)).intoArray(oa, oi + i);
            }
            for (; i < n; i++) {
                oa[oi + i] = xa[xi + i] * ya[yi + i];
            }
            return;
        }
        MemorySegment xs = slice(x, xo, n);
        MemorySegment ys = slice(y, yo, n);
        MemorySegment os = slice(out, oo, n);
        int i = 0;
        for (int b = n - n % L; i < b; i += L) {
            store(load(xs, i).mul(load(ys, i)), os, i);
        }
        for (; i < n; i++) {
            set(os, i, get(xs, i) * get(ys, i));
        }
    }

    @Override
    public void div(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo) {
        float[] xa = array(x), ya = array(y), oa = array(out);
        if (xa != null && ya != null && oa != null) {
            int xi = index(x, xo), yi = index(y, yo), oi = index(out, oo), i = 0;
            for (int b = F.loopBound(n); i < b; i += L) {
                FloatVector.fromArray(F, xa, xi + i).div(FloatVector.fromArray(F, ya, yi + i)).intoArray(oa, oi + i);
            }
            for (; i < n; i++) {
                oa[oi + i] = xa[xi + i] / ya[yi + i];
            }
            return;
        }
        MemorySegment xs = slice(x, xo, n);
        MemorySegment ys = slice(y, yo, n);
        MemorySegment os = slice(out, oo, n);
        int i = 0;
        for (int b = n - n % L; i < b; i += L) {
            store(load(xs, i).div(load(ys, i)), os, i);
        }
        for (; i < n; i++) {
            set(os, i, get(xs, i) / get(ys, i));
        }
    }

    @Override
    public void fma(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment z, long zo,
                    MemorySegment out, long oo) {
        // Always fused here: this kernel promises a single rounding, whatever the CPU.
        float[] xa = array(x), ya = array(y), za = array(z), oa = array(out);
        if (xa != null && ya != null && za != null && oa != null) {
            int xi = index(x, xo), yi = index(y, yo), zi = index(z, zo), oi = index(out, oo), i = 0;
            for (int b = F.loopBound(n); i < b; i += L) {
                FloatVector.fromArray(F, xa, xi + i)
                        .fma(FloatVector.fromArray(F, ya, yi + i), FloatVector.fromArray(F, za, zi + i))
                        .intoArray(oa, oi + i);
            }
            for (; i < n; i++) {
                oa[oi + i] = Math.fma(xa[xi + i], ya[yi + i], za[zi + i]);
            }
            return;
        }
        MemorySegment xs = slice(x, xo, n);
        MemorySegment ys = slice(y, yo, n);
        MemorySegment zs = slice(z, zo, n);
        MemorySegment os = slice(out, oo, n);
        int i = 0;
        for (int b = n - n % L; i < b; i += L) {
            store(load(xs, i).fma(load(ys, i), load(zs, i)), os, i);
        }
        for (; i < n; i++) {
            set(os, i, Math.fma(get(xs, i), get(ys, i), get(zs, i)));
        }
    }

    // ---- unary elementwise -------------------------------------------------------------------

    @Override
    public void sqrt(int n, MemorySegment x, long xo, MemorySegment out, long oo) {
        float[] xa = array(x), oa = array(out);
        if (xa != null && oa != null) {
            int xi = index(x, xo), oi = index(out, oo), i = 0;
            for (int b = F.loopBound(n); i < b; i += L) {
                FloatVector.fromArray(F, xa, xi + i).sqrt().intoArray(oa, oi + i);
            }
            for (; i < n; i++) {
                oa[oi + i] = (float) Math.sqrt(xa[xi + i]);
            }
            return;
        }
        MemorySegment xs = slice(x, xo, n);
        MemorySegment os = slice(out, oo, n);
        int i = 0;
        for (int b = n - n % L; i < b; i += L) {
            store(load(xs, i).sqrt(), os, i);
        }
        for (; i < n; i++) {
            set(os, i, (float) Math.sqrt(get(xs, i)));
        }
    }

    @Override
    public void clamp(int n, float lo, float hi, MemorySegment x, long xo, MemorySegment out, long oo) {
        FloatVector vlo = FloatVector.broadcast(F, lo), vhi = FloatVector.broadcast(F, hi);
        float[] xa = array(x), oa = array(out);
        if (xa != null && oa != null) {
            int xi = index(x, xo), oi = index(out, oo), i = 0;
            for (int b = F.loopBound(n); i < b; i += L) {
                FloatVector.fromArray(F, xa, xi + i).max(vlo).min(vhi).intoArray(oa, oi + i);
            }
            for (; i < n; i++) {
                oa[oi + i] = Math.min(Math.max(xa[xi + i], lo), hi);
            }
            return;
        }
        MemorySegment xs = slice(x, xo, n);
        MemorySegment os = slice(out, oo, n);
        int i = 0;
        for (int b = n - n % L; i < b; i += L) {
            store(load(xs, i).max(vlo).min(vhi), os, i);
        }
        for (; i < n; i++) {
            set(os, i, Math.min(Math.max(get(xs, i), lo), hi));
        }
    }

    // ---- reductions --------------------------------------------------------------------------

    @Override
    public double dot(int n, MemorySegment x, long xo, MemorySegment y, long yo) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        float[] xa = array(x), ya = array(y);
        double tail = 0;
        if (xa != null && ya != null) {
            int xi = index(x, xo), yi = index(y, yo), i = 0;
            for (int b = n - n % (4 * L); i < b; i += 4 * L) {
                s0 = madd(FloatVector.fromArray(F, xa, xi + i), FloatVector.fromArray(F, ya, yi + i), s0);
                s1 = madd(FloatVector.fromArray(F, xa, xi + i + L), FloatVector.fromArray(F, ya, yi + i + L), s1);
                s2 = madd(FloatVector.fromArray(F, xa, xi + i + 2 * L), FloatVector.fromArray(F, ya, yi + i + 2 * L), s2);
                s3 = madd(FloatVector.fromArray(F, xa, xi + i + 3 * L), FloatVector.fromArray(F, ya, yi + i + 3 * L), s3);
            }
            for (int b = F.loopBound(n); i < b; i += L) {
                s0 = madd(FloatVector.fromArray(F, xa, xi + i), FloatVector.fromArray(F, ya, yi + i), s0);
            }
            for (; i < n; i++) {
                tail += (double) xa[xi + i] * ya[yi + i];
            }
        } else {
            MemorySegment xs = slice(x, xo, n);
            MemorySegment ys = slice(y, yo, n);
            int i = 0;
            for (int b = n - n % (4 * L); i < b; i += 4 * L) {
                s0 = madd(load(xs, i), load(ys, i), s0);
                s1 = madd(load(xs, i + L), load(ys, i + L), s1);
                s2 = madd(load(xs, i + 2 * L), load(ys, i + 2 * L), s2);
                s3 = madd(load(xs, i + 3 * L), load(ys, i + 3 * L), s3);
            }
            for (int b = n - n % L; i < b; i += L) {
                s0 = madd(load(xs, i), load(ys, i), s0);
            }
            for (; i < n; i++) {
                tail += (double) get(xs, i) * get(ys, i);
            }
        }
        return sumLanes(s0.add(s1).add(s2.add(s3))) + tail;
    }

    @Override
    public double sum(int n, MemorySegment x, long xo) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        float[] xa = array(x);
        double tail = 0;
        if (xa != null) {
            int xi = index(x, xo), i = 0;
            for (int b = n - n % (4 * L); i < b; i += 4 * L) {
                s0 = s0.add(FloatVector.fromArray(F, xa, xi + i));
                s1 = s1.add(FloatVector.fromArray(F, xa, xi + i + L));
                s2 = s2.add(FloatVector.fromArray(F, xa, xi + i + 2 * L));
                s3 = s3.add(FloatVector.fromArray(F, xa, xi + i + 3 * L));
            }
            for (int b = F.loopBound(n); i < b; i += L) {
                s0 = s0.add(FloatVector.fromArray(F, xa, xi + i));
            }
            for (; i < n; i++) {
                tail += xa[xi + i];
            }
        } else {
            MemorySegment xs = slice(x, xo, n);
            int i = 0;
            for (int b = n - n % (4 * L); i < b; i += 4 * L) {
                s0 = s0.add(load(xs, i));
                s1 = s1.add(load(xs, i + L));
                s2 = s2.add(load(xs, i + 2 * L));
                s3 = s3.add(load(xs, i + 3 * L));
            }
            for (int b = n - n % L; i < b; i += L) {
                s0 = s0.add(load(xs, i));
            }
            for (; i < n; i++) {
                tail += get(xs, i);
            }
        }
        return sumLanes(s0.add(s1).add(s2.add(s3))) + tail;
    }

    @Override
    public double sumOfSquares(int n, MemorySegment x, long xo) {
        // Squares of floats are exact in double and cannot over- or underflow there, so neither
        // a scaling pass nor FMA is needed. Half-width loads widen lane for lane (one
        // instruction) instead of splitting a full vector into two halves.
        DoubleVector s0 = DoubleVector.zero(D), s1 = s0;
        int h = FH.length();
        float[] xa = array(x);
        double tail = 0;
        int i = 0;
        if (xa != null) {
            int xi = index(x, xo);
            for (int b = n - n % (2 * h); i < b; i += 2 * h) {
                DoubleVector lo = (DoubleVector) FloatVector.fromArray(FH, xa, xi + i).convertShape(VectorOperators.F2D, D, 0);
                DoubleVector hi = (DoubleVector) FloatVector.fromArray(FH, xa, xi + i + h).convertShape(VectorOperators.F2D, D, 0);
                s0 = lo.mul(lo).add(s0);
                s1 = hi.mul(hi).add(s1);
            }
            for (; i < n; i++) {
                double v = xa[xi + i];
                tail += v * v;
            }
        } else {
            MemorySegment xs = slice(x, xo, n);
            for (int b = n - n % (2 * h); i < b; i += 2 * h) {
                DoubleVector lo = (DoubleVector) FloatVector.fromMemorySegment(FH, xs, (long) i << 2, NO)
                        .convertShape(VectorOperators.F2D, D, 0);
                DoubleVector hi = (DoubleVector) FloatVector.fromMemorySegment(FH, xs, (long) (i + h) << 2, NO)
                        .convertShape(VectorOperators.F2D, D, 0);
                s0 = lo.mul(lo).add(s0);
                s1 = hi.mul(hi).add(s1);
            }
            for (; i < n; i++) {
                double v = get(xs, i);
                tail += v * v;
            }
        }
        return sumLanes(s0.add(s1)) + tail;
    }

    /**
     * Max of |x| over the bit patterns as ints: for non-NaN floats |x| orders as its bits do,
     * and every NaN pattern lies above infinity's, so the result is NaN exactly when a NaN is
     * present (Math.max semantics) without the blends a NaN-aware float max costs.
     */
    @Override
    public float maxAbs(int n, MemorySegment x, long xo) {
        IntVector m0 = IntVector.zero(I), m1 = m0;
        float[] xa = array(x);
        int tail = 0;
        int i = 0;
        if (xa != null) {
            int xi = index(x, xo);
            for (int b = n - n % (2 * L); i < b; i += 2 * L) {
                m0 = m0.max(absBits(FloatVector.fromArray(F, xa, xi + i)));
                m1 = m1.max(absBits(FloatVector.fromArray(F, xa, xi + i + L)));
            }
            for (int b = n - n % L; i < b; i += L) {
                m0 = m0.max(absBits(FloatVector.fromArray(F, xa, xi + i)));
            }
            for (; i < n; i++) {
                tail = Math.max(tail, Float.floatToRawIntBits(xa[xi + i]) & ABS_MASK);
            }
        } else {
            MemorySegment xs = slice(x, xo, n);
            for (int b = n - n % (2 * L); i < b; i += 2 * L) {
                m0 = m0.max(absBits(load(xs, i)));
                m1 = m1.max(absBits(load(xs, i + L)));
            }
            for (int b = n - n % L; i < b; i += L) {
                m0 = m0.max(absBits(load(xs, i)));
            }
            for (; i < n; i++) {
                tail = Math.max(tail, Float.floatToRawIntBits(get(xs, i)) & ABS_MASK);
            }
        }
        IntVector lanes = m0.max(m1);
        int m = tail;
        for (int j = 0; j < L; j++) {
            m = Math.max(m, lanes.lane(j));
        }
        return m > INF_BITS ? Float.NaN : Float.intBitsToFloat(m);
    }

    private static IntVector absBits(FloatVector v) {
        return v.reinterpretAsInts().and(ABS_MASK);
    }

    /** Non-finite means |x|'s bits are at least infinity's; counted per lane with a masked add. */
    @Override
    public long countNonFinite(int n, MemorySegment x, long xo) {
        IntVector c = IntVector.zero(I), one = IntVector.broadcast(I, 1);
        float[] xa = array(x);
        long tail = 0;
        int i = 0;
        if (xa != null) {
            int xi = index(x, xo);
            for (int b = n - n % L; i < b; i += L) {
                c = c.add(one, absBits(FloatVector.fromArray(F, xa, xi + i)).compare(VectorOperators.GE, INF_BITS));
            }
            for (; i < n; i++) {
                tail += Float.isFinite(xa[xi + i]) ? 0 : 1;
            }
        } else {
            MemorySegment xs = slice(x, xo, n);
            for (int b = n - n % L; i < b; i += L) {
                c = c.add(one, absBits(load(xs, i)).compare(VectorOperators.GE, INF_BITS));
            }
            for (; i < n; i++) {
                tail += Float.isFinite(get(xs, i)) ? 0 : 1;
            }
        }
        long count = tail;
        for (int j = 0; j < L; j++) {
            count += c.lane(j);
        }
        return count;
    }
}
