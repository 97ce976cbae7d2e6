package org.pclora.core.env;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.kernels.Kernels;

/**
 * What decides a computation's last bits on this machine: the BLAS library, the kernel OpenBLAS
 * runs (which {@code OPENBLAS_CORETYPE} picks), its thread count, ND4J's version and whether the
 * project's fused Vector-API kernels run and with how many lanes, and the engine's other switches.
 *
 * <p>Under OpenBLAS's Haswell kernel a float32 product's elements change in the last bits with the
 * number of BLAS threads and with how the rows are split between them (measured: 11,701 of 74,880
 * elements of a 585x128x128 product differ between 1 and 2 threads; none under SkylakeX). So these
 * facts key the teacher cache and go into every run's provenance; see docs/performance.md,
 * "Numerics under each BLAS kernel".
 */
public final class NumericsEnvironment {
    private NumericsEnvironment() {
    }

    /**
     * The facts as an ordered map of strings: {@code blas} (library and version), {@code blas_kernel}
     * (the core name OpenBLAS reports), {@code blas_threads}, {@code nd4j}, {@code fused_kernels}, then
     * the {@linkplain EngineSettings engine settings} under their property names.
     */
    public static Map<String, String> facts() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("blas", BlasInfo.version().map(v -> "OpenBLAS " + v).orElse(blasVendor()));
        f.put("blas_kernel", BlasInfo.coreName().orElse("unknown"));
        f.put("blas_threads", BlasInfo.threads().map(String::valueOf)
                .orElse(String.valueOf(Nd4j.factory().blas().getMaxThreads())));
        f.put("nd4j", nd4jVersion());
        f.put("fused_kernels", Kernels.enabled() ? "on, " + Kernels.lanes() + " float lanes" : "off");
        // the engine's switches (fused attention, the rank-space and split inference paths, ...):
        // each changes which arithmetic runs
        EngineSettings.current().asMap().forEach((k, v) -> f.put(k, String.valueOf(v)));
        return f;
    }

    /** ND4J's version from its jar manifest, or the pinned version when the manifest lacks it. */
    public static String nd4jVersion() {
        Package pkg = Nd4j.class.getPackage();
        String v = pkg == null ? null : pkg.getImplementationVersion();
        return v == null ? "1.0.0-M2.1" : v;
    }

    private static String blasVendor() {
        try {
            Object v = Nd4j.getExecutioner().getEnvironmentInformation().get("blas.vendor");
            return v == null ? "unknown" : String.valueOf(v);
        } catch (RuntimeException e) {
            return "unknown";
        }
    }
}
