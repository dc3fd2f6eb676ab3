package dev.vela.internal.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Plain loops, no incubator classes: the implementation that always exists. It reads through
 * unaligned float accesses so that any segment works (heap arrays, off-heap, mapped files);
 * C2 auto-vectorises the simpler loops. Arithmetic is plain IEEE float (no fused
 * multiply-add except in {@link #fma}); sums and dot products accumulate in double.
 */
public final class ScalarFloatOps implements FloatOps {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void fill(int n, float value, MemorySegment x, long xo) {
        for (int i = 0; i < n; i++) {
            x.setAtIndex(F, xo + i, value);
        }
    }

    @Override
    public void scale(int n, float a, MemorySegment x, long xo) {
        for (int i = 0; i < n; i++) {
            x.setAtIndex(F, xo + i, a * x.getAtIndex(F, xo + i));
        }
    }

    @Override
    public void axpy(int n, float a, MemorySegment x, long xo, MemorySegment y, long yo) {
        for (int i = 0; i < n; i++) {
            y.setAtIndex(F, yo + i, a * x.getAtIndex(F, xo + i) + y.getAtIndex(F, yo + i));
        }
    }

    @Override
    public void axpby(int n, float a, MemorySegment x, long xo, float b, MemorySegment y, long yo) {
        for (int i = 0; i < n; i++) {
            y.setAtIndex(F, yo + i, a * x.getAtIndex(F, xo + i) + b * y.getAtIndex(F, yo + i));
        }
    }

    @Override
    public void add(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo) {
        for (int i = 0; i < n; i++) {
            out.setAtIndex(F, oo + i, x.getAtIndex(F, xo + i) + y.getAtIndex(F, yo + i));
        }
    }

    @Override
    public void sub(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo) {
        for (int i = 0; i < n; i++) {
            out.setAtIndex(F, oo + i, x.getAtIndex(F, xo + i) - y.getAtIndex(F, yo + i));
        }
    }

    @Override
    public void mul(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo) {
        for (int i = 0; i < n; i++) {
            out.setAtIndex(F, oo + i, x.getAtIndex(F, xo + i) * y.getAtIndex(F, yo + i));
        }
    }

    @Override
    public void div(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment out, long oo) {
        for (int i = 0; i < n; i++) {
            out.setAtIndex(F, oo + i, x.getAtIndex(F, xo + i) / y.getAtIndex(F, yo + i));
        }
    }

    @Override
    public void fma(int n, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment z, long zo,
                    MemorySegment out, long oo) {
        for (int i = 0; i < n; i++) {
            out.setAtIndex(F, oo + i,
                    Math.fma(x.getAtIndex(F, xo + i), y.getAtIndex(F, yo + i), z.getAtIndex(F, zo + i)));
        }
    }

    @Override
    public void sqrt(int n, MemorySegment x, long xo, MemorySegment out, long oo) {
        for (int i = 0; i < n; i++) {
            out.setAtIndex(F, oo + i, (float) Math.sqrt(x.getAtIndex(F, xo + i)));
        }
    }

    @Override
    public void clamp(int n, float lo, float hi, MemorySegment x, long xo, MemorySegment out, long oo) {
        for (int i = 0; i < n; i++) {
            out.setAtIndex(F, oo + i, Math.min(Math.max(x.getAtIndex(F, xo + i), lo), hi));
        }
    }

    @Override
    public double dot(int n, MemorySegment x, long xo, MemorySegment y, long yo) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) x.getAtIndex(F, xo + i) * y.getAtIndex(F, yo + i);
        }
        return s;
    }

    @Override
    public double sum(int n, MemorySegment x, long xo) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += x.getAtIndex(F, xo + i);
        }
        return s;
    }

    @Override
    public double sumOfSquares(int n, MemorySegment x, long xo) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            double v = x.getAtIndex(F, xo + i);
            s += v * v;
        }
        return s;
    }

    @Override
    public float maxAbs(int n, MemorySegment x, long xo) {
        float m = 0f;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, Math.abs(x.getAtIndex(F, xo + i)));
        }
        return m;
    }

    @Override
    public long countNonFinite(int n, MemorySegment x, long xo) {
        long c = 0;
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(x.getAtIndex(F, xo + i))) {
                c++;
            }
        }
        return c;
    }
}
