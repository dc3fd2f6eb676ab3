package dev.vela.kernels;

import dev.vela.internal.simd.SimdProvider;

/**
 * What this JVM gives Vela: the implementation chosen at start-up and why.
 *
 * @param implementation the implementation {@link FloatKernels#get()} uses
 * @param vectorAvailable whether the Vector API implementation can be created at all
 * @param vectorBitSize preferred vector size in bits (0 when the Vector API is unavailable)
 * @param floatLanes float lanes per preferred vector (0 when unavailable)
 * @param fma whether the vector kernels fuse multiply-adds
 * @param javaVersion the running JDK
 * @param reason one sentence: why this implementation was chosen
 */
public record Capabilities(
        Implementation implementation,
        boolean vectorAvailable,
        int vectorBitSize,
        int floatLanes,
        boolean fma,
        String javaVersion,
        String reason) {

    /** The capabilities of this JVM, decided once. */
    public static Capabilities current() {
        return SimdProvider.capabilities();
    }
}
