package org.pclora.experiments.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pclora.core.PcLoraException;
import org.pclora.core.checkpoint.Checkpoint;
import org.pclora.core.checkpoint.CheckpointChain;
import org.pclora.core.checkpoint.CheckpointReader;
import org.pclora.core.family.TransformerFamily;
import org.pclora.core.model.ClassifierModel;
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
        Path conf = root.confDir().resolve("model").resolve(name + ".conf");
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

    /**
     * A checkpoint loaded into a model, and what the command may tell about it.
     *
     * @param model      the model
     * @param checkpoint what was read (its metadata included)
     * @param family     the model's family
     * @param freshHead  true when the checkpoint holds no classifier of the model's class count
     *                   (the head is a seeded initialisation: its outputs mean nothing)
     * @param provenance the checkpoint's provenance in words, or null when it has none
     */
    record Loaded(ClassifierModel model, Checkpoint checkpoint, ModelFamily family, boolean freshHead, String provenance) {
    }

    /**
     * Loads a checkpoint location (any format a registered family reads, see
     * {@link CheckpointChain}) into the family {@code model} names (with that architecture), or,
     * with {@code model} null, into the family and architecture the checkpoint names. Prints the
     * checkpoint's provenance.
     */
    static ClassifierModel load(PcLoraCli root, String location, String model, String command) {
        Loaded l = read(root, location, model, command);
        if (l.provenance() != null) {
            root.err().println(command + ": " + l.checkpoint().source() + " " + l.provenance());
        }
        return l.model();
    }

    /** As {@link #load}, printing nothing: the caller says what it wants once its inputs are checked. */
    static Loaded read(PcLoraCli root, String location, String model, String command) {
        List<CheckpointReader> readers = new ArrayList<>();
        for (PluginRegistry.Entry e : root.registry().entries(PluginRegistry.Kind.MODEL)) {
            readers.addAll(((ModelFamily) e.plugin()).checkpointReaders());
        }
        String resolved = location.startsWith("maven:") ? location : root.workingDir().resolve(location).toString();
        Checkpoint c;
        try {
            c = CheckpointChain.of(readers).read(resolved, true);
        } catch (PcLoraException e) {
            throw new PcLoraException(command + " " + e.getMessage());
        }
        String json = c.metadata().get(org.pclora.core.io.StateDict.PROVENANCE_KEY);
        String provenance = json == null ? null : org.pclora.core.provenance.Provenance.describe(json);
        ModelFamily f;
        Config architecture = null;
        if (model != null) {
            Config mc = config(root, model);
            f = family(root, mc, command);
            architecture = f.resolve(mc);
        } else if (c.family() == null) {
            throw new PcLoraException(command + ": checkpoint " + c.source() + " names no model family (no pclora"
                    + " metadata, no config.json with model_type beside it); give model=<architecture> (e.g. vit-b16,"
                    + " bert-base or a conf/model option)");
        } else {
            f = root.registry().modelFamily(c.family());
        }
        if (f instanceof TransformerFamily<?> tf) {
            TransformerFamily.Loaded<?> l = tf.load(c, architecture, true, 0);
            return new Loaded((ClassifierModel) l.model(), c, f, l.freshClassifier(), provenance);
        }
        return new Loaded(f.load(c, architecture, true), c, f, false, provenance);
    }
}
