package dev.vela.optim;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A checkpoint of an {@link Optimizer}: the step counter, every state buffer keyed
 * {@code "<param name>/<buffer name>"} (for example {@code "fc1.weight/m"}), and every per-tensor
 * scalar keyed the same way (SGD-SaI's {@code "fc1.weight/gsnr"}). Buffers are copies; the
 * record does not change when the optimizer does.
 *
 * <p>{@link #write} and {@link #read} use a small binary format: the bytes {@code VELAOPT1}, the
 * step (long), the number of buffers (int), each buffer as its key (modified UTF-8), its length
 * (int) and its floats, then the number of scalars (int) and each as key and double; big-endian,
 * as {@link DataOutput} writes.
 */
public record OptimizerState(long step, Map<String, float[]> buffers, Map<String, Double> scalars) {

    private static final long MAGIC = 0x56454C414F505431L; // "VELAOPT1"

    public OptimizerState {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, was " + step);
        }
        buffers = Collections.unmodifiableMap(new LinkedHashMap<>(buffers));
        scalars = Collections.unmodifiableMap(new LinkedHashMap<>(scalars));
    }

    /** Writes this state in the format above. */
    public void write(DataOutput out) throws IOException {
        out.writeLong(MAGIC);
        out.writeLong(step);
        out.writeInt(buffers.size());
        for (Map.Entry<String, float[]> e : buffers.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeInt(e.getValue().length);
            for (float f : e.getValue()) {
                out.writeFloat(f);
            }
        }
        out.writeInt(scalars.size());
        for (Map.Entry<String, Double> e : scalars.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeDouble(e.getValue());
        }
    }

    /**
     * Reads a state written by {@link #write}.
     *
     * @throws IOException if the input is not such a state
     */
    public static OptimizerState read(DataInput in) throws IOException {
        long magic = in.readLong();
        if (magic != MAGIC) {
            throw new IOException("not a Vela optimizer state (bad magic " + Long.toHexString(magic) + ")");
        }
        long step = in.readLong();
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("negative buffer count " + count);
        }
        Map<String, float[]> buffers = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String key = in.readUTF();
            int length = in.readInt();
            if (length < 0) {
                throw new IOException("buffer " + key + " has negative length " + length);
            }
            float[] values = new float[length];
            for (int j = 0; j < length; j++) {
                values[j] = in.readFloat();
            }
            buffers.put(key, values);
        }
        int scalarCount = in.readInt();
        if (scalarCount < 0) {
            throw new IOException("negative scalar count " + scalarCount);
        }
        Map<String, Double> scalars = new LinkedHashMap<>();
        for (int i = 0; i < scalarCount; i++) {
            scalars.put(in.readUTF(), in.readDouble());
        }
        return new OptimizerState(step, buffers, scalars);
    }
}
