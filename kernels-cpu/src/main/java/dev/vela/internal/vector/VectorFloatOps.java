package dev.vela.internal.vector;

import dev.vela.internal.simd.FloatOps;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
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
    private static final int L = F.length();
    private static final boolean FMA = VectorShapes.FMA;
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    @Override
    public String name() {
        return "vector-" + F.vectorBitSize() + (FMA ? "-fma" : "");
    }

    // ---- helpers -------------------------------------------------------------------------

    /** The {@code float[]} behind a writable heap segment whose address is float-aligned, else null. */
    private static float[] array(MemorySegment s) {
        return (s.heapBase().orElse(null) instanceof float[] a && (s.address() & 3) == 0) ? a : null;
    }

    private static int index(MemorySegment s, long elementOffset) {
        return (int) ((s.address() >>> 2) + elementOffset);
    }

    private static FloatVector load(MemorySegment s, long elementIndex) {
        return FloatVector.fromMemorySegment(F, s, elementIndex << 2, NO);
    }

    private static void store(FloatVector v, MemorySegment s, long elementIndex) {
        v.intoMemorySegment(s, elementIndex << 2, NO);
    }

    private static float get(MemorySegment s, long i) {
        return s.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i);
    }

    private static void set(MemorySegment s, long i, float v) {
        s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i, v);
    }

    /** a * b + c, fused when the CPU fuses quickly (decided once at start-up). */
    private static FloatVector madd(FloatVector a, FloatVector b, FloatVector c) {
        return FMA ? a.fma(b, c) : a.mul(b).add(c);
    }

    private static float madd(float a, float b, float c) {
        return FMA ? Math.fma(a, b, c) : a * b + c;
    }

    /** Lanes summed left to right in double: the Vector API leaves reduceLanes' order open. */
    private static double sumLanes(FloatVector v) {
        float[] t = new float[L];
        v.intoArray(t, 0);
        double s = 0;
        for (float e : t) {
            s += e;
        }
        return s;
    }

    private static double sumLanes(DoubleVector v) {
        double[] t = new double[D.length()];
        v.intoArray(t, 0);
        double s = 0;
        for (double e : t) {
            s += e;
        }
        return s;
    }

    private static float maxLanes(FloatVector v) {
        float[] t = new float[L];
        v.intoArray(t, 0);
        float m = 0f;
        for (float e : t) {
            m = Math.max(m, e);
        }
        return m;
    }

    // ---- fill, scale -----------------------------------------------------------------------

    @Override
    public void fill(long n, float value, MemorySegment x, long xo) {
        float[] xa = array(x);
        if (xa != null) {
            int o = index(x, xo);
            java.util.Arrays.fill(xa, o, o + (int) n, value);
            return;
        }
        FloatVector v = FloatVector.broadcast(F, value);
        long i = 0;
        for (long b = n - n % L; i < b; i += L) {
            store(v, x, xo + i);
        }
        for (; i < n; i++) {
            set(x, xo + i, value);
        }
    }

    @Override
    public void scale(long n, float a, MemorySegment x, long xo) {
        FloatVector va = FloatVector.broadcast(F, a);
        float[] xa = array(x);
        if (xa != null) {
            int o = index(x, xo), m = (int) n, i = 0;
            for (int b = F.loopBound(m); i < b; i += L) {
                FloatVector.fromArray(F, xa, o + i).mul(va).intoArray(xa, o + i);
            }
            for (; i < m; i++) {
                xa[o + i] = a * xa[o + i];
            }
            return;
        }
        long i = 0;
        for (long b = n - n % L; i < b; i += L) {
            store(load(x, xo + i).mul(va), x, xo + i);
        }
        for (; i < n; i++) {
            set(x, xo + i, a * get(x, xo + i));
        }
    }

    // ---- axpy, axpby -------------------------------------------------------------------------

    @Override
    public void axpy(long n, float a, MemorySegment x, long xo, MemorySegment y, long yo) {
        FloatVector va = FloatVector.broadcast(F, a);
        float[] xa = array(x), ya = array(y);
        if (xa != null && ya != null) {
            int xi = index(x, xo), yi = index(y, yo), m = (int) n, i = 0;
            for (int b = F.loopBound(m); i < b; i += L) {
                madd(va, FloatVector.fromArray(F, xa, xi + i), FloatVector.fromArray(F, ya, yi + i))
                        .intoArray(ya, yi + i);
            }
            for (; i < m; i++) {
                ya[yi + i] = madd(a, xa[xi + i], ya[yi + i]);
            }
            return;
        }
        long i = 0;
        for (long b = n - n % L; i < b; i += L) {
            store(madd(va, load(x, xo + i), load(y, yo + i)), y, yo + i);
        }
        for (; i < n; i++) {
            set(y, yo + i, madd(a, get(x, xo + i), get(y, yo + i)));
        }
    }

    @Override
    public void axpby(long n, float a, MemorySegment x, long xo, float b, MemorySegment y, long yo) {
        FloatVector va = FloatVector.broadcast(F, a), vb = FloatVector.broadcast(F, b);
        float[] xa = array(x), ya = array(y);
        if (xa != null && ya != null) {
            int xi = index(x, xo), yi = index(y, yo), m = (int) n, i = 0;
            for (int bound = F.loopBound(m); i < bound; i += L) {
                madd(va, FloatVector.fromArray(F, xa, xi + i), FloatVector.fromArray(F, ya, yi + i).mul(vb))
                        .intoArray(ya, yi + i);
            }
            for (; i < m; i++) {
                ya[yi + i] = madd(a, xa[xi + i], b * ya[yi + i]);
            }
            return;
        }
        long i = 0;
        for (long bound = n - n % L; i < bound; i += L) {
            store(madd(va, load(x, xo + i), load(y, yo + i).mul(vb)), y, yo + i);
        }
        for (; i < n; i++) {
            set(y, yo + i, madd(a, get(x, xo + i), b * get(y, yo + i)));
        }
    }

    // ---- binary elementwise ------------------------------------------------------------------
    // One loop per operator on purpose: a lanewise(op, ...) with a non-constant op is not
    // intrinsified reliably (an OSR compile of a shared loop would see op as a variable).

    @Override
    public void add(long n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo) {
        float[] xa = array(x), ya = array(y), oa = array(out);
        if (xa != null && ya != null && oa != null) {
            int xi = index(x, xo), yi = index(y, yo), oi = index(out, oo), m = (int) n, i = 0;
            for (int b = F.loopBound(m); i < b; i += L) {
                FloatVector.fromArray(F, xa, xi + i).add(FloatVector.fromArray(F, ya, yi + i)).intoArray(oa, oi + i);
            }
            for (; i < m; i++) {
                oa[oi + i] = xa[xi + i] + ya[yi + i];
            }
            return;
        }
        long i = 0;
        for (long b = n - n % L; i < b; i += L) {
            store(load(x, xo + i).add(load(y, yo + i)), out, oo + i);
        }
        for (; i < n; i++) {
            set(out, oo + i, get(x, xo + i) + get(y, yo + i));
        }
    }

    @Override
    public void sub(long n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo) {
        float[] xa = array(x), ya = array(y), oa = array(out);
        if (xa != null && ya != null && oa != null) {
            int xi = index(x, xo), yi = index(y, yo), oi = index(out, oo), m = (int) n, i = 0;
            for (int b = F.loopBound(m); i < b; i += L) {
                FloatVector.fromArray(F, xa, xi + i).sub(FloatVector.fromArray(F, ya, yi + i)).intoArray(oa, oi + i);
            }
            for (; i < m; i++) {
                oa[oi + i] = xa[xi + i] - ya[yi + i];
            }
            return;
        }
        long i = 0;
        for (long b = n - n % L; i < b; i += L) {
            store(load(x, xo + i).sub(load(y, yo + i)), out, oo + i);
        }
        for (; i < n; i++) {
            set(out, oo + i, get(x, xo + i) - get(y, yo + i));
        }
    }

    @Override
    public void mul(long n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo) {
        float[] xa = array(x), ya = array(y), oa = array(out);
        if (xa != null && ya != null && oa != null) {
            int xi = index(x, xo), yi = index(y, yo), oi = index(out, oo), m = (int) n, i = 0;
            for (int b = F.loopBound(m); i < b; i += L) {
                FloatVector.fromArray(F, xa, xi + i).mul(FloatVector.fromArray(F, ya, yi + i)).intoArray(oa, oi + i);
            }
            for (; i < m; i++) {
                oa[oi + i] = xa[xi + i] * ya[yi + i];
            }
            return;
        }
        long i = 0;
        for (long b = n - n % L; i < b; i += L) {
            store(load(x, xo + i).mul(load(y, yo + i)), out, oo + i);
        }
        for (; i < n; i++) {
            set(out, oo + i, get(x, xo + i) * get(y, yo + i));
        }
    }

    @Override
    public void div(long n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo) {
        float[] xa = array(x), ya = array(y), oa = array(out);
        if (xa != null && ya != null && oa != null) {
            int xi = index(x, xo), yi = index(y, yo), oi = index(out, oo), m = (int) n, i = 0;
            for (int b = F.loopBound(m); i < b; i += L) {
                FloatVector.fromArray(F, xa, xi + i).div(FloatVector.fromArray(F, ya, yi + i)).intoArray(oa, oi + i);
            }
            for (; i < m; i++) {
                oa[oi + i] = xa[xi + i] / ya[yi + i];
            }
            return;
        }
        long i = 0;
        for (long b = n - n % L; i < b; i += L) {
            store(load(x, xo + i).div(load(y, yo + i)), out, oo + i);
        }
        for (; i < n; i++) {
            set(out, oo + i, get(x, xo + i) / get(y, yo + i));
        }
    }

    @Override
    public void fma(long n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment z, long zo,
                    MemorySegment out, long oo) {
        // Always fused here: this kernel promises a single rounding, whatever the CPU.
        float[] xa = array(x), ya = array(y), za = array(z), oa = array(out);
        if (xa != null && ya != null && za != null && oa != null) {
            int xi = index(x, xo), yi = index(y, yo), zi = index(z, zo), oi = index(out, oo), m = (int) n, i = 0;
            for (int b = F.loopBound(m); i < b; i += L) {
                FloatVector.fromArray(F, xa, xi + i)
                        .fma(FloatVector.fromArray(F, ya, yi + i), FloatVector.fromArray(F, za, zi + i))
                        .intoArray(oa, oi + i);
            }
            for (; i < m; i++) {
                oa[oi + i] = Math.fma(xa[xi + i], ya[yi + i], za[zi + i]);
            }
            return;
        }
        long i = 0;
        for (long b = n - n % L; i < b; i += L) {
            store(load(x, xo + i).fma(load(y, yo + i), load(z, zo + i)), out, oo + i);
        }
        for (; i < n; i++) {
            set(out, oo + i, Math.fma(get(x, xo + i), get(y, yo + i), get(z, zo + i)));
        }
    }

    // ---- unary elementwise -------------------------------------------------------------------

    @Override
    public void sqrt(long n, MemorySegment x, long xo, MemorySegment out, long oo) {
        float[] xa = array(x), oa = array(out);
        if (xa != null && oa != null) {
            int xi = index(x, xo), oi = index(out, oo), m = (int) n, i = 0;
            for (int b = F.loopBound(m); i < b; i += L) {
                FloatVector.fromArray(F, xa, xi + i).sqrt().intoArray(oa, oi + i);
            }
            for (; i < m; i++) {
                oa[oi + i] = (float) Math.sqrt(xa[xi + i]);
            }
            return;
        }
        long i = 0;
        for (long b = n - n % L; i < b; i += L) {
            store(load(x, xo + i).sqrt(), out, oo + i);
        }
        for (; i < n; i++) {
            set(out, oo + i, (float) Math.sqrt(get(x, xo + i)));
        }
    }

    @Override
    public void clamp(long n, float lo, float hi, MemorySegment x, long xo, MemorySegment out, long oo) {
        FloatVector vlo = FloatVector.broadcast(F, lo), vhi = FloatVector.broadcast(F, hi);
        float[] xa = array(x), oa = array(out);
        if (xa != null && oa != null) {
            int xi = index(x, xo), oi = index(out, oo), m = (int) n, i = 0;
            for (int b = F.loopBound(m); i < b; i += L) {
                FloatVector.fromArray(F, xa, xi + i).max(vlo).min(vhi).intoArray(oa, oi + i);
            }
            for (; i < m; i++) {
                oa[oi + i] = Math.min(Math.max(xa[xi + i], lo), hi);
            }
            return;
        }
        long i = 0;
        for (long b = n - n % L; i < b; i += L) {
            store(load(x, xo + i).max(vlo).min(vhi), out, oo + i);
        }
        for (; i < n; i++) {
            set(out, oo + i, Math.min(Math.max(get(x, xo + i), lo), hi));
        }
    }

    // ---- reductions --------------------------------------------------------------------------

    @Override
    public double dot(long n, MemorySegment x, long xo, MemorySegment y, long yo) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        float[] xa = array(x), ya = array(y);
        double tail = 0;
        if (xa != null && ya != null) {
            int xi = index(x, xo), yi = index(y, yo), m = (int) n, i = 0;
            for (int b = m - m % (4 * L); i < b; i += 4 * L) {
                s0 = madd(FloatVector.fromArray(F, xa, xi + i), FloatVector.fromArray(F, ya, yi + i), s0);
                s1 = madd(FloatVector.fromArray(F, xa, xi + i + L), FloatVector.fromArray(F, ya, yi + i + L), s1);
                s2 = madd(FloatVector.fromArray(F, xa, xi + i + 2 * L), FloatVector.fromArray(F, ya, yi + i + 2 * L), s2);
                s3 = madd(FloatVector.fromArray(F, xa, xi + i + 3 * L), FloatVector.fromArray(F, ya, yi + i + 3 * L), s3);
            }
            for (int b = F.loopBound(m); i < b; i += L) {
                s0 = madd(FloatVector.fromArray(F, xa, xi + i), FloatVector.fromArray(F, ya, yi + i), s0);
            }
            for (; i < m; i++) {
                tail += (double) xa[xi + i] * ya[yi + i];
            }
        } else {
            long i = 0;
            for (long b = n - n % (4 * L); i < b; i += 4 * L) {
                s0 = madd(load(x, xo + i), load(y, yo + i), s0);
                s1 = madd(load(x, xo + i + L), load(y, yo + i + L), s1);
                s2 = madd(load(x, xo + i + 2 * L), load(y, yo + i + 2 * L), s2);
                s3 = madd(load(x, xo + i + 3 * L), load(y, yo + i + 3 * L), s3);
            }
            for (long b = n - n % L; i < b; i += L) {
                s0 = madd(load(x, xo + i), load(y, yo + i), s0);
            }
            for (; i < n; i++) {
                tail += (double) get(x, xo + i) * get(y, yo + i);
            }
        }
        return sumLanes(s0.add(s1).add(s2.add(s3))) + tail;
    }

    @Override
    public double sum(long n, MemorySegment x, long xo) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        float[] xa = array(x);
        double tail = 0;
        if (xa != null) {
            int xi = index(x, xo), m = (int) n, i = 0;
            for (int b = m - m % (4 * L); i < b; i += 4 * L) {
                s0 = s0.add(FloatVector.fromArray(F, xa, xi + i));
                s1 = s1.add(FloatVector.fromArray(F, xa, xi + i + L));
                s2 = s2.add(FloatVector.fromArray(F, xa, xi + i + 2 * L));
                s3 = s3.add(FloatVector.fromArray(F, xa, xi + i + 3 * L));
            }
            for (int b = F.loopBound(m); i < b; i += L) {
                s0 = s0.add(FloatVector.fromArray(F, xa, xi + i));
            }
            for (; i < m; i++) {
                tail += xa[xi + i];
            }
        } else {
            long i = 0;
            for (long b = n - n % (4 * L); i < b; i += 4 * L) {
                s0 = s0.add(load(x, xo + i));
                s1 = s1.add(load(x, xo + i + L));
                s2 = s2.add(load(x, xo + i + 2 * L));
                s3 = s3.add(load(x, xo + i + 3 * L));
            }
            for (long b = n - n % L; i < b; i += L) {
                s0 = s0.add(load(x, xo + i));
            }
            for (; i < n; i++) {
                tail += get(x, xo + i);
            }
        }
        return sumLanes(s0.add(s1).add(s2.add(s3))) + tail;
    }

    @Override
    public double sumOfSquares(long n, MemorySegment x, long xo) {
        // Squares of floats are exact in double and cannot over- or underflow there, so neither
        // a scaling pass nor FMA is needed.
        DoubleVector s0 = DoubleVector.zero(D), s1 = s0;
        float[] xa = array(x);
        double tail = 0;
        if (xa != null) {
            int xi = index(x, xo), m = (int) n, i = 0;
            for (int b = F.loopBound(m); i < b; i += L) {
                FloatVector v = FloatVector.fromArray(F, xa, xi + i);
                DoubleVector lo = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
                DoubleVector hi = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 1);
                s0 = lo.mul(lo).add(s0);
                s1 = hi.mul(hi).add(s1);
            }
            for (; i < m; i++) {
                double v = xa[xi + i];
                tail += v * v;
            }
        } else {
            long i = 0;
            for (long b = n - n % L; i < b; i += L) {
                FloatVector v = load(x, xo + i);
                DoubleVector lo = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
                DoubleVector hi = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 1);
                s0 = lo.mul(lo).add(s0);
                s1 = hi.mul(hi).add(s1);
            }
            for (; i < n; i++) {
                double v = get(x, xo + i);
                tail += v * v;
            }
        }
        return sumLanes(s0.add(s1)) + tail;
    }

    @Override
    public float maxAbs(long n, MemorySegment x, long xo) {
        FloatVector m0 = FloatVector.zero(F), m1 = m0;
        float[] xa = array(x);
        float tail = 0f;
        if (xa != null) {
            int xi = index(x, xo), m = (int) n, i = 0;
            for (int b = m - m % (2 * L); i < b; i += 2 * L) {
                m0 = m0.max(FloatVector.fromArray(F, xa, xi + i).abs());
                m1 = m1.max(FloatVector.fromArray(F, xa, xi + i + L).abs());
            }
            for (int b = F.loopBound(m); i < b; i += L) {
                m0 = m0.max(FloatVector.fromArray(F, xa, xi + i).abs());
            }
            for (; i < m; i++) {
                tail = Math.max(tail, Math.abs(xa[xi + i]));
            }
        } else {
            long i = 0;
            for (long b = n - n % (2 * L); i < b; i += 2 * L) {
                m0 = m0.max(load(x, xo + i).abs());
                m1 = m1.max(load(x, xo + i + L).abs());
            }
            for (long b = n - n % L; i < b; i += L) {
                m0 = m0.max(load(x, xo + i).abs());
            }
            for (; i < n; i++) {
                tail = Math.max(tail, Math.abs(get(x, xo + i)));
            }
        }
        return Math.max(maxLanes(m0.max(m1)), tail);
    }

    @Override
    public long countNonFinite(long n, MemorySegment x, long xo) {
        float[] xa = array(x);
        long c = 0;
        if (xa != null) {
            int xi = index(x, xo), m = (int) n, i = 0;
            for (int b = F.loopBound(m); i < b; i += L) {
                c += FloatVector.fromArray(F, xa, xi + i).test(VectorOperators.IS_FINITE).not().trueCount();
            }
            for (; i < m; i++) {
                c += Float.isFinite(xa[xi + i]) ? 0 : 1;
            }
        } else {
            long i = 0;
            for (long b = n - n % L; i < b; i += L) {
                c += load(x, xo + i).test(VectorOperators.IS_FINITE).not().trueCount();
            }
            for (; i < n; i++) {
                c += Float.isFinite(get(x, xo + i)) ? 0 : 1;
            }
        }
        return c;
    }
}
