package dev.vela.internal.vector;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API constants, kept apart from the provider so that no class mentioning vector types is
 * loaded unless the incubator module is readable. The FMA flag is decided by the provider and
 * read here once.
 */
public final class VectorShapes {

    /** The preferred float species (16 lanes on AVX-512, 8 on AVX2, 4 on NEON/SSE). */
    public static final VectorSpecies<Float> FLOAT = FloatVector.SPECIES_PREFERRED;

    /** Doubles of the same bit size: half the lanes of {@link #FLOAT}. */
    public static final VectorSpecies<Double> DOUBLE =
            DoubleVector.SPECIES_PREFERRED.vectorShape() == FLOAT.vectorShape()
                    ? DoubleVector.SPECIES_PREFERRED
                    : VectorSpecies.of(double.class, VectorShape.forBitSize(FLOAT.vectorBitSize()));

    /** Floats in half the preferred width: as many lanes as {@link #DOUBLE}, for lane-preserving widening. */
    public static final VectorSpecies<Float> HALF_FLOAT =
            VectorSpecies.of(float.class, VectorShape.forBitSize(FLOAT.vectorBitSize() / 2));

    /** Longs of the preferred width: as many lanes as {@link #DOUBLE}. */
    public static final VectorSpecies<Long> LONG =
            VectorSpecies.of(long.class, VectorShape.forBitSize(FLOAT.vectorBitSize()));

    /** Shorts in half the preferred width: as many lanes as {@link #FLOAT} (bfloat16 storage). */
    public static final VectorSpecies<Short> HALF_SHORT =
            VectorSpecies.of(short.class, VectorShape.forBitSize(FLOAT.vectorBitSize() / 2));

    /** Ints of the preferred width: as many lanes as {@link #FLOAT}. */
    public static final VectorSpecies<Integer> INT =
            VectorSpecies.of(int.class, VectorShape.forBitSize(FLOAT.vectorBitSize()));

    /**
     * Whether kernels fuse multiply-adds. Vector API {@code fma} is emulated (very slowly) where
     * the CPU lacks it, so it is used only when HotSpot's {@code UseFMA} flag is on;
     * {@code -Dvela.fma=true|false} overrides. Where the flag cannot be read (no jdk.management
     * in the runtime), FMA is assumed on CPUs with 256-bit vectors or more (every such x86 and
     * every AArch64 core has it).
     */
    public static final boolean FMA = decideFma();

    private VectorShapes() {
    }

    private static boolean decideFma() {
        String forced = System.getProperty("vela.fma");
        if (forced != null) {
            return Boolean.parseBoolean(forced);
        }
        try {
            var bean = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            return Boolean.parseBoolean(bean.getVMOption("UseFMA").getValue());
        } catch (LinkageError | RuntimeException e) {
            return FLOAT.vectorBitSize() >= 256 || "aarch64".equals(System.getProperty("os.arch"));
        }
    }

    /** Called reflectively by the provider: bit size, float lanes, and 1 if FMA is used. */
    public static int[] describe() {
        return new int[] {FLOAT.vectorBitSize(), FLOAT.length(), FMA ? 1 : 0};
    }
}
