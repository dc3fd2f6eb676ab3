/**
 * Vela's C reference kernels, loaded through FFM for benchmark comparisons. This is the only
 * CPU module that makes restricted calls: run with {@code --enable-native-access=dev.vela.nativeref}
 * (or {@code ALL-UNNAMED} on the class path).
 */
module dev.vela.nativeref {
    requires dev.vela.kernels;
    requires static org.jspecify;

    exports dev.vela.nativeref;
}
