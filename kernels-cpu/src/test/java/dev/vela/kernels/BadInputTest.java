package dev.vela.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad arguments fail with a message naming the argument and its value, before any write. */
class BadInputTest {

    static java.util.List<FloatKernels> implementations() {
        return TestSupport.implementations();
    }

    private static final float[] ORIGINAL = {1, 2, 3, 4, 5, 6, 7, 8};

    private static <T extends Throwable> void fails(Class<T> type, String mustMention, Executable call,
                                                    float[]... outputs) {
        T e = assertThrows(type, call);
        assertTrue(e.getMessage() != null && e.getMessage().contains(mustMention),
                "message '" + e.getMessage() + "' should mention '" + mustMention + "'");
        for (float[] out : outputs) {
            assertArrayEquals(ORIGINAL, out, "an output was written before the argument check failed");
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void negativeCount(FloatKernels k) {
        float[] y = ORIGINAL.clone();
        MemorySegment ys = MemorySegment.ofArray(y);
        fails(IllegalArgumentException.class, "n must be >= 0, was -1", () -> k.axpy(-1, 2f, ys, 0, ys, 0), y);
        fails(IllegalArgumentException.class, "n must be >= 0, was -3", () -> k.sum(-3, ys, 0));
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void offsetPastTheEnd(FloatKernels k) {
        float[] x = ORIGINAL.clone(), y = ORIGINAL.clone();
        MemorySegment xs = MemorySegment.ofArray(x), ys = MemorySegment.ofArray(y);
        // y is fine, x runs past its end: y must stay untouched.
        fails(IllegalArgumentException.class, "x: offset 5 + n 4 exceeds the segment's length of 8",
                () -> k.axpy(4, 2f, xs, 5, ys, 0), y);
        fails(IllegalArgumentException.class, "xOffset must be >= 0, was -1",
                () -> k.axpy(4, 2f, xs, -1, ys, 0), y);
        fails(IllegalArgumentException.class, "out: offset 9",
                () -> k.add(1, xs, 0, xs, 0, ys, 9), y);
        fails(IllegalArgumentException.class, "x: offset " + Long.MAX_VALUE,
                () -> k.dot(1, xs, Long.MAX_VALUE, ys, 0));
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void lengthMismatchOfArrays(FloatKernels k) {
        float[] x = new float[7], y = ORIGINAL.clone(), out = ORIGINAL.clone();
        fails(IllegalArgumentException.class, "x.length (7) != y.length (8)", () -> k.axpy(1f, x, y), y);
        fails(IllegalArgumentException.class, "x.length (7) != y.length (8)", () -> k.add(x, y, out), out);
        fails(IllegalArgumentException.class, "x.length (7) != y.length (8)", () -> k.dot(x, y));
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void closedArena(FloatKernels k) {
        float[] y = ORIGINAL.clone();
        MemorySegment closed;
        try (Arena arena = Arena.ofShared()) {
            closed = arena.allocate(64);
        }
        MemorySegment ys = MemorySegment.ofArray(y);
        fails(IllegalStateException.class, "x: the segment's arena is already closed",
                () -> k.axpy(4, 1f, closed, 0, ys, 0), y);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void readOnlyOutput(FloatKernels k) {
        float[] y = ORIGINAL.clone();
        MemorySegment ro = MemorySegment.ofArray(y).asReadOnly();
        fails(IllegalArgumentException.class, "y is read-only", () -> k.axpy(4, 1f, ro, 0, ro, 0), y);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void nullSegment(FloatKernels k) {
        float[] y = ORIGINAL.clone();
        MemorySegment ys = MemorySegment.ofArray(y);
        fails(NullPointerException.class, "x must not be null", () -> k.axpy(4, 1f, null, 0, ys, 0), y);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void badClampBounds(FloatKernels k) {
        float[] x = ORIGINAL.clone(), out = ORIGINAL.clone();
        fails(IllegalArgumentException.class, "lo=2.0, hi=1.0", () -> k.clamp(2f, 1f, x, out), out);
        fails(IllegalArgumentException.class, "lo=NaN", () -> k.clamp(Float.NaN, 1f, x, out), out);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void confinedSegmentOfAnotherThread(FloatKernels k) throws Exception {
        float[] y = ORIGINAL.clone();
        MemorySegment ys = MemorySegment.ofArray(y);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(64);
            Throwable[] thrown = new Throwable[1];
            Thread t = new Thread(() -> {
                try {
                    k.axpy(4, 1f, x, 0, ys, 0);
                } catch (Throwable e) {
                    thrown[0] = e;
                }
            });
            t.start();
            t.join();
            assertTrue(thrown[0] instanceof IllegalStateException
                    && thrown[0].getMessage().contains("x: the segment belongs to a confined arena"), String.valueOf(thrown[0]));
            assertArrayEquals(ORIGINAL, y);
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void nothingHappensForZeroLength(FloatKernels k) {
        float[] y = ORIGINAL.clone();
        MemorySegment ys = MemorySegment.ofArray(y);
        k.axpy(0, 1f, ys, 8, ys, 8);
        assertArrayEquals(ORIGINAL, y);
        assertTrue(Arrays.equals(ORIGINAL, y));
    }
}
