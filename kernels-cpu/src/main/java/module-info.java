/**
 * Vela's CPU kernels: SIMD dispatch with a scalar fallback, memory helpers, the parallel loop,
 * and the elementwise and reduction kernels every other module builds on.
 *
 * <p>The incubator module is {@code requires static}: without
 * {@code --add-modules jdk.incubator.vector} everything still works on the scalar path, and one
 * log line says so.
 */
module dev.vela.kernels {
    requires static jdk.incubator.vector;
    requires static jdk.management;
    requires static org.jspecify;

    exports dev.vela.kernels;
    exports dev.vela.memory;
    exports dev.vela.optim;
    exports dev.vela.parallel;
}
