/** Sparse matrices and iterative solvers: SOR, CG/PCG, DCDM, Sinkhorn. */
module dev.vela.solvers {
    requires dev.vela.kernels;
    requires dev.vela.linalg;
    requires static org.jspecify;

    exports dev.vela.solvers;
}
