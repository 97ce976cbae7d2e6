package org.pclora.experiments.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How a result was made, recorded in every run directory and every export: git commit, seed,
 * plugin names and versions, Java/ND4J/BLAS versions, OpenBLAS core type and the CPU.
 */
public final class Provenance {
    private Provenance() {
    }

    /** Provenance as an ordered map (written as JSON). */
    public static Map<String, Object> collect(long seed, Map<String, String> pluginsUsed) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("git_commit", gitCommit());
        p.put("seed", seed);
        p.put("plugins", new LinkedHashMap<>(pluginsUsed));
        p.put("java", System.getProperty("java.vendor") + " " + System.getProperty("java.version"));
        p.put("nd4j", nd4jVersion());
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
        p.put("cpu", cpuModel());
        p.put("cores", Runtime.getRuntime().availableProcessors());
        p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        return p;
    }

    /** The ND4J version from its jar manifest, or the pinned version when the manifest lacks it. */
    public static String nd4jVersion() {
        Package pkg = Nd4j.class.getPackage();
        String v = pkg == null ? null : pkg.getImplementationVersion();
        return v == null ? "1.0.0-M2.1" : v;
    }

    /** HEAD of the project's git checkout (PCLORA_HOME or the working directory), or "unknown". */
    public static String gitCommit() {
        String home = System.getenv().getOrDefault("PCLORA_HOME", ".");
        try {
            Process pr = new ProcessBuilder("git", "-C", home, "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(pr.getInputStream().readAllBytes()).trim();
            if (pr.waitFor() == 0 && out.matches("[0-9a-f]{40}")) {
                Process st = new ProcessBuilder("git", "-C", home, "status", "--porcelain", "--untracked-files=no")
                        .redirectErrorStream(true).start();
                String dirty = new String(st.getInputStream().readAllBytes()).trim();
                st.waitFor();
                return dirty.isEmpty() ? out : out + "-dirty";
            }
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
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
