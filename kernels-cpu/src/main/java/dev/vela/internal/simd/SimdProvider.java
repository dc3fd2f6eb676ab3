package dev.vela.internal.simd;

import dev.vela.kernels.Capabilities;
import dev.vela.kernels.Implementation;
import java.util.Locale;

/**
 * Chooses the kernel implementation once, on first use (the holder idiom): the Vector API one
 * when {@code jdk.incubator.vector} is readable, the VM compiles with C2, and the preferred
 * float species has at least 4 lanes; the scalar one otherwise. {@code -Dvela.simd=scalar}
 * forces the fallback; {@code -Dvela.simd=vector} demands the vector path and makes
 * {@link #best()} fail when it is unavailable, so that a benchmark can never run scalar
 * silently. The vector classes are loaded reflectively, so no class that mentions vector types
 * is loaded without the module. Exactly one line is logged.
 */
public final class SimdProvider {

    private static final String VECTOR_CLASS = "dev.vela.internal.vector.VectorFloatOps";
    private static final String VECTOR_DOUBLE_CLASS = "dev.vela.internal.vector.VectorDoubleOps";
    private static final String VECTOR_OPTIM_CLASS = "dev.vela.internal.vector.VectorOptimOps";
    private static final String SHAPES_CLASS = "dev.vela.internal.vector.VectorShapes";
    private static final int MIN_LANES = 4;

    private SimdProvider() {
    }

    private static final class Holder {
        static final FloatOps SCALAR = new ScalarFloatOps();
        static final DoubleOps SCALAR_DOUBLE = new ScalarDoubleOps();
        static final OptimOps SCALAR_OPTIM = new ScalarOptimOps();
        static final Choice CHOICE = choose();
    }

    private record Choice(Capabilities capabilities, FloatOps vector, DoubleOps vectorDouble, OptimOps vectorOptim,
                          String failure) {
    }

    /** The capabilities decided at start-up. */
    public static Capabilities capabilities() {
        return Holder.CHOICE.capabilities();
    }

    /** The scalar implementation, always available. */
    public static FloatOps scalar() {
        return Holder.SCALAR;
    }

    /** The Vector API implementation, or null where it cannot run. */
    public static FloatOps vectorOrNull() {
        return Holder.CHOICE.vector();
    }

    /** The float32 implementation to use by default. */
    public static FloatOps best() {
        return of(chosen());
    }

    /** The named float32 implementation, failing with the reason when it is unavailable. */
    public static FloatOps of(Implementation implementation) {
        return implementation == Implementation.SCALAR ? Holder.SCALAR : available(Holder.CHOICE.vector());
    }

    /** The named float64 implementation, failing with the reason when it is unavailable. */
    public static DoubleOps doubleOps(Implementation implementation) {
        return implementation == Implementation.SCALAR ? Holder.SCALAR_DOUBLE : available(Holder.CHOICE.vectorDouble());
    }

    /** The named fused-optimizer implementation, failing with the reason when it is unavailable. */
    public static OptimOps optimOps(Implementation implementation) {
        return implementation == Implementation.SCALAR ? Holder.SCALAR_OPTIM : available(Holder.CHOICE.vectorOptim());
    }

    /** The implementation {@link Capabilities#current()} chose, for each element type. */
    public static Implementation chosen() {
        if (Holder.CHOICE.failure() != null) {
            throw new IllegalStateException(Holder.CHOICE.failure());
        }
        return Holder.CHOICE.capabilities().implementation();
    }

    private static <T> T available(T vector) {
        if (vector == null) {
            throw new IllegalStateException("the Vector API implementation is unavailable: "
                    + Holder.CHOICE.capabilities().reason());
        }
        return vector;
    }

    private static Choice choose() {
        String java = Runtime.version().toString();
        String forced = System.getProperty("vela.simd", "").trim().toLowerCase(Locale.ROOT);
        if (!forced.isEmpty() && !forced.equals("scalar") && !forced.equals("vector")) {
            return log(new Choice(new Capabilities(Implementation.SCALAR, false, 0, 0, false, java,
                    "invalid -Dvela.simd=" + forced), null, null, null,
                    "-Dvela.simd must be 'scalar' or 'vector', was '" + forced + "'"));
        }

        String unavailable = null;
        int bits = 0, lanes = 0;
        boolean fma = false;
        FloatOps vector = null;
        DoubleOps vectorDouble = null;
        OptimOps vectorOptim = null;
        var module = ModuleLayer.boot().findModule("jdk.incubator.vector");
        if (module.isEmpty() || !SimdProvider.class.getModule().canRead(module.get())) {
            unavailable = "jdk.incubator.vector is not readable; add --add-modules jdk.incubator.vector "
                    + "to the java command line to enable SIMD kernels";
        } else if (System.getProperty("java.vm.info", "").contains("interpreted mode")) {
            unavailable = "the JVM runs in interpreted mode, where the Vector API is slower than plain loops";
        } else {
            try {
                int[] shape = (int[]) Class.forName(SHAPES_CLASS).getMethod("describe").invoke(null);
                bits = shape[0];
                lanes = shape[1];
                fma = shape[2] == 1;
                if (lanes < MIN_LANES) {
                    unavailable = "the preferred float vector has only " + lanes + " lanes (" + bits
                            + " bits); at least " + MIN_LANES + " are needed to beat plain loops";
                } else {
                    vector = (FloatOps) Class.forName(VECTOR_CLASS).getConstructor().newInstance();
                    vectorDouble = (DoubleOps) Class.forName(VECTOR_DOUBLE_CLASS).getConstructor().newInstance();
                    vectorOptim = (OptimOps) Class.forName(VECTOR_OPTIM_CLASS).getConstructor().newInstance();
                }
            } catch (ReflectiveOperationException | LinkageError e) {
                unavailable = "the Vector API implementation failed to load: " + e;
            }
        }

        Implementation impl;
        String reason;
        String failure = null;
        if (forced.equals("scalar")) {
            impl = Implementation.SCALAR;
            reason = "forced by -Dvela.simd=scalar";
        } else if (vector != null) {
            impl = Implementation.VECTOR;
            reason = forced.equals("vector") ? "forced by -Dvela.simd=vector" : "Vector API available";
        } else {
            impl = Implementation.SCALAR;
            reason = unavailable;
            if (forced.equals("vector")) {
                failure = "-Dvela.simd=vector was given but " + unavailable;
            }
        }
        return log(new Choice(new Capabilities(impl, vector != null, bits, lanes, fma, java, reason), vector,
                vectorDouble, vectorOptim, failure));
    }

    private static Choice log(Choice c) {
        Capabilities k = c.capabilities();
        System.Logger logger = System.getLogger("dev.vela.kernels");
        if (c.failure() != null) {
            logger.log(System.Logger.Level.ERROR, "Vela: " + c.failure());
        } else if (k.implementation() == Implementation.VECTOR) {
            logger.log(System.Logger.Level.INFO, String.format(Locale.ROOT,
                    "Vela: Vector API kernels, %d-bit vectors, %d float lanes, FMA %s, JDK %s",
                    k.vectorBitSize(), k.floatLanes(), k.fma() ? "on" : "off", k.javaVersion()));
        } else {
            logger.log(System.Logger.Level.WARNING, "Vela: scalar kernels (" + k.reason() + "), JDK " + k.javaVersion());
        }
        return c;
    }
}
