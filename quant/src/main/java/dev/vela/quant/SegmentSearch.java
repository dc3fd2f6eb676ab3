package dev.vela.quant;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The nearest-code search of the SIMD quantizer, as arithmetic instead of table reads: a map's
 * thresholds are cut into segments within which they are evenly spaced (a decade of the dynamic
 * map, say), so that the index of a normalised x is
 *
 * <pre>
 *   x = min(max(x, lowest value), highest value)
 *   s = the number of segment breakpoints below x     (exact float compares)
 *   v = fma(x, slope[s], offset[s])                    (x's index, scaled by 2^16)
 *   index = (int) v &gt;&gt;&gt; 16
 * </pre>
 *
 * <p>Why it gives exactly the codes of {@link QuantMap#nearestIndex}: v is monotone in x (the
 * slope is not negative and a fused multiply-add rounds once), and for every threshold t inside
 * a segment the construction checks that v(t) lies within {@link #MARGIN} (2^-12 of an index
 * step) of its ideal position (its index + 1, scaled). An x whose v is at least that far from
 * every such position is therefore on the same side of each threshold as its v says; an x
 * nearer than that is <em>flagged</em> and searched exactly by the table method instead. The
 * construction also checks that v stays inside the segment's index range at both ends, or
 * within the margin of it. Inputs are first clamped to [lowest value, highest value], which
 * changes no index and puts the outer ends at code values, far from any margin (an absmax
 * element, x = -1, sat exactly where the signed map's line puts an index boundary).
 * About 2^-11 of uniformly spread inputs are flagged.
 *
 * <p>Only 8-bit maps whose codes are their sorted indices and that split into at most
 * {@link #MAX_SEGMENTS} segments get a search ({@link #of} returns null otherwise). A segment
 * is a run of evenly spaced thresholds, or a bridge of one threshold where the spacing changes
 * (a decade's first value lies more than half its step above the previous decade's last, so the
 * decade's line, extended, would leave its index range): the dynamic maps take 23 (signed) and
 * 14 (unsigned) segments, the linear ones 2.
 */
final class SegmentSearch {

    /** Fraction bits of the scaled index v. */
    static final int FRACTION_BITS = 16;
    static final float SCALE = 0x1p16f;
    /** How near (in 2^-16 index steps) v may come to a threshold's position before x is flagged. */
    static final int MARGIN = 4;
    /** Segments a search may have: its breakpoints and per-segment constants fit 32-entry tables. */
    static final int MAX_SEGMENTS = 32;

    /** Sortable keys ({@link #key}) of the breakpoint thresholds, then Integer.MAX_VALUE up to 32 entries. */
    final int[] breakKeys;
    /** Per segment, scaled by 2^16; 32 entries (unused ones 0). */
    final float[] slope;
    final float[] offset;
    /** The first index whose value is positive and the last whose value is negative (for the sign fix). */
    final int positiveFrom;
    final int negativeTo;
    final int segments;
    /** The smallest and largest values: inputs are clamped to them first (their indices are the ends'). */
    final float low;
    final float high;

    private SegmentSearch(int[] breakKeys, float[] slope, float[] offset, int segments, int positiveFrom,
                          int negativeTo, float low, float high) {
        this.low = low;
        this.high = high;
        this.breakKeys = breakKeys;
        this.slope = slope;
        this.offset = offset;
        this.segments = segments;
        this.positiveFrom = positiveFrom;
        this.negativeTo = negativeTo;
    }

    /**
     * The float's bits made monotone as a signed int: x < y exactly when key(x) < key(y) (with
     * -0 just below +0, which no threshold separates).
     */
    static int key(float x) {
        int b = Float.floatToRawIntBits(x);
        return b ^ (b >> 31 & 0x7FFFFFFF);
    }

    /** The search for an 8-bit map with sorted codes, or null where the map does not allow one. */
    static SegmentSearch of(float[] values, float[] thresholds, boolean identityCodes) {
        if (values.length != 256 || !identityCodes) {
            return null;
        }
        int m = thresholds.length;
        List<float[]> fits = new ArrayList<>();
        List<Integer> keys = new ArrayList<>();
        float lowest = values[0], highest = values[values.length - 1];
        if (thresholds[0] > 0) {
            // every input <= 0 takes index 0 (an unsigned map): a segment of their own, so that
            // the first threshold's segment starts at 0 rather than at -1, where its slope would
            // have to be so small that every tiny input came within the margin
            fits.add(new float[] {0f, 0.5f * SCALE});
            keys.add(key(0f));
            lowest = Float.MIN_VALUE;
        }
        // greedy: each segment runs from the threshold after the last breakpoint as far as its
        // thresholds stay evenly spaced
        int beta = -1;
        while (beta < m) {
            int end = beta + 1;
            float[] best = fit(thresholds, beta, end, lowest, highest);
            while (end < m) {
                float[] f = fit(thresholds, beta, end + 1, lowest, highest);
                if (f == null) {
                    break;
                }
                end++;
                best = f;
            }
            if (best == null) {
                return null;
            }
            fits.add(best);
            if (end < m) {
                keys.add(key(thresholds[end]));
                lowest = Math.nextUp(thresholds[end]);
            }
            beta = end;
        }
        if (fits.size() > MAX_SEGMENTS) {
            return null;
        }
        int[] breakKeys = new int[MAX_SEGMENTS];
        Arrays.fill(breakKeys, Integer.MAX_VALUE);
        for (int j = 0; j < keys.size(); j++) {
            breakKeys[j] = keys.get(j);
        }
        float[] slope = new float[MAX_SEGMENTS], offset = new float[MAX_SEGMENTS];
        for (int s = 0; s < fits.size(); s++) {
            slope[s] = fits.get(s)[0];
            offset[s] = fits.get(s)[1];
        }
        int positiveFrom = values.length, negativeTo = -1;
        for (int k = values.length - 1; k >= 0; k--) {
            if (values[k] > 0) {
                positiveFrom = k;
            }
        }
        for (int k = 0; k < values.length; k++) {
            if (values[k] < 0) {
                negativeTo = k;
            }
        }
        return new SegmentSearch(breakKeys, slope, offset, fits.size(), positiveFrom, negativeTo, values[0],
                values[values.length - 1]);
    }

    /**
     * Slope and offset for the segment between breakpoints {@code beta} and {@code end}
     * (threshold indices; m stands for +Inf), whose inputs lie in [lowest, t[end]] ([lowest, top]
     * for the last): its interior thresholds
     * {@code beta + 1 .. end - 1} must land within the margin of their positions, and v at the
     * segment's ends must stay in its index range [beta + 1, end] or within the margin of it
     * (inputs there are flagged). Null where they do not.
     */
    private static float[] fit(float[] t, int beta, int end, float lowest, float top) {
        int m = t.length;
        int interior = end - beta - 1;
        float slope, offset;
        if (interior == 0) {
            slope = 0f;
            offset = (beta + 1.5f) * SCALE;
        } else {
            double first = t[beta + 1], last = t[beta + interior];
            if (Double.isInfinite(first) || Double.isInfinite(last)) {
                return null;
            }
            double c;
            if (interior == 1) {
                // one threshold: any slope that keeps the ends in range; the neighbours' spread
                double lo = lowest, hi = end < m ? t[end] : top;
                c = 1 / Math.max(hi - lo, 1e-30);
            } else {
                if (!(last > first)) {
                    return null;
                }
                c = (interior - 1) / (last - first);
            }
            double d = (beta + 2) - c * first;
            slope = (float) (c * SCALE);
            offset = (float) (d * SCALE);
            if (!Float.isFinite(slope) || !Float.isFinite(offset)) {
                return null;
            }
            for (int i = 1; i <= interior; i++) {
                double v = Math.fma(t[beta + i], slope, offset);
                if (!(Math.abs(v - (double) (beta + 1 + i) * SCALE) < MARGIN)) {
                    return null;
                }
            }
        }
        // the ends: every x of the segment must give an index in [beta + 1, end]
        float highest = end < m ? t[end] : top;
        if (lowest > highest) {
            return new float[] {slope, offset}; // an empty segment (equal breakpoints)
        }
        float vLow = Math.fma(lowest, slope, offset), vHigh = Math.fma(highest, slope, offset);
        // within the margin of an end is enough: such inputs are flagged
        if (!(vLow > (beta + 1) * SCALE - MARGIN) || !(vHigh < (end + 1) * SCALE + MARGIN)) {
            return null;
        }
        return new float[] {slope, offset};
    }

    /** The segment of x: the number of breakpoints below it. */
    int segment(float x) {
        int k = key(x), s = 0;
        for (int step = MAX_SEGMENTS / 2; step > 0; step >>= 1) {
            if (k > breakKeys[s + step - 1]) {
                s += step;
            }
        }
        return s;
    }

    /**
     * The sorted index nearest x (not NaN), or -1 when x is flagged (too near a threshold for the
     * arithmetic to decide): the scalar statement of what the vector kernel computes lane by lane.
     */
    int index(float x) {
        x = Math.min(Math.max(x, low), high);
        int s = segment(x);
        int v = (int) Math.fma(x, slope[s], offset[s]);
        return flagged(v) ? -1 : v >>> FRACTION_BITS;
    }

    /** Whether the scaled index v lies within the margin of a whole index. */
    static boolean flagged(int v) {
        return (v + MARGIN & (1 << FRACTION_BITS) - 1) < 2 * MARGIN;
    }
}
