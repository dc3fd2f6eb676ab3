package dev.vela.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vela.kernels.Capabilities;
import dev.vela.kernels.Implementation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The Vector API block kernels give the scalar kernels' bits: codes, absmax and dequantized
 * values, with and without the sign fix, on data that puts inputs exactly on and next to every
 * threshold (the lanes the arithmetic search hands back to the table search).
 */
class VectorBlockKernelsTest {

    @Provide
    Arbitrary<QuantMap> maps() {
        return Arbitraries.of(QuantMap.dynamic(true), QuantMap.dynamic(false), QuantMap.linear(true),
                QuantMap.linear(false), QuantMap.nf4(), QuantMap.fp4());
    }

    @Property(tries = 300)
    void vectorBlocksEqualScalarBlocks(@ForAll("maps") QuantMap map, @ForAll @IntRange(min = 0, max = 600) int n,
                                       @ForAll @IntRange(min = 0, max = 5) int offset, @ForAll boolean keepSign,
                                       @ForAll @IntRange(min = 0, max = 3) int kind, @ForAll long seed) {
        Assume.that(Capabilities.current().vectorAvailable());
        BlockKernels vector = BlockKernels.of(Implementation.VECTOR);
        n = n % 4 == 0 ? n % 50 : n; // lengths 0..3 * 16 + 1 often, longer ones too
        boolean sign = keepSign && map.bits() == 8;
        float[] x = data(map, new SplittableRandom(seed), n, kind);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment xs = arena.allocate(4L * (n + offset), 4);
            MemorySegment.copy(x, 0, xs, ValueLayout.JAVA_FLOAT, 4L * offset, n);
            long cb = BlockQuantizer.codeBytes(map, n);
            MemorySegment want = arena.allocate(cb + offset + 1), got = arena.allocate(cb + offset + 1);
            float a = BlockKernels.SCALAR.quantizeNearest(map, xs, offset, n, want, offset, sign);
            float b = vector.quantizeNearest(map, xs, offset, n, got, offset, sign);
            assertEquals(Float.floatToRawIntBits(a), Float.floatToRawIntBits(b), "absmax");
            for (long i = 0; i < cb; i++) {
                assertEquals(want.get(ValueLayout.JAVA_BYTE, offset + i), got.get(ValueLayout.JAVA_BYTE, offset + i),
                        map + " code byte " + i + (map.bits() == 8 && i < n ? " of x = " + x[(int) i] : ""));
            }
            MemorySegment outWant = arena.allocate(4L * (n + offset), 4), outGot = arena.allocate(4L * (n + offset), 4);
            BlockKernels.SCALAR.dequantize(map, want, offset, a, n, outWant, offset);
            vector.dequantize(map, want, offset, a, n, outGot, offset);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(outWant.getAtIndex(ValueLayout.JAVA_FLOAT, offset + i)),
                        Float.floatToRawIntBits(outGot.getAtIndex(ValueLayout.JAVA_FLOAT, offset + i)),
                        "dequantized " + i);
            }
        }
    }

    /**
     * kind 0: normal data over many magnitudes with special values; 1: absmax exactly 1 and the
     * other elements thresholds, their float neighbours and code values; 2: tiny values (a
     * subnormal absmax); 3: all zeros or one non-finite value.
     */
    private static float[] data(QuantMap map, SplittableRandom r, int n, int kind) {
        float[] x = BlockQuantizerTest.data(r, n, kind == 0);
        if (n == 0) {
            return x;
        }
        switch (kind) {
            case 1 -> {
                for (int i = 0; i < n; i++) {
                    float t = map.threshold(r.nextInt(map.size() - 1));
                    int pick = r.nextInt(4);
                    x[i] = pick == 0 ? t : pick == 1 ? Math.nextUp(t) : pick == 2 ? Math.nextDown(t)
                            : map.value(r.nextInt(map.size()));
                    x[i] = Math.max(-1f, Math.min(1f, x[i]));
                }
                x[r.nextInt(n)] = r.nextBoolean() ? 1f : -1f;
            }
            case 2 -> {
                for (int i = 0; i < n; i++) {
                    x[i] = (float) (r.nextGaussian() * 1e-41);
                }
            }
            case 3 -> {
                java.util.Arrays.fill(x, 0f);
                if (r.nextBoolean()) {
                    float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
                    x[r.nextInt(n)] = special[r.nextInt(3)];
                }
            }
            default -> { }
        }
        return x;
    }
}
