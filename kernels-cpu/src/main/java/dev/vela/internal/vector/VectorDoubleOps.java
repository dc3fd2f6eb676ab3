package dev.vela.internal.vector;

import dev.vela.internal.simd.DoubleOps;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API implementation of {@link DoubleOps}, built like {@link VectorFloatOps}: array loops
 * for heap segments over {@code double[]}, int-indexed slice loops otherwise, tails with the
 * same arithmetic as the body, four accumulators for sums, lanes summed in a fixed order.
 */
public final class VectorDoubleOps implements DoubleOps {

    private static final VectorSpecies<Double> D = VectorShapes.DOUBLE;
    private static final VectorSpecies<Long> LS = VectorShapes.LONG;
    private static final int L = D.length();
    private static final boolean FMA = VectorShapes.FMA;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final long ABS_MASK = 0x7fff_ffff_ffff_ffffL;
    private static final long INF_BITS = 0x7ff0_0000_0000_0000L;

    @Override
    public String name() {
        return "vector-" + D.vectorBitSize() + (FMA ? "-fma" : "");
    }

    private static double[] array(MemorySegment s) {
        return (s.heapBase().orElse(null) instanceof double[] a && (s.address() & 7) == 0) ? a : null;
    }

    private static int index(MemorySegment s, long elementOffset) {
        return (int) ((s.address() >>> 3) + elementOffset);
    }

    private static MemorySegment slice(MemorySegment s, long o, int n) {
        return s.asSlice(o << 3, (long) n << 3);
    }

    private static DoubleVector load(MemorySegment s, int i) {
        return DoubleVector.fromMemorySegment(D, s, (long) i << 3, NO);
    }

