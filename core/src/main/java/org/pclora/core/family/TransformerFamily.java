package org.pclora.core.family;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.PcLoraException;
import org.pclora.core.checkpoint.Checkpoint;
import org.pclora.core.checkpoint.CheckpointChain;
import org.pclora.core.checkpoint.HfConfig;
import org.pclora.core.io.LoadReport;
import org.pclora.core.io.Safetensors;
import org.pclora.core.io.StateDict;
import org.pclora.core.model.TransformerClassifier;
import org.pclora.core.nn.Parameter;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.spi.ModelFamily;
import org.pclora.core.spi.PluginParameter;
import org.pclora.core.spi.PluginParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model kit's family: everything a transformer family does alike, written once. A family
 * declares its named architectures, its config keys, how a config becomes its typed sizes, its
 * HF {@code config.json} keys and tensor names, and builds its model on
 * {@link TransformerClassifier}; this class resolves configs, reads checkpoints through the
 * {@link CheckpointChain}, checks a checkpoint's sizes against the architecture, renames
 * tensors and replaces a head of another class count (or none) by the model's fresh one.
 *
 * @param <M> the family's model class
 */
public abstract class TransformerFamily<M extends TransformerClassifier> implements ModelFamily {
    private static final Logger LOG = LoggerFactory.getLogger(TransformerFamily.class);
    /** Parameter-name prefix of the task head, replaced when the checkpoint's does not fit. */
    protected static final String HEAD = "classifier.";

    private final String name;
    private final String defaultArchitecture;
    private final String customBase;
    private final Map<String, Config> named;
    private final Map<String, PluginParameter.Type> types;

    /**
     * @param name                the family name ({@code model_type} in HF configs)
     * @param defaultArchitecture used when a config names none ({@code custom} allowed)
     * @param customBase          named architecture whose values {@code custom} starts from, or
     *                            null when {@code custom} must give its sizes
     * @param named               named architectures: the keys each sets
     * @param keys                every key a model config may set (besides family and arch), with its type
     */
    protected TransformerFamily(String name, String defaultArchitecture, String customBase,
                                Map<String, Map<String, Object>> named, Map<String, PluginParameter.Type> keys) {
        this.name = name;
        this.defaultArchitecture = defaultArchitecture;
        this.customBase = customBase;
        this.named = new LinkedHashMap<>();
        named.forEach((k, v) -> this.named.put(k, ConfigFactory.parseMap(v)));
        this.types = new java.util.TreeMap<>(keys);
    }

    /** The resolved config of {@code merged} (named values under the user's), via the typed sizes. */
    protected abstract Config complete(Config merged, String arch);

    /** A fresh model of a resolved architecture. */
    protected abstract M build(Config architecture, long seed);

    /** HF {@code config.json} keys and the model-config keys they give, e.g. hidden_size to width. */
    protected abstract Map<String, String> hfKeys();

    /** Model-config keys a checkpoint must agree on with the architecture it is loaded into. */
    protected abstract List<String> structuralKeys();

    /** The model's name of a checkpoint tensor, or null to skip it (e.g. a pooler the model lacks). */
    protected abstract String tensorName(String checkpointName);

    /** Whether a (renamed) tensor is a pre-training head, present and unused by a classifier. */
    protected boolean unusedHead(String tensorName) {
        return false;
    }

