package org.pclora.experiments.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.env.NumericsEnvironment;

/**
 * The machine part of a run's provenance: Java/ND4J/BLAS versions, the OpenBLAS core type asked
 * for and the {@linkplain NumericsEnvironment numerics} in force (kernel, threads, fused kernels), the CPU
 * and the OS (see {@link org.pclora.core.provenance.Provenance}).
 */
public final class RunEnvironment {
    private RunEnvironment() {
    }

    /** The environment as an ordered map (written as JSON). */
    public static Map<String, Object> collect() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("java", System.getProperty("java.vendor") + " " + System.getProperty("java.version"));
        p.put("nd4j", NumericsEnvironment.nd4jVersion());
        Map<String, Object> env = new LinkedHashMap<>();
        try {
            Nd4j.getExecutioner().getEnvironmentInformation().forEach((k, v) -> {
                if (k.equals("blas.vendor") || k.equals("blas.threads") || k.equals("omp.threads") || k.equals("cores")) {
                    env.put(String.valueOf(k), String.valueOf(v));
                }
            });
        } catch (RuntimeException e) {
            env.put("error", String.valueOf(e.getMessage()));
        }
        p.put("backend", env);
        p.put("openblas_coretype", System.getenv().getOrDefault("OPENBLAS_CORETYPE", ""));
        // what decides the last bits (and keys the teacher cache): kernel in force, threads, versions
        p.put("numerics", NumericsEnvironment.facts());
        p.put("cpu", cpuModel());
        p.put("cores", Runtime.getRuntime().availableProcessors());
        p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        return p;
    }

    /** The CPU model name from /proc/cpuinfo, or os.arch elsewhere. */
    public static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String l : lines) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return System.getProperty("os.arch");
    }
}