    private static double get(MemorySegment s, int i) {
        return s.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i);
    }

    private static void set(MemorySegment s, int i, double v) {
        s.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i, v);
    }

    private static DoubleVector madd(DoubleVector a, DoubleVector b, DoubleVector c) {
        return FMA ? a.fma(b, c) : a.mul(b).add(c);
    }

    private static double madd(double a, double b, double c) {
        return FMA ? Math.fma(a, b, c) : a * b + c;
    }

    /** Lanes summed left to right (see VectorFloatOps.sumLanes). */
    private static double sumLanes(DoubleVector v) {
        double s = 0;
        for (int j = 0; j < L; j++) {
            s += v.lane(j);
        }
        return s;
    }

    @Override
    public void fill(int n, double value, MemorySegment x, long xo) {
        double[] xa = array(x);
        if (xa != null) {
            int o = index(x, xo);
            java.util.Arrays.fill(xa, o, o + n, value);
            return;
        }
        MemorySegment xs = slice(x, xo, n);
        DoubleVector v = DoubleVector.broadcast(D, value);
        int i = 0;
        for (int b = n - n % L; i < b; i += L) {
            v.intoMemorySegment(xs, (long) i << 3, NO);
        }
        for (; i < n; i++) {
            set(xs, i, value);
        }
    }

    @Override
    public void scale(int n, double a, MemorySegment x, long xo) {
        DoubleVector va = DoubleVector.broadcast(D, a);
        double[] xa = array(x);
        int i = 0;
        if (xa != null) {
            int o = index(x, xo);
            for (int b = n - n % L; i < b; i += L) {
                DoubleVector.fromArray(D, xa, o + i).mul(va).intoArray(xa, o + i);
            }
            for (; i < n; i++) {
                xa[o + i] = a * xa[o + i];
            }
            return;
        }
        MemorySegment xs = slice(x, xo, n);
        for (int b = n - n % L; i < b; i += L) {
            load(xs, i).mul(va).intoMemorySegment(xs, (long) i << 3, NO);
        }
        for (; i < n; i++) {
            set(xs, i, a * get(xs, i));
        }
    }

    @Override
    public void axpy(int n, double a, MemorySegment x, long xo, MemorySegment y, long yo) {
        DoubleVector va = DoubleVector.broadcast(D, a);
        double[] xa = array(x), ya = array(y);
        int i = 0;
        if (xa != null && ya != null) {
            int xi = index(x, xo), yi = index(y, yo);
            for (int b = n - n % L; i < b; i += L) {
                madd(va, DoubleVector.fromArray(D, xa, xi + i), DoubleVector.fromArray(D, ya, yi + i))
                        .intoArray(ya, yi + i);
            }
            for (; i < n; i++) {
                ya[yi + i] = madd(a, xa[xi + i], ya[yi + i]);
            }
            return;
        }
        MemorySegment xs = slice(x, xo, n), ys = slice(y, yo, n);
        for (int b = n - n % L; i < b; i += L) {
            madd(va, load(xs, i), load(ys, i)).intoMemorySegment(ys, (long) i << 3, NO);
        }
        for (; i < n; i++) {
            set(ys, i, madd(a, get(xs, i), get(ys, i)));
        }
    }

    @Override
    public double dot(int n, MemorySegment x, long xo, MemorySegment y, long yo) {
        DoubleVector s0 = DoubleVector.zero(D), s1 = s0, s2 = s0, s3 = s0;
        double[] xa = array(x), ya = array(y);
        double tail = 0;
        int i = 0;
        if (xa != null && ya != null) {
            int xi = index(x, xo), yi = index(y, yo);
            for (int b = n - n % (4 * L); i < b; i += 4 * L) {
                s0 = madd(DoubleVector.fromArray(D, xa, xi + i), DoubleVector.fromArray(D, ya, yi + i), s0);
                s1 = madd(DoubleVector.fromArray(D, xa, xi + i + L), DoubleVector.fromArray(D, ya, yi + i + L), s1);
                s2 = madd(DoubleVector.fromArray(D, xa, xi + i + 2 * L), DoubleVector.fromArray(D, ya, yi + i + 2 * L), s2);
                s3 = madd(DoubleVector.fromArray(D, xa, xi + i + 3 * L), DoubleVector.fromArray(D, ya, yi + i + 3 * L), s3);
            }
            for (; i < n; i++) {
                tail = madd(xa[xi + i], ya[yi + i], tail);
            }
        } else {
            MemorySegment xs = slice(x, xo, n), ys = slice(y, yo, n);
            for (int b = n - n % (4 * L); i < b; i += 4 * L) {
                s0 = madd(load(xs, i), load(ys, i), s0);
                s1 = madd(load(xs, i + L), load(ys, i + L), s1);
                s2 = madd(load(xs, i + 2 * L), load(ys, i + 2 * L), s2);
                s3 = madd(load(xs, i + 3 * L), load(ys, i + 3 * L), s3);
            }
            for (; i < n; i++) {
                tail = madd(get(xs, i), get(ys, i), tail);
            }
        }
        return sumLanes(s0.add(s1).add(s2.add(s3))) + tail;
    }

    @Override
    public double sum(int n, MemorySegment x, long xo) {
        DoubleVector s0 = DoubleVector.zero(D), s1 = s0, s2 = s0, s3 = s0;
        double[] xa = array(x);
        double tail = 0;
        int i = 0;
        if (xa != null) {
            int xi = index(x, xo);
            for (int b = n - n % (4 * L); i < b; i += 4 * L) {
                s0 = s0.add(DoubleVector.fromArray(D, xa, xi + i));
                s1 = s1.add(DoubleVector.fromArray(D, xa, xi + i + L));
                s2 = s2.add(DoubleVector.fromArray(D, xa, xi + i + 2 * L));
                s3 = s3.add(DoubleVector.fromArray(D, xa, xi + i + 3 * L));
            }
            for (; i < n; i++) {
                tail += xa[xi + i];
            }
        } else {
            MemorySegment xs = slice(x, xo, n);
            for (int b = n - n % (4 * L); i < b; i += 4 * L) {
                s0 = s0.add(load(xs, i));
                s1 = s1.add(load(xs, i + L));
                s2 = s2.add(load(xs, i + 2 * L));
                s3 = s3.add(load(xs, i + 3 * L));
            }
            for (; i < n; i++) {
                tail += get(xs, i);
            }
        }
        return sumLanes(s0.add(s1).add(s2.add(s3))) + tail;
    }

    @Override
    public double sumOfScaledSquares(int n, double scale, MemorySegment x, long xo) {
        // Scaling by a power of two is exact, so scale * x rounds nothing; the squares then
        // accumulate with FMA where available (one rounding per element).
        DoubleVector vs = DoubleVector.broadcast(D, scale);
        DoubleVector s0 = DoubleVector.zero(D), s1 = s0;
        double[] xa = array(x);
        double tail = 0;
        int i = 0;
        if (xa != null) {
            int xi = index(x, xo);
            for (int b = n - n % (2 * L); i < b; i += 2 * L) {
                DoubleVector v0 = DoubleVector.fromArray(D, xa, xi + i).mul(vs);
                DoubleVector v1 = DoubleVector.fromArray(D, xa, xi + i + L).mul(vs);
                s0 = madd(v0, v0, s0);
                s1 = madd(v1, v1, s1);
            }
            for (; i < n; i++) {
                double v = scale * xa[xi + i];
                tail = madd(v, v, tail);
            }
        } else {
            MemorySegment xs = slice(x, xo, n);
            for (int b = n - n % (2 * L); i < b; i += 2 * L) {
                DoubleVector v0 = load(xs, i).mul(vs);
                DoubleVector v1 = load(xs, i + L).mul(vs);
                s0 = madd(v0, v0, s0);
                s1 = madd(v1, v1, s1);
            }
            for (; i < n; i++) {
                double v = scale * get(xs, i);
                tail = madd(v, v, tail);
            }
        }
        return sumLanes(s0.add(s1)) + tail;
    }

    /** Max over |x|'s bit patterns as longs: NaN patterns rank above infinity (see VectorFloatOps). */
    @Override
    public double maxAbs(int n, MemorySegment x, long xo) {
        LongVector m0 = LongVector.zero(LS), m1 = m0;
        double[] xa = array(x);
        long tail = 0;
        int i = 0;
        if (xa != null) {
            int xi = index(x, xo);
            for (int b = n - n % (2 * L); i < b; i += 2 * L) {
                m0 = m0.max(absBits(DoubleVector.fromArray(D, xa, xi + i)));
                m1 = m1.max(absBits(DoubleVector.fromArray(D, xa, xi + i + L)));
            }
            for (; i < n; i++) {
                tail = Math.max(tail, Double.doubleToRawLongBits(xa[xi + i]) & ABS_MASK);
            }
        } else {
            MemorySegment xs = slice(x, xo, n);
            for (int b = n - n % (2 * L); i < b; i += 2 * L) {
                m0 = m0.max(absBits(load(xs, i)));
                m1 = m1.max(absBits(load(xs, i + L)));
            }
            for (; i < n; i++) {
                tail = Math.max(tail, Double.doubleToRawLongBits(get(xs, i)) & ABS_MASK);
            }
        }
        LongVector lanes = m0.max(m1);
        long m = tail;
        for (int j = 0; j < L; j++) {
            m = Math.max(m, lanes.lane(j));
        }
        return m > INF_BITS ? Double.NaN : Double.longBitsToDouble(m);
    }

    private static LongVector absBits(DoubleVector v) {
        return v.reinterpretAsLongs().and(ABS_MASK);
    }
}
