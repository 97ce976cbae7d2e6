package org.pclora.core.env;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the OpenBLAS library that ND4J loaded says of itself: the kernel it chose (its core name,
 * which {@code OPENBLAS_CORETYPE} decides), its version and build, its thread count. Read from the
 * library's own {@code openblas_get_*} functions, which JavaCPP's preset does not map; empty where
 * ND4J runs on another BLAS.
 */
public final class BlasInfo {
    private static volatile NativeLibrary library;
    private static volatile boolean looked;

    private BlasInfo() {
    }

    /** The kernel in force as OpenBLAS names it (e.g. {@code SkylakeX}, {@code Haswell}, {@code Barcelona}). */
    public static Optional<String> coreName() {
        return call("openblas_get_corename");
    }

    /** The build line, e.g. {@code OpenBLAS 0.3.19 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64}. */
    public static Optional<String> config() {
        return call("openblas_get_config");
    }

    /** The library's version, e.g. {@code 0.3.19}, from its build line. */
    public static Optional<String> version() {
        return config().map(c -> c.startsWith("OpenBLAS ") ? c.split(" ")[1] : c);
    }

    /** OpenBLAS's own thread count (what one GEMM may use). */
    public static Optional<Integer> threads() {
        NativeLibrary lib = library();
        if (lib == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(lib.getFunction("openblas_get_num_threads").invokeInt(new Object[0]));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> call(String name) {
        NativeLibrary lib = library();
        if (lib == null) {
            return Optional.empty();
        }
        try {
            Function f = lib.getFunction(name);
            return Optional.ofNullable(f.invokeString(new Object[0], false)).map(String::trim);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The OpenBLAS library ND4J loaded through JavaCPP (loading ND4J first), or null. */
    private static NativeLibrary library() {
        if (!looked) {
            synchronized (BlasInfo.class) {
                if (!looked) {
                    try {
                        Nd4j.getBackend(); // loads libnd4j and, with it, OpenBLAS
                        for (Map.Entry<String, String> e : Loader.getLoadedLibraries().entrySet()) {
                            if (e.getKey().contains("openblas") && e.getValue() != null) {
                                library = NativeLibrary.getInstance(e.getValue());
                                break;
                            }
                        }
                    } catch (UnsatisfiedLinkError | RuntimeException e) {
                        library = null;
                    }
                    looked = true;
                }
            }
        }
        return library;
    }
}
