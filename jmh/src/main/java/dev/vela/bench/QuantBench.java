package dev.vela.bench;

import dev.vela.parallel.VelaPool;
import dev.vela.quant.BlockLayout;
import dev.vela.quant.BlockQuantizer;
import dev.vela.quant.QuantMap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Block-wise 8-bit quantization with the signed dynamic map at block size 256 (the 8-bit
 * optimizers' block), on N(0, 1) data off-heap. Bytes per element: quantize reads a float and
 * writes a code (5, the absmax adds 4 / 256 and is not counted); dequantize the reverse.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class QuantBench {

    @Param({"1048576", "67108864"})
    public long size;

    @Param({"1", "all"})
    public String threads;

    private static final QuantMap MAP = QuantMap.dynamic(true);

    private Arena arena;
    private VelaPool pool;
    private BlockQuantizer q;
    private BlockLayout layout;
    private MemorySegment x, codes, absmax, out;

    @Setup(Level.Trial)
    public void setUp() {
        pool = VelaPool.create(BenchSupport.threads(threads));
        q = BlockQuantizer.create(pool);
        layout = new BlockLayout(size, 256);
        arena = Arena.ofShared();
        x = arena.allocate(size * Float.BYTES, 64);
        float[] pattern = new float[1 << 16];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (float) r.nextGaussian();
        }
        for (long i = 0; i < size; i += pattern.length) {
            MemorySegment.copy(MemorySegment.ofArray(pattern), 0, x, i * Float.BYTES,
                    Math.min(pattern.length, size - i) * Float.BYTES);
        }
        codes = arena.allocate(size, 64);
        absmax = arena.allocate(layout.blocks() * Float.BYTES, 64);
        out = arena.allocate(size * Float.BYTES, 64);
        q.quantize(MAP, layout, x, 0, codes, 0, absmax, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        pool.close();
    }

    @Benchmark
    @BytesPerElement(5)
    public void quantize() {
        q.quantize(MAP, layout, x, 0, codes, 0, absmax, 0);
    }

    @Benchmark
    @BytesPerElement(5)
    public void dequantize() {
        q.dequantize(MAP, layout, codes, 0, absmax, 0, out, 0);
    }
}
