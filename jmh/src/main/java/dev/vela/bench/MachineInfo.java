package dev.vela.bench;

import dev.vela.kernels.Capabilities;
import dev.vela.memory.Memory;
import dev.vela.nativeref.CReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A few lines that say which machine and software a bench run measured. */
final class MachineInfo {

    private MachineInfo() {
    }

    static String describe(Capabilities caps, String implName, String pages) {
        StringBuilder sb = new StringBuilder();
        sb.append("cpu: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores available\n");
        sb.append("jdk: ").append(Runtime.version()).append(" (").append(System.getProperty("java.vm.name")).append(")\n");
        sb.append("vela kernels: ").append(implName).append(" (").append(caps.vectorBitSize()).append("-bit, ")
                .append(caps.floatLanes()).append(" float lanes, FMA ").append(caps.fma() ? "on" : "off").append(")\n");
        sb.append("buffers: ").append(pages.equals("huge") ? Memory.hugePageStatus()
                : "normal pages (--pages normal)").append('\n');
        sb.append("openblas: ").append(openBlas()).append('\n');
        sb.append("c reference: ").append(CReference.isAvailable() ? CReference.buildFlags()
                : "unavailable: " + CReference.unavailableReason()).append('\n');
        return sb.toString();
    }

    /** OpenBLAS's auto-selected kernel, with the environment variables that could force another. */
    private static String openBlas() {
        try {
            String forced = System.getenv("OPENBLAS_CORETYPE");
            return "0.3.28, kernel " + OpenBlas.get().coreName()
                    + (forced == null ? " (auto-selected, OPENBLAS_CORETYPE unset)" : " (OPENBLAS_CORETYPE=" + forced + ")");
        } catch (RuntimeException e) {
            return "unavailable: " + e.getMessage();
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall back to the architecture
        }
        return System.getProperty("os.arch");
    }
}
