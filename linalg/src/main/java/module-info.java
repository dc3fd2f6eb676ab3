/** Dense matrix views and kernels, sampled matmul, Hessian-diagonal estimation. */
module dev.vela.linalg {
    requires dev.vela.kernels;
    requires static jdk.incubator.vector;
    requires static org.jspecify;

    exports dev.vela.linalg;
}
