package dev.vela.kernels;

/** The kernel implementations Vela can run on the CPU. */
public enum Implementation {
    /** Plain Java loops; always available. */
    SCALAR,
    /** Vector API (jdk.incubator.vector) loops; needs {@code --add-modules jdk.incubator.vector}. */
    VECTOR
}
