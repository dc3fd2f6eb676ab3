package dev.vela.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Finds out, without crashing, what CUDA this machine offers: whether the driver library loads,
 * its version, how many devices it sees, and which of the CUDA 12 libraries that JCuda 12.0.0
 * binds against ({@code libnvrtc.so.12}, {@code libcublas.so.12}) can be loaded. The driver is
 * called directly through FFM, so the answer does not depend on JCuda's natives matching the
 * installed CUDA version.
 */
// Restricted FFM calls are this module's purpose (DESIGN principle 11); users enable them
// with --enable-native-access, as the module documentation says.
@SuppressWarnings("restricted")
public final class CudaProbe {

    /** Libraries JCuda 12.0.0's natives need besides the driver. */
    public static final String[] JCUDA_12_LIBRARIES = {"libnvrtc.so.12", "libcublas.so.12"};

    private static final String DRIVER = "libcuda.so.1";

    /**
     * What the probe found.
     *
     * @param driverLoaded whether {@code libcuda.so.1} loaded and {@code cuInit} succeeded
     * @param driverVersion the driver's CUDA version as CUDA encodes it (12040 = 12.4), 0 if unknown
     * @param deviceCount devices the driver sees (0 without a driver)
     * @param libraries each CUDA library JCuda needs, mapped to whether it loads
     * @param reason why no device can be used, or an empty string when one can
     */
    public record Status(boolean driverLoaded, int driverVersion, int deviceCount,
                         Map<String, Boolean> libraries, String reason) {

        /** Whether at least one CUDA device can be used through the driver. */
        public boolean deviceAvailable() {
            return driverLoaded && deviceCount > 0;
        }
    }

    private CudaProbe() {
    }

    /** Probes the machine; never throws. */
    public static Status probe() {
        Map<String, Boolean> libs = new LinkedHashMap<>();
        for (String lib : JCUDA_12_LIBRARIES) {
            libs.put(lib, loads(lib));
        }
        Arena arena = Arena.ofAuto();
        SymbolLookup driver;
        try {
            driver = SymbolLookup.libraryLookup(DRIVER, arena);
        } catch (IllegalCallerException e) {
            return new Status(false, 0, 0, libs, "native access is not enabled: add "
                    + "--enable-native-access=dev.vela.gpu (or ALL-UNNAMED on the class path)");
        } catch (IllegalArgumentException e) {
            return new Status(false, 0, 0, libs, DRIVER + " (the NVIDIA driver) is not installed on this machine");
        }
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle cuInit = linker.downcallHandle(driver.find("cuInit").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            MethodHandle version = linker.downcallHandle(driver.find("cuDriverGetVersion").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MethodHandle count = linker.downcallHandle(driver.find("cuDeviceGetCount").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            int v = (int) version.invokeExact(out) == 0 ? out.get(ValueLayout.JAVA_INT, 0) : 0;
            int rc = (int) cuInit.invokeExact(0);
            if (rc != 0) {
                return new Status(false, v, 0, libs, "cuInit failed with CUresult " + rc
                        + (rc == 100 ? " (CUDA_ERROR_NO_DEVICE)" : ""));
            }
            int devices = (int) count.invokeExact(out) == 0 ? out.get(ValueLayout.JAVA_INT, 0) : 0;
            return new Status(true, v, devices, libs, devices > 0 ? "" : "the driver sees no CUDA device");
        } catch (Throwable t) {
            return new Status(false, 0, 0, libs, "probing " + DRIVER + " failed: " + t);
        }
    }

    private static boolean loads(String library) {
        try {
            SymbolLookup.libraryLookup(library, Arena.ofAuto());
            return true;
        } catch (IllegalArgumentException | IllegalCallerException e) {
            return false;
        }
    }

    /** Prints the probe's findings: {@code java -cp ... dev.vela.gpu.CudaProbe}. */
    public static void main(String[] args) {
        Status s = probe();
        System.out.println("CUDA driver loaded: " + s.driverLoaded() + ", version " + s.driverVersion()
                + ", devices " + s.deviceCount());
        s.libraries().forEach((lib, ok) -> System.out.println(lib + ": " + (ok ? "loads" : "missing")));
        if (!s.reason().isEmpty()) {
            System.out.println("GPU paths unavailable: " + s.reason());
        }
    }
}
