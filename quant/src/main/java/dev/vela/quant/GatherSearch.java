package dev.vela.quant;

import org.jspecify.annotations.Nullable;

/**
 * The nearest-code search of the SIMD quantizer as one table read per lane: inputs are grouped
 * into buckets by the top 16 bits of their sortable key ({@link #key}, the sign and
 * the top 15 magnitude bits), and each bucket holds its first index and the position of the one
 * threshold inside it, if any:
 *
 * <pre>
 *   k = min(max(key(x), key(lowest value)), key(highest value))
 *   e = entries[(k &gt;&gt; 16) - firstBucket]          (a gather)
 *   index = (e &gt;&gt;&gt; 16 &amp; 0xFF) + (k &amp; 0xFFFF &gt; e &amp; 0xFFFF ? e &gt;&gt;&gt; 24 &amp; 0x7F : 0)
 * </pre>
 *
 * <p>Within a bucket the low 16 key bits order the inputs, so one compare places x against the
 * threshold. The entries are built from {@link QuantMap#nearestIndexOfNormalised}, the scalar
 * path's definition: the indices of the bucket's first and last inputs, and, where they
 * differ, the last input that keeps the first index (found by bisection) and the jump (more
 * than one where the map repeats a value, as the signed linear map does at 0). A bucket whose
 * thresholds lie at two positions or more would be marked ({@link #FLAG}) and its inputs
 * searched by the scalar table instead; the dynamic and linear maps have none. Only 8-bit maps whose codes are
 * their sorted indices get a search.
 */
final class GatherSearch {

    /** Set in an entry whose bucket holds thresholds at two positions or more. */
    static final int FLAG = 1 << 31;
    /** The largest jump of index an entry holds (bits 24 to 30). */
    private static final int MAX_JUMP = 0x7F;
    /** An entry's threshold field when its bucket holds no threshold: no low half exceeds it. */
    private static final int NO_THRESHOLD = 0xFFFF;

    /** The key bucket of entry 0: key(lowest value) &gt;&gt; 16. */
    final int firstBucket;
    /** Per bucket from firstBucket to the highest value's: jump &lt;&lt; 24 | index &lt;&lt; 16 | threshold field. */
    final int[] entries;
    /** Keys of the smallest and largest values: inputs are clamped to them first, as keys. */
    final int lowKey;
    final int highKey;
    /** The first index whose value is positive and the last whose value is negative (for the sign fix). */
    final int positiveFrom;
    final int negativeTo;
    /** Whether any entry is flagged (the kernel then checks every vector). */
    final boolean hasFlaggedBuckets;

    private GatherSearch(int firstBucket, int[] entries, int lowKey, int highKey, int positiveFrom, int negativeTo) {
        this.firstBucket = firstBucket;
        this.entries = entries;
        this.hasFlaggedBuckets = java.util.Arrays.stream(entries).anyMatch(e -> (e & FLAG) != 0);
        this.lowKey = lowKey;
        this.highKey = highKey;
        this.positiveFrom = positiveFrom;
        this.negativeTo = negativeTo;
    }

    /** The search of an 8-bit map with sorted codes, or null where the map has none. */
    static @Nullable GatherSearch of(QuantMap map, float[] values, boolean identityCodes) {
        if (values.length != 256 || !identityCodes) {
            return null;
        }
        float low = values[0], high = values[values.length - 1];
        int lowKey = key(low), highKey = key(high);
        int first = lowKey >> 16, last = highKey >> 16;
        int[] entries = new int[last - first + 1];
        for (int b = first; b <= last; b++) {
            int k0 = Math.max(b << 16, lowKey), k1 = Math.min(b << 16 | 0xFFFF, highKey);
            int i0 = indexOfKey(map, k0), i1 = indexOfKey(map, k1);
            int entry = i0 << 16 | NO_THRESHOLD;
            if (i1 != i0) {
                // the first key of the bucket past index i0; the bucket needs one jump (over
                // one threshold, or over equal ones where the map repeats a value) to index i1
                int lo = k0, hi = k1;
                while (hi - lo > 1) {
                    int mid = lo + (hi - lo) / 2;
                    if (indexOfKey(map, mid) > i0) {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                entry = indexOfKey(map, hi) == i1 && i1 - i0 <= MAX_JUMP
                        ? (i1 - i0) << 24 | i0 << 16 | (lo & 0xFFFF) : FLAG | i0 << 16;
            }
            entries[b - first] = entry;
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
        return new GatherSearch(first, entries, lowKey, highKey, positiveFrom, negativeTo);
    }

    private static int indexOfKey(QuantMap map, int key) {
        return map.nearestIndexOfNormalised(fromKey(key));
    }

    /**
     * The float's bits made monotone as a signed int: x &lt; y exactly when key(x) &lt; key(y)
     * (with -0 just below +0, which no threshold separates).
     */
    static int key(float x) {
        int b = Float.floatToRawIntBits(x);
        return b ^ (b >> 31 & 0x7FFFFFFF);
    }

    /** The float of a sortable key ({@link #key} is its own inverse). */
    static float fromKey(int key) {
        return Float.intBitsToFloat(key ^ (key >> 31 & 0x7FFFFFFF));
    }

    /**
     * The sorted index nearest x (not NaN), or -1 where x's bucket is flagged: the scalar
     * statement of what the vector kernel computes lane by lane.
     */
    int index(float x) {
        int k = Math.min(Math.max(key(x), lowKey), highKey);
        int e = entries[(k >> 16) - firstBucket];
        if ((e & FLAG) != 0) {
            return -1;
        }
        return (e >>> 16 & 0xFF) + ((k & 0xFFFF) > (e & 0xFFFF) ? e >>> 24 & MAX_JUMP : 0);
    }
}
