package dev.vela.optim;

import dev.vela.internal.run.KernelRunner;
import dev.vela.kernels.FloatKernels;
import dev.vela.memory.Memory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The float32 {@link Optimizer}: state buffers of 4 bytes per element, updated by the
 * {@link FusedUpdates} kernels; built by {@link Optimizer#builder()}.
 */
final class FusedOptimizer implements Optimizer {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    /**
     * One tensor with its group, state and per-tensor scalars, and the kernel's view of them
     * (built once: a step over thousands of small tensors should not rebuild it every time).
     */
    private record Slot(Param param, int group, List<String> stateNames, MemorySegment[] state, double[] scalars,
                        Rules.Tensor tensor) {
    }

    private final FusedUpdates kernels;
    private final FloatKernels norms;
    private final OptimizerSetup setup;
    private final Runnable memoryCheck;
    private final List<Slot> slots;
    private final Arena arena;
    private final boolean share;
    /** The chunks of all tensors: slot index, start, length. */
    private final int[] chunkSlot;
    private final long[] chunkStart;
    private final int[] chunkLength;
    private double lossScale;
    private long step;
    private boolean closed;

    FusedOptimizer(OptimizerSetup setup) {
        this.setup = setup;
        this.memoryCheck = setup.memoryCheck();
        this.kernels = setup.kernels();
        this.norms = FloatKernels.create(kernels.implementation(), kernels.pool());
        this.lossScale = setup.lossScale();
        this.arena = Memory.hugePageArena();
        this.direction = ThreadLocal.withInitial(() -> arena.allocate(WHOLE_IN_ONE_TASK * Float.BYTES, 64));
        List<Slot> list = new ArrayList<>();
        List<MemorySegment> touched = new ArrayList<>();
        for (int gi = 0; gi < setup.groups().size(); gi++) {
            Hyperparameters h = setup.groups().get(gi).hyperparameters();
            for (Param p : setup.groups().get(gi).params()) {
                List<String> names = Rules.stateNames(h);
                MemorySegment[] state = new MemorySegment[names.size()];
                for (int k = 0; k < state.length; k++) {
                    state[k] = arena.allocate(Math.max(1, p.length()) * Float.BYTES, 64);
                }
                double[] scalars = new double[Rules.scalarNames(h).size()];
                java.util.Arrays.fill(scalars, Double.NaN);
                Rules.Tensor tensor = Rules.Tensor.of(p.length(), p.rows(), p.values(), p.valuesOffset(), p.grads(),
                        p.gradsOffset());
                for (MemorySegment buffer : state) {
                    tensor = tensor.and(buffer, 0);
                }
                list.add(new Slot(p, gi, names, state, scalars, tensor));
                touched.add(p.values());
                touched.add(p.grads());
            }
        }
        this.slots = List.copyOf(list);
        this.share = kernels.runner().share(touched.toArray(MemorySegment[]::new));
        int chunks = 0;
        for (Slot s : slots) {
            chunks += (int) ((s.param().length() + KernelRunner.ELEMENTWISE_GRAIN - 1) / KernelRunner.ELEMENTWISE_GRAIN);
        }
        chunkSlot = new int[chunks];
        chunkStart = new long[chunks];
        chunkLength = new int[chunks];
        int c = 0;
        for (int si = 0; si < slots.size(); si++) {
            long n = slots.get(si).param().length();
            for (long o = 0; o < n; o += KernelRunner.ELEMENTWISE_GRAIN) {
                chunkSlot[c] = si;
                chunkStart[c] = o;
                chunkLength[c] = (int) Math.min(KernelRunner.ELEMENTWISE_GRAIN, n - o);
                c++;
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this Optimizer is closed");
        }
    }

    /** The number of steps taken (skipped steps do not count). */
    @Override
    public long stepCount() {
        return step;
    }

    /** The current loss scale. */
    @Override
    public double lossScale() {
        return lossScale;
    }

    /** Sets the loss scale for the next steps (dynamic loss scaling), finite and > 0. */
    @Override
    public void setLossScale(double scale) {
        lossScale = OptimizerSetup.checkLossScale(scale);
    }

    /** Group i's hyperparameters with its schedule's learning rate at step t. */
    @Override
    public Hyperparameters hyperparameters(int group, long t) {
        return setup.hyperparameters(group, t);
    }

    /**
     * One step over every tensor, with the gradients as they are now.
     *
     * @return the step number, whether it was skipped, the global gradient norm after unscaling
     *     (NaN when neither clipping nor the finite check asked for it), and the factor every
     *     gradient was multiplied by
     */
    @Override
    public StepReport step() {
        checkOpen();
        // the tensors' memory may have been closed since build(): fail before any tensor is written
        memoryCheck.run();
        OptimizerSetup.Scale scale = setup.gradientScale(norms, lossScale);
        if (scale.skip()) {
            return new StepReport(step, true, scale.gradNorm(), 0);
        }
        double gradScale = scale.factor();
        long t = step + 1;
        KernelRunner run = kernels.runner();
        // each group's scheduled hyperparameters once per step, not once per tensor
        Hyperparameters[] groupHyper = new Hyperparameters[setup.groups().size()];
        for (int gi = 0; gi < groupHyper.length; gi++) {
            groupHyper[gi] = hyperparameters(gi, t);
        }
        // null for a tensor that keeps its direction in this thread's buffer: its task prepares it
        Rules.@Nullable Prepared[] prepared = new Rules.Prepared[slots.size()];
        for (int si = 0; si < slots.size(); si++) {
            Slot s = slots.get(si);
            Hyperparameters h = groupHyper[s.group()];
            prepared[si] = usesDirection(h, s) ? null
                    : Rules.prepare(kernels.ops(), run, share, h, t, gradScale, s.tensor(), s.scalars());
        }
        boolean[] whole = new boolean[slots.size()];
        runFirstPasses(run, prepared, whole, groupHyper, t, gradScale);
        Rules.SpanUpdate[] updates = new Rules.SpanUpdate[slots.size()];
        for (int si = 0; si < slots.size(); si++) {
            updates[si] = whole[si] ? null : java.util.Objects.requireNonNull(prepared[si]).update();
        }
        dev.vela.parallel.RangeBody chunks = (c0, c1) -> {
            for (int c = (int) c0; c < c1; c++) {
                Rules.SpanUpdate u = updates[chunkSlot[c]];
                if (u != null) {
                    u.run(chunkStart[c], chunkLength[c]);
                }
            }
        };
        if (share) {
            run.pool().parallelFor(chunkSlot.length, 1, chunks);
        } else if (chunkSlot.length > 0) {
            chunks.run(0, chunkSlot.length);
        }
        step = t;
        return new StepReport(t, false, scale.gradNorm(), gradScale);
    }

    /**
     * Up to this many elements a norm-based tensor's two passes run back to back in one task,
     * so that the update pass finds p and the state still in that core's cache (32K floats of
     * p, g, m and v: 512 KB, within a 1 MB L2).
     */
    private static final long WHOLE_IN_ONE_TASK = KernelRunner.ELEMENTWISE_GRAIN;

    /**
     * Each thread's buffer for the Adam direction of a LAMB tensor run whole in one task: its
     * first pass writes the direction there and the update pass reads it instead of taking a
     * square root and a division again (the update pass costs 0.07 instead of 0.28 ns per
     * element in cache), and the buffer never leaves that core's cache. Both passes cut the
     * tensor into the same vector spans, so p gets the bits it gets without the buffer (see
     * FusedUpdates.lamb); AdamP's first pass cuts by rows and its update may not, so it does
     * not use one.
     */
    private final ThreadLocal<MemorySegment> direction;

    /** Whether a tensor's step keeps the Adam direction in this thread's buffer: small LAMB ones. */
    private static boolean usesDirection(Hyperparameters h, Slot slot) {
        long n = slot.param().length();
        return h instanceof LambParams && n > 0 && n <= WHOLE_IN_ONE_TASK;
    }

    /** LAMB's step for a whole-in-one-task tensor, with this thread's direction buffer. */
    private Rules.Prepared withDirection(Hyperparameters h, long t, double gradScale, Slot slot) {
        return Rules.prepare(kernels.ops(), kernels.runner(), false, h, t, gradScale,
                slot.tensor().and(direction.get(), 0), slot.scalars());
    }

    /** Work for one parallel loop: {@code units} units, of which {@code body} runs any range. */
    private record Job(long units, dev.vela.parallel.RangeBody body) {
    }

    /**
     * The first passes of every tensor whose rule needs norm sums (LAMB, LARS, AdamP, SGDP), as
     * one parallel loop: on many small tensors one loop per tensor kept the other threads mostly
     * idle. A tensor of at most {@link #WHOLE_IN_ONE_TASK} elements is one unit that also makes
     * its update (marked in {@code whole}); a larger one contributes its sums' units, and its
     * update runs with the elementwise rules' chunks. Each sums unit writes only its own
     * entries, combined in a fixed order, so every tensor gets the bits of one kernel call, for
     * any thread count.
     */
    private void runFirstPasses(KernelRunner run, Rules.@Nullable Prepared[] prepared, boolean[] whole,
                                Hyperparameters[] groupHyper, long t, double gradScale) {
        List<Job> jobs = new ArrayList<>();
        for (int si = 0; si < prepared.length; si++) {
            Slot slot = slots.get(si);
            Rules.Prepared p = prepared[si];
            KernelRunner.RowSums sums = p == null ? null : p.sums();
            if (p != null && (sums == null || sums.units() == 0)) {
                continue;
            }
            long n = slot.param().length();
            if (n <= WHOLE_IN_ONE_TASK) {
                whole[si] = true;
                Hyperparameters h = groupHyper[slot.group()];
                jobs.add(new Job(1, (u0, u1) -> {
                    // prepared here, not before: it needs the buffer of the thread that runs it
                    Rules.Prepared q = p == null ? withDirection(h, t, gradScale, slot) : p;
                    KernelRunner.RowSums qs = java.util.Objects.requireNonNull(q.sums());
                    qs.run(0, qs.units());
                    q.update().run(0, (int) n);
                }));
            } else {
                KernelRunner.RowSums all = java.util.Objects.requireNonNull(sums);
                jobs.add(new Job(all.units(), all::run));
            }
        }
        if (jobs.isEmpty()) {
            return;
        }
        long[] firstUnit = new long[jobs.size() + 1];
        for (int i = 0; i < jobs.size(); i++) {
            firstUnit[i + 1] = firstUnit[i] + jobs.get(i).units();
        }
        dev.vela.parallel.RangeBody units = (u0, u1) -> {
            int job = java.util.Arrays.binarySearch(firstUnit, u0);
            job = job >= 0 ? job : -job - 2;
            for (long u = u0; u < u1; ) {
                while (u >= firstUnit[job + 1]) {
                    job++;
                }
                long end = Math.min(u1, firstUnit[job + 1]);
                jobs.get(job).body().run(u - firstUnit[job], end - firstUnit[job]);
                u = end;
            }
        };
        if (share) {
            run.pool().parallelFor(firstUnit[jobs.size()], 1, units);
        } else {
            units.run(0, firstUnit[jobs.size()]);
        }
    }

    @Override
    public long stateBytes() {
        long bytes = 0;
        for (Slot s : slots) {
            bytes += (long) s.state().length * s.param().length() * Float.BYTES;
        }
        return bytes;
    }

    @Override
    public long parameterCount() {
        return setup.parameterCount();
    }

    /** A copy of the step counter, every state buffer and every per-tensor scalar. */
    @Override
    public OptimizerState exportState() {
        checkOpen();
        Map<String, float[]> buffers = new LinkedHashMap<>();
        Map<String, Double> scalars = new LinkedHashMap<>();
        for (Slot s : slots) {
            String name = s.param().name();
            for (int k = 0; k < s.state().length; k++) {
                float[] copy = new float[Math.toIntExact(s.param().length())];
                MemorySegment.copy(s.state()[k], F, 0, copy, 0, copy.length);
                buffers.put(name + "/" + s.stateNames().get(k), copy);
            }
            List<String> scalarNames = Rules.scalarNames(setup.groups().get(s.group()).hyperparameters());
            for (int k = 0; k < scalarNames.size(); k++) {
                scalars.put(name + "/" + scalarNames.get(k), s.scalars()[k]);
            }
        }
        return new OptimizerState(step, buffers, scalars);
    }

    /**
     * Restores a state exported from an optimizer with the same tensors (names and lengths) and
     * rules. Everything is checked before anything is copied.
     *
     * @throws IllegalArgumentException naming the first missing, extra or mis-sized entry
     */
    @Override
    public void importState(OptimizerState state) {
        checkOpen();
        if (!state.bytes().isEmpty() || !state.labels().isEmpty()) {
            throw new IllegalArgumentException("the state holds quantized buffers " + state.bytes().keySet()
                    + ": it belongs to an optimizer with quantized state, not the float32 one");
        }
        int expectedBuffers = 0, expectedScalars = 0;
        for (Slot s : slots) {
            String name = s.param().name();
            for (String b : s.stateNames()) {
                float[] values = state.buffers().get(name + "/" + b);
                if (values == null) {
                    throw new IllegalArgumentException("the state has no buffer " + name + "/" + b);
                }
                if (values.length != s.param().length()) {
                    throw new IllegalArgumentException("buffer " + name + "/" + b + " has " + values.length
                            + " elements, the tensor " + s.param().length());
                }
                expectedBuffers++;
            }
            for (String k : Rules.scalarNames(setup.groups().get(s.group()).hyperparameters())) {
                if (!state.scalars().containsKey(name + "/" + k)) {
                    throw new IllegalArgumentException("the state has no scalar " + name + "/" + k);
                }
                expectedScalars++;
            }
        }
        if (state.buffers().size() != expectedBuffers || state.scalars().size() != expectedScalars) {
            throw new IllegalArgumentException("the state has " + state.buffers().size() + " buffers and "
                    + state.scalars().size() + " scalars, this optimizer " + expectedBuffers + " and "
                    + expectedScalars + ": it belongs to other tensors or rules");
        }
        for (Slot s : slots) {
            String name = s.param().name();
            for (int k = 0; k < s.state().length; k++) {
                float[] values = state.buffers().get(name + "/" + s.stateNames().get(k));
                MemorySegment.copy(values, 0, s.state()[k], F, 0, values.length);
            }
            List<String> scalarNames = Rules.scalarNames(setup.groups().get(s.group()).hyperparameters());
            for (int k = 0; k < scalarNames.size(); k++) {
                s.scalars()[k] = state.scalars().get(name + "/" + scalarNames.get(k));
            }
        }
        step = state.step();
    }

    /** Frees the state buffers; later calls fail. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
