package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.env.BlasCheck;
import org.pclora.core.env.BlasInfo;

class EnvCommandTest {
    @Test
    @SuppressWarnings("unchecked")
    void jsonNamesTheKernelInForceWhatTheCpuSupportsThreadsCapsAndAMeasuredSgemm(@TempDir Path dir) throws Exception {
        String preset = System.getenv().getOrDefault("OPENBLAS_CORETYPE", "");
        CliRun r = CliRun.of(Map.of("OPENBLAS_CORETYPE", preset), dir, "env", "--json", "--no-compare");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> m = new ObjectMapper().readValue(r.out(), Map.class);
        Map<String, Object> kernel = (Map<String, Object>) m.get("kernel");
        assertEquals(BlasInfo.coreName().orElse("unknown"), kernel.get("in_force"));
        assertEquals(preset, kernel.get("openblas_coretype"));
        assertTrue(String.valueOf(kernel.get("cpu_supports")).startsWith(BlasCheck.cpuLevel(BlasCheck.cpuFlags()).name()));
        assertTrue(String.valueOf(m.get("blas")).startsWith("OpenBLAS 0.3."), String.valueOf(m.get("blas")));
        Map<String, Object> threads = (Map<String, Object>) m.get("threads");
        assertTrue(threads.containsKey("blas") && threads.containsKey("openmp") && threads.containsKey("kernels"));
        Map<String, Object> memory = (Map<String, Object>) m.get("memory");
        assertTrue(((Number) memory.get("resident_cap_bytes")).longValue() > 0);
        Map<String, Object> sgemm = (Map<String, Object>) m.get("sgemm");
        assertEquals("1040x768x3072", sgemm.get("shape"));
        assertTrue(((Number) sgemm.get("gflops")).doubleValue() > 0);
        assertTrue(!sgemm.containsKey("best_kernel_gflops"), "--no-compare measures no other kernel");
        Map<String, Object> numerics = (Map<String, Object>) m.get("numerics");
        assertEquals(kernel.get("in_force"), numerics.get("blas_kernel"));
        // the warning is there exactly when the kernel in force is below the CPU's best
        boolean below = BlasCheck.coreLevel((String) kernel.get("in_force"))
                .compareTo(BlasCheck.cpuLevel(BlasCheck.cpuFlags())) < 0
                && BlasCheck.recommendedCoreType(BlasCheck.cpuFlags()).isPresent();
        assertEquals(below, !String.valueOf(m.get("warning")).isEmpty(), String.valueOf(m.get("warning")));
    }

    @Test
    void textIsOneAlignedLinePerFactWithNestedNamesAndSizesInGiB() {
        String t = EnvCommand.text(new java.util.LinkedHashMap<>(Map.of("memory",
                Map.of("machine_bytes", 3L << 30), "warning", "")));
        assertEquals("memory.machine  3.0 GiB" + System.lineSeparator(), t, "an empty warning prints no line");
    }

    @Test
    void theWhoSetTheKernelLineTellsTheLauncherFromTheEnvironment(@TempDir Path dir) throws Exception {
        String preset = System.getenv().getOrDefault("OPENBLAS_CORETYPE", "");
        CliRun launcher = CliRun.of(Map.of("OPENBLAS_CORETYPE", preset, "PCLORA_CORETYPE_FROM", "launcher"), dir,
                "env", "--no-compare");
        CliRun env = CliRun.of(Map.of("OPENBLAS_CORETYPE", "x"), dir, "env", "--no-compare");
        assertTrue(launcher.out().contains("./pclora, for this CPU") || preset.isBlank(), launcher.out());
        assertTrue(env.out().contains("kernel.set_by") && env.out().contains("the environment"), env.out());
    }
}
