package dev.vela.quant;

import dev.vela.kernels.FloatKernels;
import dev.vela.memory.Memory;
import dev.vela.optim.AdamParams;
import dev.vela.optim.DiffGradParams;
import dev.vela.optim.FusedUpdates;
import dev.vela.optim.Hyperparameters;
import dev.vela.optim.Optimizer;
import dev.vela.optim.OptimizerSetup;
import dev.vela.optim.OptimizerState;
import dev.vela.optim.Param;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An {@link Optimizer} whose state is stored block-wise in 8 bits (bitsandbytes' 8-bit
 * optimizers): each state element is one byte, the code of a {@link QuantMap#dynamic} value, and
 * each block of {@link BlockwiseStates#blockSize()} elements one float32 absmax. Built with
 * {@code Optimizer.builder()...build(BlockwiseStates.defaults())}.
 *
 * <p>Rules: every elementwise rule whose state is moving averages or sums (Adam and AdamW without
 * amsgrad, SGD with momentum, Lion, Signum, AdaBelief, EXAdam, RMSprop, AdaGrad). First moments,
 * gradient averages and momentum buffers use the signed dynamic map; second moments and sums of
 * squares (v, AdaBelief's s, AdaGrad's sum) the unsigned one.
 * Others are refused at build time: the norm-based rules (their norms span the tensor), amsgrad
 * (its maximum would need a third state) and diffGrad (its state is the previous gradient, not an
 * average).
 *
 * <p>A step runs over chunks of whole blocks (4096 elements at block size 256), each in one
 * pass over its memory: dequantize the chunk's state with the old absmax values into per-thread
 * float32 tiles that stay in cache, run the rule's float32 update over the chunk ({@link FusedUpdates#update}, so p moves
 * with the unquantized new moments exactly as in the float32 optimizer), then for each block take
 * the new absmax of each state and quantize back to the nearest codes; signed states then get
 * bitsandbytes' sign fix (a code whose value has the wrong sign moves one step, so a tiny moment
 * never becomes 0). The block kernels are those of the kernels' implementation
 * ({@link BlockKernels}): with the Vector API one, quantization and dequantization run in SIMD
 * with the same bits as the scalar loops. Tensors with fewer than {@link BlockwiseStates#minQuantizedSize()} elements
 * keep float32 state. Blocks of all tensors run in parallel; the bits do not depend on the thread
 * count.
 *
 * <p>Percentile clipping (bitsandbytes' {@code percentile_clipping}): with p < 100, each tensor
 * keeps its last 100 squared gradient norms (all 100 set to the first norm at step 1); each step
 * the gradient norm g is recorded, and if g exceeds the square root of the p-th smallest
 * (0-based) recorded value, the tensor's gradients are scaled by that bound over g.
 *
 * <p>Non-finite gradients follow IEEE arithmetic as in the float32 optimizer, and a NaN in a
 * block's state makes its absmax NaN, which the whole block then keeps: use
 * {@code skipNonFinite(true)} where gradients may overflow.
 */
public final class Optimizer8bit implements Optimizer {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final int RING = 100;

    /** One state buffer: quantized (codes and absmax, map set) or float32 (data only). */
    private record Buffer(String name, @Nullable QuantMap map, MemorySegment data, @Nullable MemorySegment absmax) {
    }

    private record Slot(Param param, int group, Buffer[] state, boolean quantized, double @Nullable [] ring) {
    }

    private final OptimizerSetup setup;
    private final Runnable memoryCheck;
    private final BlockwiseStates settings;
    private final FusedUpdates kernels;
    private final BlockKernels blocks;
    private final FloatKernels norms;
    private final List<Slot> slots;
    private final Arena arena;
    private final boolean share;
    private final int maxStates;
    /**
     * Elements per chunk (rounded to whole blocks): two states' tiles take 32 KB. 32K-element
     * chunks (tiles in L2) also took 3.7 ms per 1M-parameter step, in a run before the scratch
     * moved to per-thread tiles.
     */
    private static final int CHUNK = 4096;
    /** The longest chunk: whole blocks, about CHUNK elements. */
    private final int chunkElements;
    /**
     * Each thread's float32 tiles for a chunk's states, from the optimizer's shared arena: scratch
     * from a confined arena per step made the float32 kernels' memory accesses see two session
     * kinds, after which fused AdamW on shared segments ran 10x slower in the same JVM (0.33 to
     * 3.0 ms per 1M parameters).
     */
    private final ThreadLocal<MemorySegment[]> scratch;
    private final int[] chunkSlot;
    private final long[] chunkStart;
    private final int[] chunkLength;
    private double lossScale;
    private long step;
    private boolean closed;

    Optimizer8bit(OptimizerSetup setup, BlockwiseStates settings) {
        this.setup = setup;
        this.memoryCheck = setup.memoryCheck();
        this.settings = settings;
        this.kernels = setup.kernels();
        this.blocks = BlockKernels.of(kernels.implementation());
        this.norms = FloatKernels.create(kernels.implementation(), kernels.pool());
        this.lossScale = setup.lossScale();
        for (OptimizerSetup.Group g : setup.groups()) {
            checkSupported(g.hyperparameters());
        }
        this.arena = Memory.hugePageArena();
        List<Slot> list = new ArrayList<>();
        List<MemorySegment> touched = new ArrayList<>();
        int most = 0;
        int bs = settings.blockSize();
        for (int gi = 0; gi < setup.groups().size(); gi++) {
            Hyperparameters h = setup.groups().get(gi).hyperparameters();
            List<String> names = FusedUpdates.stateNames(h);
            most = Math.max(most, names.size());
            for (Param p : setup.groups().get(gi).params()) {
                long n = p.length();
                boolean quantized = n >= settings.minQuantizedSize() && n > 0;
                Buffer[] state = new Buffer[names.size()];
                for (int k = 0; k < state.length; k++) {
                    if (quantized) {
                        QuantMap map = mapFor(names.get(k));
                        BlockLayout layout = new BlockLayout(n, bs);
                        MemorySegment codes = arena.allocate(n, 64);
                        codes.fill((byte) map.zeroCode());
                        state[k] = new Buffer(names.get(k), map, codes, arena.allocate(layout.blocks() * Float.BYTES, 64));
                    } else {
                        state[k] = new Buffer(names.get(k), null, arena.allocate(Math.max(1, n) * Float.BYTES, 64), null);
                    }
                }
                double[] ring = settings.percentile() < 100 ? new double[RING] : null;
                list.add(new Slot(p, gi, state, quantized, ring));
                touched.add(p.values());
                touched.add(p.grads());
            }
        }
        this.maxStates = most;
        this.slots = List.copyOf(list);
        this.share = touched.stream().allMatch(kernels.pool()::canShare);
        // chunks: whole blocks, about CHUNK elements each, so that each chunk's float32 update
        // runs inline on the thread that owns the chunk and its tiles stay in cache
        int grain = Math.max(bs, CHUNK / bs * bs);
        this.chunkElements = grain;
        List<long[]> chunks = new ArrayList<>();
        for (int si = 0; si < slots.size(); si++) {
            long n = slots.get(si).param().length();
            for (long o = 0; o < n; o += grain) {
                chunks.add(new long[] {si, o, Math.min(grain, n - o)});
            }
        }
        this.scratch = ThreadLocal.withInitial(() -> {
            MemorySegment[] tiles = new MemorySegment[maxStates];
            for (int k = 0; k < maxStates; k++) {
                tiles[k] = arena.allocate((long) chunkElements * Float.BYTES, 64);
            }
            return tiles;
        });
        chunkSlot = new int[chunks.size()];
        chunkStart = new long[chunks.size()];
        chunkLength = new int[chunks.size()];
        for (int c = 0; c < chunks.size(); c++) {
            chunkSlot[c] = (int) chunks.get(c)[0];
            chunkStart[c] = chunks.get(c)[1];
            chunkLength[c] = (int) chunks.get(c)[2];
        }
    }

    private static void checkSupported(Hyperparameters h) {
        String why = null;
        if (!FusedUpdates.isElementwise(h)) {
            why = "a norm-based rule (its norms span the whole tensor)";
        } else if (h instanceof AdamParams a && a.amsgrad()) {
            why = "amsgrad (its running maximum is a third state)";
        } else if (h instanceof DiffGradParams) {
            why = "diffGrad (its state is the previous gradient, not a moving average)";
        }
        if (why != null) {
            throw new IllegalArgumentException(h.getClass().getSimpleName() + " has no 8-bit state: " + why);
        }
    }

    /**
     * Second moments and sums of squares are non-negative: the unsigned map (bitsandbytes uses the
     * signed one for its one-state RMSprop and AdaGrad, giving up a bit); every other state the
     * signed one.
     */
    static QuantMap mapFor(String stateName) {
        return switch (stateName) {
            case "v", "s", "sum" -> UNSIGNED;
            default -> SIGNED;
        };
    }

    private static final QuantMap SIGNED = QuantMap.dynamic(true);
    private static final QuantMap UNSIGNED = QuantMap.dynamic(false);

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this Optimizer8bit is closed");
        }
    }

    /** The storage settings it was built with. */
    public BlockwiseStates settings() {
        return settings;
    }

    @Override
    public long stepCount() {
        return step;
    }

    @Override
    public double lossScale() {
        return lossScale;
    }

    @Override
    public void setLossScale(double scale) {
        lossScale = OptimizerSetup.checkLossScale(scale);
    }

    @Override
    public Hyperparameters hyperparameters(int group, long t) {
        return setup.hyperparameters(group, t);
    }

    @Override
    public long stateBytes() {
        long bytes = 0;
        for (Slot s : slots) {
            long n = s.param().length();
            long perState = s.quantized() ? new BlockLayout(n, settings.blockSize()).bytes8Bit() : n * Float.BYTES;
            bytes += perState * s.state().length;
        }
        return bytes;
    }

    @Override
    public long parameterCount() {
        return setup.parameterCount();
    }

    @Override
    public StepReport step() {
        checkOpen();
        memoryCheck.run();
        OptimizerSetup.Scale scale = setup.gradientScale(norms, lossScale);
        if (scale.skip()) {
            return new StepReport(step, true, scale.gradNorm(), 0);
        }
        long t = step + 1;
        double[] factor = new double[slots.size()];
        Hyperparameters[] h = new Hyperparameters[slots.size()];
        for (int si = 0; si < slots.size(); si++) {
            Slot s = slots.get(si);
            factor[si] = scale.factor() * percentileFactor(s, t, scale.factor());
            h[si] = setup.hyperparameters(s.group(), t);
        }
        dev.vela.parallel.RangeBody body = (c0, c1) -> {
            MemorySegment[] tiles = scratch.get();
            for (int c = (int) c0; c < c1; c++) {
                int si = chunkSlot[c];
                runChunk(slots.get(si), h[si], t, factor[si], chunkStart[c], chunkLength[c], tiles);
            }
        };
        if (share && chunkSlot.length > 1) {
            kernels.pool().parallelFor(chunkSlot.length, 1, body);
        } else if (chunkSlot.length > 0) {
            body.run(0, chunkSlot.length);
        }
        step = t;
        return new StepReport(t, false, scale.gradNorm(), scale.factor());
    }

    /** The percentile-clipping factor of a tensor this step (1 when off or not exceeded). */
    private double percentileFactor(Slot s, long t, double globalFactor) {
        double[] ring = s.ring();
        if (ring == null) {
            return 1;
        }
        Param p = s.param();
        double norm = norms.norm2(p.length(), p.grads(), p.gradsOffset()) * globalFactor;
        double squared = norm * norm;
        if (t == 1) {
            Arrays.fill(ring, squared);
        } else {
            ring[(int) (t % RING)] = squared;
        }
        double[] sorted = ring.clone();
        Arrays.sort(sorted);
        double clip = Math.sqrt(sorted[settings.percentile()]);
        return norm > clip ? clip / norm : 1;
    }

    private void runChunk(Slot s, Hyperparameters h, long t, double factor, long start, int length,
                          MemorySegment[] tiles) {
        Param p = s.param();
        Buffer[] state = s.state();
        int k = state.length;
        if (!s.quantized()) {
            MemorySegment[] buffers = new MemorySegment[k];
            long[] offsets = new long[k];
            for (int j = 0; j < k; j++) {
                buffers[j] = state[j].data();
                offsets[j] = start;
            }
            kernels.update(h, t, factor, length, p.values(), p.valuesOffset() + start, p.grads(), p.gradsOffset() + start,
                    buffers, offsets);
            return;
        }
        // dequantize the chunk's blocks, one float32 update over the chunk, quantize back: one
        // kernel call per chunk (per block, the call's checks cost more than the update)
        int bs = settings.blockSize();
        MemorySegment[] use = Arrays.copyOf(tiles, k);
        long[] zeros = new long[k];
        for (int j = 0; j < k; j++) {
            Buffer x = state[j];
            for (long b0 = start; b0 < start + length; b0 += bs) {
                int len = (int) Math.min(bs, start + length - b0);
                blocks.dequantize(x.map(), x.data(), b0, x.absmax().getAtIndex(F, b0 / bs), len, use[j], b0 - start);
            }
        }
        kernels.update(h, t, factor, length, p.values(), p.valuesOffset() + start, p.grads(), p.gradsOffset() + start,
                use, zeros);
        for (int j = 0; j < k; j++) {
            Buffer x = state[j];
            for (long b0 = start; b0 < start + length; b0 += bs) {
                int len = (int) Math.min(bs, start + length - b0);
                float a = blocks.quantizeNearest(x.map(), use[j], b0 - start, len, x.data(), b0, x.map() == SIGNED);
                x.absmax().setAtIndex(F, b0 / bs, a);
            }
        }
    }

    /**
     * A copy of the step counter and every state: quantized buffers as {@code "<param>/<state>.codes"}
     * (bytes) and {@code ".absmax"} (floats) with labels {@code ".map"} (the map's name) and
     * {@code ".blockSize"}; float32 ones as {@code "<param>/<state>"}; the percentile ring as
     * scalars {@code "<param>/gnorm2[i]"}.
     */
    @Override
    public OptimizerState exportState() {
        checkOpen();
        Map<String, float[]> floats = new LinkedHashMap<>();
        Map<String, Double> scalars = new LinkedHashMap<>();
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        Map<String, String> labels = new LinkedHashMap<>();
        for (Slot s : slots) {
            String name = s.param().name();
            for (Buffer x : s.state()) {
                String key = name + "/" + x.name();
                if (x.map() != null) {
                    bytes.put(key + ".codes", x.data().asSlice(0, s.param().length()).toArray(ValueLayout.JAVA_BYTE));
                    floats.put(key + ".absmax", x.absmax().toArray(F));
                    labels.put(key + ".map", x.map().name());
                    labels.put(key + ".blockSize", Integer.toString(settings.blockSize()));
                } else {
                    floats.put(key, x.data().asSlice(0, s.param().length() * Float.BYTES).toArray(F));
                }
            }
            if (s.ring() != null) {
                for (int i = 0; i < RING; i++) {
                    scalars.put(name + "/gnorm2[" + i + "]", s.ring()[i]);
                }
            }
        }
        return new OptimizerState(step, floats, scalars, bytes, labels);
    }

    /**
     * Restores a state exported by an {@code Optimizer8bit} with the same tensors, rules and
     * settings (map and block size per buffer are checked). Everything is checked before anything
     * is copied.
     */
    @Override
    public void importState(OptimizerState state) {
        checkOpen();
        int floats = 0, byteBuffers = 0, labelCount = 0, scalarCount = 0;
        for (Slot s : slots) {
            String name = s.param().name();
            long n = s.param().length();
            for (Buffer x : s.state()) {
                String key = name + "/" + x.name();
                if (x.map() != null) {
                    expectLength(state.bytes().get(key + ".codes"), key + ".codes", n);
                    expectLength(state.buffers().get(key + ".absmax"), key + ".absmax", x.absmax().byteSize() / 4);
                    expectLabel(state, key + ".map", x.map().name());
                    expectLabel(state, key + ".blockSize", Integer.toString(settings.blockSize()));
                    byteBuffers++;
                    floats++;
                    labelCount += 2;
                } else {
                    expectLength(state.buffers().get(key), key, n);
                    floats++;
                }
            }
            if (s.ring() != null) {
                for (int i = 0; i < RING; i++) {
                    if (!state.scalars().containsKey(name + "/gnorm2[" + i + "]")) {
                        throw new IllegalArgumentException("the state has no scalar " + name + "/gnorm2[" + i + "]");
                    }
                }
                scalarCount += RING;
            }
        }
        if (state.buffers().size() != floats || state.bytes().size() != byteBuffers
                || state.labels().size() != labelCount || state.scalars().size() != scalarCount) {
            throw new IllegalArgumentException("the state has " + state.buffers().size() + " float buffers, "
                    + state.bytes().size() + " byte buffers, " + state.labels().size() + " labels and "
                    + state.scalars().size() + " scalars; this optimizer " + floats + ", " + byteBuffers + ", "
                    + labelCount + " and " + scalarCount + ": it belongs to other tensors, rules or settings");
        }
        for (Slot s : slots) {
            String name = s.param().name();
            for (Buffer x : s.state()) {
                String key = name + "/" + x.name();
                if (x.map() != null) {
                    MemorySegment.copy(MemorySegment.ofArray(state.bytes().get(key + ".codes")), 0, x.data(), 0,
                            s.param().length());
                    float[] a = state.buffers().get(key + ".absmax");
                    MemorySegment.copy(a, 0, x.absmax(), F, 0, a.length);
                } else {
                    float[] v = state.buffers().get(key);
                    MemorySegment.copy(v, 0, x.data(), F, 0, v.length);
                }
            }
            if (s.ring() != null) {
                for (int i = 0; i < RING; i++) {
                    s.ring()[i] = state.scalars().get(name + "/gnorm2[" + i + "]");
                }
            }
        }
        step = state.step();
    }

    private static void expectLength(@Nullable Object values, String key, long n) {
        if (values == null) {
            throw new IllegalArgumentException("the state has no buffer " + key);
        }
        long length = values instanceof byte[] b ? b.length : ((float[]) values).length;
        if (length != n) {
            throw new IllegalArgumentException("buffer " + key + " has " + length + " elements, expected " + n);
        }
    }

    private static void expectLabel(OptimizerState state, String key, String expected) {
        String actual = state.labels().get(key);
        if (!expected.equals(actual)) {
            throw new IllegalArgumentException("label " + key + " is " + actual + ", this optimizer uses " + expected);
        }
    }

    /** Frees the state; later calls fail. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
