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
 * <p>Optimizers with quantized state add byte buffers (the 8-bit codes, keyed like the float
 * buffers, e.g. {@code "fc1.weight/m.codes"}) and text labels (what a reader must agree on to
 * interpret them, e.g. the quantization map and block size).
 *
 * <p>{@link #write} and {@link #read} use a small binary format: the bytes {@code VELAOPT2}, the
 * step (long), the number of float buffers (int), each as its key (modified UTF-8), its length
 * (int) and its floats, the number of scalars (int) and each as key and double, the number of
 * byte buffers (int) and each as key, length and bytes, then the number of labels (int) and
 * each as key and value (modified UTF-8); big-endian, as {@link DataOutput} writes. {@link #read}
 * also reads the earlier {@code VELAOPT1}, which ends after the scalars.
 */
public record OptimizerState(long step, Map<String, float[]> buffers, Map<String, Double> scalars,
                             Map<String, byte[]> bytes, Map<String, String> labels) {

    private static final long MAGIC_V1 = 0x56454C414F505431L; // "VELAOPT1"
    private static final long MAGIC = 0x56454C414F505432L; // "VELAOPT2"

    public OptimizerState {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, was " + step);
        }
        buffers = Collections.unmodifiableMap(new LinkedHashMap<>(buffers));
        scalars = Collections.unmodifiableMap(new LinkedHashMap<>(scalars));
        bytes = Collections.unmodifiableMap(new LinkedHashMap<>(bytes));
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** A state with float buffers and scalars only (the float32 optimizer's). */
    public OptimizerState(long step, Map<String, float[]> buffers, Map<String, Double> scalars) {
        this(step, buffers, scalars, Map.of(), Map.of());
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
        out.writeInt(bytes.size());
        for (Map.Entry<String, byte[]> e : bytes.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeInt(e.getValue().length);
            out.write(e.getValue());
        }
        out.writeInt(labels.size());
        for (Map.Entry<String, String> e : labels.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
    }

    /**
     * Reads a state written by {@link #write}.
     *
     * @throws IOException if the input is not such a state
     */
    public static OptimizerState read(DataInput in) throws IOException {
        long magic = in.readLong();
        if (magic != MAGIC && magic != MAGIC_V1) {
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
        if (magic == MAGIC_V1) {
            return new OptimizerState(step, buffers, scalars);
        }
        int byteCount = count(in, "byte buffer");
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        for (int i = 0; i < byteCount; i++) {
            String key = in.readUTF();
            int length = in.readInt();
            if (length < 0) {
                throw new IOException("byte buffer " + key + " has negative length " + length);
            }
            byte[] values = new byte[length];
            in.readFully(values);
            bytes.put(key, values);
        }
        int labelCount = count(in, "label");
        Map<String, String> labels = new LinkedHashMap<>();
        for (int i = 0; i < labelCount; i++) {
            labels.put(in.readUTF(), in.readUTF());
        }
        return new OptimizerState(step, buffers, scalars, bytes, labels);
    }

    private static int count(DataInput in, String what) throws IOException {
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("negative " + what + " count " + count);
        }
        return count;
    }
}
