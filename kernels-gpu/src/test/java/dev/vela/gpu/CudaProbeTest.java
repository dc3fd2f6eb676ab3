package dev.vela.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The probe must give a consistent answer on every machine; the device checks run only where a
 * GPU is present and are skipped with the probe's reason elsewhere.
 */
class CudaProbeTest {

    @Test
    void probeNeverThrowsAndIsConsistent() {
        CudaProbe.Status s = CudaProbe.probe();
        assertEquals(CudaProbe.JCUDA_12_LIBRARIES.length, s.libraries().size());
        if (s.deviceAvailable()) {
            assertTrue(s.driverVersion() > 0);
            assertEquals("", s.reason());
        } else {
            assertFalse(s.reason().isEmpty(), "an unavailable GPU needs a reason");
        }
    }

    @Test
    void withoutADriverLibraryTheReasonNamesIt() {
        boolean driverFileExists = Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libcuda.so.1"))
                || Files.exists(Path.of("/usr/lib64/libcuda.so.1")) || Files.exists(Path.of("/usr/local/cuda/compat/libcuda.so.1"));
        CudaProbe.Status s = CudaProbe.probe();
        if (!s.driverLoaded() && !driverFileExists) {
            assertTrue(s.reason().contains("libcuda.so.1"), s.reason());
        }
    }

    @Test
    void deviceReportsAtLeastOneDevice() {
        CudaProbe.Status s = CudaProbe.probe();
        Assumptions.assumeTrue(s.deviceAvailable(), () -> "GPU test skipped: " + s.reason());
        assertTrue(s.deviceCount() >= 1);
        assertTrue(s.driverVersion() >= 12000, "driver version " + s.driverVersion());
    }
}
