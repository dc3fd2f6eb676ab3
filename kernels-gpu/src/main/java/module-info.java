/**
 * CUDA paths for Vela's kernels. This module makes restricted (native) calls: run it with
 * {@code --enable-native-access=dev.vela.gpu} (or {@code ALL-UNNAMED} on the class path).
 */
module dev.vela.gpu {
    requires static org.jspecify;

    exports dev.vela.gpu;
}