    /** Family-specific changes to the renamed tensors before loading (e.g. resizing positions). */
    protected Map<String, INDArray> adapt(String source, Map<String, INDArray> tensors, M model) {
        return tensors;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * {@code arch} (default the family's default architecture) and every declared key, optional:
     * what the plugin registry checks a model group against before the family sees it.
     */
    @Override
    public PluginParameters parameters() {
        List<PluginParameter> ps = new ArrayList<>();
        ps.add(PluginParameter.string("arch", defaultArchitecture, String.join(", ", named.keySet()) + " or custom"));
        types.forEach((k, t) -> ps.add(PluginParameter.optional(k, t, "")));
        return PluginParameters.of(ps);
    }

    @Override
    public List<String> architectures() {
        return List.copyOf(named.keySet());
    }

    @Override
    public Set<FeatureKind> taps() {
        return TransformerClassifier.TAPS;
    }

    /** The keys a named architecture sets; an unknown name lists the accepted ones. */
    protected Config namedKeys(String arch) {
        Config c = named.get(arch);
        if (c == null) {
            throw new PcLoraException("unknown " + name + " architecture '" + arch + "': available are "
                    + String.join(", ", named.keySet()) + " and custom (free sizes)");
        }
        return c;
    }

    private Config customBase() {
        return customBase == null ? ConfigFactory.empty() : namedKeys(customBase);
    }

    @Override
    public Config resolve(Config model) {
        // the keys and their types, as declared once by parameters(); family is the selector and
        // name the old spelling of arch in exports' metadata
        parameters().check("model family '" + name + "'", "model", model.withoutPath("family").withoutPath("name"));
        try {
            if (model.hasPath("family") && !model.getString("family").equals(name)) {
                throw new PcLoraException("model family '" + model.getString("family") + "' was given to the " + name
                        + " family; use family = " + name);
            }
            // "name" is the old spelling of "arch" in exports' metadata.
            String arch = model.hasPath("arch") ? model.getString("arch")
                    : model.hasPath("name") ? model.getString("name") : defaultArchitecture;
            Config base = arch.equals("custom") ? customBase() : namedKeys(arch);
            return complete(model.withoutPath("family").withoutPath("arch").withoutPath("name").withFallback(base),
                    arch);
        } catch (ConfigException e) {
            throw new PcLoraException(name + " model config: " + e.getMessage());
        }
    }

    /**
     * The model config a HF {@code config.json} describes (arch custom); the class count is the
     * row count of {@code classifier.weight} when the tensors hold one, else {@code id2label}'s
     * size or {@code num_labels}.
     */
    public Config fromHfConfig(Path json, Map<String, INDArray> tensors) {
        Config c = HfConfig.read(json);
        try {
            if (c.hasPath("model_type") && !c.getString("model_type").equals(name)) {
                throw new PcLoraException("checkpoint config " + json + " has model_type '" + c.getString("model_type")
                        + "'; the " + name + " family loads model_type " + name);
            }
            String act = c.hasPath("hidden_act") ? c.getString("hidden_act") : "gelu";
            if (!act.equals("gelu")) {
                throw new PcLoraException("checkpoint config " + json + " uses hidden_act '" + act
                        + "': only gelu (exact erf form) is implemented");
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("arch", "custom");
            hfKeys().forEach((hf, own) -> {
                if (c.hasPath(hf)) {
                    m.put(own, c.getValue(hf).unwrapped());
                }
            });
            INDArray head = tensors.get(HEAD + "weight");
            if (head != null && head.rank() == 2) {
                m.put("num_classes", (int) head.size(0));
            } else if (c.hasPath("id2label")) {
                m.put("num_classes", c.getObject("id2label").size());
            } else if (c.hasPath("num_labels")) {
                m.put("num_classes", c.getInt("num_labels"));
            }
            return resolve(ConfigFactory.parseMap(m).withFallback(customBase()));
        } catch (ConfigException e) {
            throw new PcLoraException("checkpoint config " + json + ": " + e.getMessage());
        }
    }

    /**
     * The architecture a safetensors checkpoint describes without reading its tensors: our
     * {@code pclora.architecture} metadata, else a {@code config.json} beside it.
     */
    public Optional<Config> architectureOf(Path checkpoint) {
        String json = Safetensors.readMetadata(checkpoint).get(StateDict.ARCHITECTURE_KEY);
        if (json != null) {
            return Optional.of(resolve(ConfigFactory.parseString(json)));
        }
        Path hf = checkpoint.toAbsolutePath().resolveSibling("config.json");
        return Files.isRegularFile(hf) ? Optional.of(fromHfConfig(hf, Map.of())) : Optional.empty();
    }

    @Override
    public M create(Config architecture, long seed) {
        return build(architecture, seed);
    }

    @Override
    public M load(Path checkpoint, Config architecture, boolean strict) {
        return load(read(checkpoint.toString(), strict), architecture, strict);
    }

    @Override
    public M load(Path checkpoint, Config architecture, boolean strict, long headSeed) {
        Loaded<M> l = load(read(checkpoint.toString(), strict), architecture, strict, headSeed);
        LOG.info("{}", l.summary());
        return l.model();
    }

    @Override
    public M load(Checkpoint checkpoint, Config architecture, boolean strict) {
        Loaded<M> l = load(checkpoint, architecture, strict, 0);
        LOG.info("{}", l.summary());
        return l.model();
    }

    /** Reads a location through core's readers and this family's. */
    public Checkpoint read(String location, boolean strict) {
        return CheckpointChain.of(checkpointReaders()).read(location, strict);
    }

    /**
     * A loaded model and what loading found.
     *
     * @param model       the model
     * @param source      where the weights came from
     * @param report      the state-dict report (a fresh head counted as present)
     * @param freshHead   true when the checkpoint's head was missing or of another class count
     * @param unusedHeads pre-training head tensors present in the checkpoint and not used
     * @param skipped     other checkpoint tensors not read
     * @param <M>         model class
     */
    public record Loaded<M>(M model, String source, LoadReport report, boolean freshHead,
                            Map<String, INDArray> unusedHeads, List<String> skipped) {
        /** Whether the classifier keeps its seeded initialisation. */
        public boolean freshClassifier() {
            return freshHead;
        }

        /** One line for logs. */
        public String summary() {
            return "loaded " + source + ": " + report.summary() + (freshHead ? ", classifier initialised fresh" : "")
                    + (unusedHeads.isEmpty() ? "" : ", present and unused " + unusedHeads.keySet())
                    + (skipped.isEmpty() ? "" : ", skipped " + skipped);
        }
    }

    /**
     * Loads a checkpoint into a model of {@code architecture}, or with null of the checkpoint's own
     * (metadata or config.json). The checkpoint's structural sizes, when known, must match. A head
     * that is missing or of another class count is replaced by the model's seeded one; everything
     * else follows {@code strict}.
     */
    public Loaded<M> load(Checkpoint c, Config architecture, boolean strict, long seed) {
        if (c.family() != null && !c.family().equals(name)) {
            throw new PcLoraException("checkpoint " + c.source() + " holds a '" + c.family() + "' model, not a " + name
                    + " model");
        }
        Config own = c.architecture() != null ? resolve(c.architecture())
                : c.hfConfig() != null ? fromHfConfig(c.hfConfig(), c.tensors()) : null;
        Config target;
        if (architecture == null) {
            if (own == null) {
                throw new PcLoraException("checkpoint " + c.source() + " has neither " + StateDict.ARCHITECTURE_KEY
                        + " metadata nor a config.json beside it; give the architecture (model=, e.g. one of "
                        + String.join(", ", named.keySet()) + ")");
            }
            target = own;
        } else {
            target = architecture;
            if (own != null) {
                checkCompatible(c, own, target);
            }
        }
        M model = build(target, seed);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        Map<String, INDArray> unused = new LinkedHashMap<>(c.unusedHeads());
        List<String> skipped = new ArrayList<>(c.skipped());
        c.tensors().forEach((n, t) -> {
            String renamed = tensorName(n);
            if (renamed == null) {
                skipped.add(n);
            } else if (unusedHead(renamed)) {
                unused.put(renamed, t);
            } else {
                tensors.put(renamed, t);
            }
        });
        Map<String, INDArray> adapted = adapt(c.source(), tensors, model);
        boolean fresh = replaceHead(c.source(), adapted, model, target.getInt("num_classes"));
        LoadReport report = StateDict.load(model, adapted, strict, "checkpoint " + c.source());
        return new Loaded<>(model, c.source(), report, fresh, unused, skipped);
    }

    private static boolean replaceHead(String source, Map<String, INDArray> tensors, TransformerClassifier model,
                                       int classes) {
        INDArray head = tensors.get(HEAD + "weight");
        if (head != null && head.rank() == 2 && head.size(0) == classes) {
            return false;
        }
        // Said once by the caller (the load summary's "classifier initialised fresh", infer's warning).
        LOG.debug("checkpoint {} has {}: using a new {}-class head", source,
                head == null ? "no classifier" : "a " + head.size(0) + "-class classifier", classes);
        tensors.keySet().removeIf(k -> k.startsWith(HEAD));
        // The model's own fresh head goes in under the head's names so a strict load counts it present.
        for (Parameter p : model.parameters()) {
            if (p.name().startsWith(HEAD)) {
                tensors.put(p.name(), p.value().dup());
            }
        }
        return true;
    }

    private void checkCompatible(Checkpoint c, Config own, Config target) {
        Map<String, String> hfName = new LinkedHashMap<>();
        if (c.architecture() == null) {
            hfKeys().forEach((hf, k) -> hfName.put(k, hf));
        }
        List<String> diffs = new ArrayList<>();
        for (String k : structuralKeys()) {
            ConfigValue a = own.getValue(k);
            ConfigValue b = target.getValue(k);
            if (!a.unwrapped().equals(b.unwrapped())) {
                diffs.add(k + (hfName.containsKey(k) ? " (" + hfName.get(k) + ")" : "") + " = " + a.unwrapped()
                        + " in the checkpoint vs " + b.unwrapped());
            }
        }
        if (!diffs.isEmpty()) {
            throw new PcLoraException("checkpoint " + c.source() + " does not fit the architecture "
                    + target.getString("arch") + ": " + String.join(", ", diffs)
                    + "; choose the architecture the checkpoint was made with");
        }
        if (own.hasPath("layer_norm_eps") && own.getDouble("layer_norm_eps") != target.getDouble("layer_norm_eps")) {
            LOG.warn("checkpoint {} was made with layer_norm_eps {}; the model uses {}", c.source(),
                    own.getDouble("layer_norm_eps"), target.getDouble("layer_norm_eps"));
        }
    }
}
