package dev.vela.internal.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Plain loops over any segment: the float64 implementation that always exists. */
public final class ScalarDoubleOps implements DoubleOps {

    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void fill(int n, double value, MemorySegment x, long xo) {
        for (int i = 0; i < n; i++) {
            x.setAtIndex(D, xo + i, value);
        }
    }

    @Override
    public void scale(int n, double a, MemorySegment x, long xo) {
        for (int i = 0; i < n; i++) {
            x.setAtIndex(D, xo + i, a * x.getAtIndex(D, xo + i));
        }
    }

    @Override
    public void axpy(int n, double a, MemorySegment x, long xo, MemorySegment y, long yo) {
        for (int i = 0; i < n; i++) {
            y.setAtIndex(D, yo + i, a * x.getAtIndex(D, xo + i) + y.getAtIndex(D, yo + i));
        }
    }

    @Override
    public double dot(int n, MemorySegment x, long xo, MemorySegment y, long yo) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += x.getAtIndex(D, xo + i) * y.getAtIndex(D, yo + i);
        }
        return s;
    }

    @Override
    public double sum(int n, MemorySegment x, long xo) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += x.getAtIndex(D, xo + i);
        }
        return s;
    }

    @Override
    public double sumOfScaledSquares(int n, double scale, MemorySegment x, long xo) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            double v = scale * x.getAtIndex(D, xo + i);
            s += v * v;
        }
        return s;
    }

    @Override
    public double maxAbs(int n, MemorySegment x, long xo) {
        double m = 0;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, Math.abs(x.getAtIndex(D, xo + i)));
        }
        return m;
    }
}
