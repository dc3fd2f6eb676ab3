/** Block-wise 8-bit (and 4-bit) quantization and 8-bit optimizer states. */
module dev.vela.quant {
    requires dev.vela.kernels;
    requires static jdk.incubator.vector;
    requires static org.jspecify;

    exports dev.vela.quant;
}
