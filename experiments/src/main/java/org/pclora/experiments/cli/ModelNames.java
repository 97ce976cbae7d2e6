package org.pclora.experiments.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pclora.core.PcLoraException;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.core.spi.ModelFamily;

/**
 * How commands turn a model name into a model config and its family: a {@code conf/model}
 * option (e.g. {@code vit-mini}) or a named architecture of any family (e.g. {@code bert-base}).
 */
final class ModelNames {
    private ModelNames() {
    }

    /** The {@code conf/model/<name>.conf} file's content when it exists, else {@code arch = <name>}. */
    static Config config(PcLoraCli root, String name) {
        String home = root.env().get("PCLORA_HOME"); // the command's environment, as RunCommand reads it
        Path conf = (home == null || home.isEmpty() ? root.workingDir() : Path.of(home))
                .resolve("conf").resolve("model").resolve(name + ".conf");
        return Files.isRegularFile(conf) ? ConfigFactory.parseFile(conf.toFile()) : ConfigFactory.parseMap(Map.of("arch", name));
    }

    /** Whether {@code name} is a named architecture of some model family (e.g. {@code vit-b16}). */
    static boolean isArchitecture(PcLoraCli root, String name) {
        return root.registry().entries(PluginRegistry.Kind.MODEL).stream()
                .anyMatch(e -> ((ModelFamily) e.plugin()).architectures().contains(name));
    }

    /** The family a model config names ({@code family} key) or whose architectures include its {@code arch}. */
    static ModelFamily family(PcLoraCli root, Config model, String command) {
        String fam = model.hasPath("family") ? model.getString("family") : null;
        String arch = model.hasPath("arch") ? model.getString("arch") : "";
        List<String> known = new ArrayList<>();
        for (PluginRegistry.Entry e : root.registry().entries(PluginRegistry.Kind.MODEL)) {
            ModelFamily f = (ModelFamily) e.plugin();
            if (f.name().equals(fam) || f.architectures().contains(arch)) {
                return f;
            }
            known.addAll(f.architectures());
        }
        throw new PcLoraException(command + ": model '" + (fam != null ? fam : arch) + "' is neither a named architecture"
                + " nor a conf/model option; named architectures: " + String.join(", ", known));
    }
}
