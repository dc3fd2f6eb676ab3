package dev.vela.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.junit.jupiter.api.Test;

/**
 * Fails the run when the implementation chosen at start-up is not the one this surefire
 * execution expects ({@code -Dvela.test.expectImpl}): the default run must be on the Vector
 * API, the run without {@code --add-modules jdk.incubator.vector} and the run with
 * {@code -Dvela.simd=scalar} on the scalar path, and the kernels must work in each.
 */
class ActiveImplementationTest {

    @Test
    void theExpectedImplementationIsActiveAndWorks() {
        String expected = System.getProperty("vela.test.expectImpl");
        assertNotNull(expected, "surefire must set vela.test.expectImpl");
        Capabilities caps = Capabilities.current();
        FloatKernels k = FloatKernels.get();
        assertEquals(Implementation.valueOf(expected), caps.implementation(), "capabilities: " + caps);
        assertEquals(Implementation.valueOf(expected), k.implementation());

        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
        float[] y = new float[x.length];
        k.axpy(2f, x, y);
        assertEquals(2 * 153.0, k.sum(y));
        assertEquals(Math.sqrt(1785.0), k.norm2(x), 1e-12);
    }

    @Test
    void withoutTheIncubatorModuleTheReasonSaysHowToEnableIt() {
        Capabilities caps = Capabilities.current();
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            assertEquals(false, caps.vectorAvailable());
            org.junit.jupiter.api.Assertions.assertTrue(
                    caps.reason().contains("--add-modules jdk.incubator.vector"), caps.reason());
        } else if ("scalar".equals(System.getProperty("vela.simd"))) {
            assertEquals("forced by -Dvela.simd=scalar", caps.reason());
        }
    }
}
