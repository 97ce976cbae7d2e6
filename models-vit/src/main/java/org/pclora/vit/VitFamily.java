package org.pclora.vit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
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
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.LoadReport;
import org.pclora.core.io.Safetensors;
import org.pclora.core.io.SafetensorsFile;
import org.pclora.core.io.StateDict;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.Parameter;
import org.pclora.core.spi.FeatureKind;
import org.pclora.core.spi.ModelFamily;
import org.pclora.vit.data.Bilinear;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.pclora.core.spi.PluginParameter;
import org.pclora.core.spi.PluginParameters;

/**
 * Model family {@code vit}: HF-compatible Vision Transformers.
 *
 * <p>Named architectures (all MLP 4 x width, image 224, patch 16, 3 channels, LayerNorm epsilon
 * 1e-12, qkv bias, 1000 classes): {@code vit-ti16} (width 192, depth 12, 3 heads),
 * {@code vit-s16} (384/12/6), {@code vit-b16} (768/12/12), {@code vit-l16} (1024/24/16).
 *
 * <p>Model config keys: {@code arch} (one of the above, or {@code custom}: vit-b16's values as the
 * base for the sizes given; default {@code vit-b16}), optional {@code family}, and the free sizes {@code image_size}, {@code patch_size}, {@code channels},
 * {@code depth}, {@code width}, {@code heads}, {@code mlp} (default 4 x width),
 * {@code qkv_bias}, {@code layer_norm_eps}, {@code num_classes}, which override the named
 * architecture's values.
 *
 * <p>Checkpoints are safetensors with HF {@code ViTForImageClassification} names, HF
 * {@code ViTModel} names (no {@code vit.} prefix, no head; a pooler is ignored), or this project's
 * exports (compressed layers as {@code X.lora_A.weight} / {@code X.lora_B.weight} /
 * {@code X.lora_B.bias}, architecture in the {@code pclora.architecture} metadata).
 */
public final class VitFamily implements ModelFamily {
    /** The family name. */
    public static final String NAME = "vit";
    /** Architecture used when the model config names none. */
    public static final String DEFAULT_ARCHITECTURE = "vit-b16";
    /** Architecture name for free sizes: vit-b16's values overridden by the keys given. */
    public static final String CUSTOM = "custom";
    /** Metadata key holding the resolved architecture JSON in our exports. */
    public static final String ARCHITECTURE_METADATA = StateDict.ARCHITECTURE_KEY;

    private static final Logger LOG = LoggerFactory.getLogger(VitFamily.class);
    private static final List<String> SIZE_KEYS = List.of("image_size", "patch_size", "channels", "depth", "width",
            "heads", "mlp", "qkv_bias", "layer_norm_eps", "num_classes");
    private static final Map<String, VitConfig> NAMED = new LinkedHashMap<>();

    static {
        named("vit-ti16", 192, 12, 3);
        named("vit-s16", 384, 12, 6);
        named("vit-b16", 768, 12, 12);
        named("vit-l16", 1024, 24, 16);
    }

    private static void named(String name, int width, int depth, int heads) {
        NAMED.put(name, new VitConfig(name, 224, 16, 3, depth, width, heads, 4 * width, true, 1e-12, 1000));
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@code arch} (default vit-b16) and the free sizes, which override the architecture's values. */
    @Override
    public PluginParameters parameters() {
        List<PluginParameter> ps = new ArrayList<>();
        ps.add(PluginParameter.string("arch", DEFAULT_ARCHITECTURE, String.join(", ", NAMED.keySet()) + " or " + CUSTOM));
        for (String k : SIZE_KEYS) {
            PluginParameter.Type t = switch (k) {
                case "qkv_bias" -> PluginParameter.Type.BOOLEAN;
                case "layer_norm_eps" -> PluginParameter.Type.NUMBER;
                default -> PluginParameter.Type.INTEGER;
            };
            ps.add(PluginParameter.optional(k, t, ""));
        }
        return PluginParameters.of(ps);
    }

    @Override
    public String description() {
        return "Vision Transformer (HF ViTForImageClassification layout): vit-ti16, vit-s16, vit-b16, vit-l16 or free sizes";
    }

    @Override
    public List<String> architectures() {
        return List.copyOf(NAMED.keySet());
    }

    /** The named architecture's sizes. */
    public static VitConfig named(String name) {
        VitConfig c = NAMED.get(name);
        if (c == null) {
            throw new PcLoraException("unknown vit architecture '" + name + "': available are "
                    + String.join(", ", NAMED.keySet()) + " and " + CUSTOM + " (free sizes)");
        }
        return c;
    }

    @Override
    public Config resolve(Config model) {
        Set<String> valid = new TreeSet<>(SIZE_KEYS);
        valid.add("arch");
        valid.add("family");
        for (String key : model.root().keySet()) {
            if (!valid.contains(key)) {
                throw new PcLoraException("vit model key '" + key + "' is not known; valid keys are "
                        + String.join(", ", valid));
            }
        }
        try {
            if (model.hasPath("family") && !model.getString("family").equals(NAME)) {
                throw new PcLoraException("model family '" + model.getString("family")
                        + "' was given to the vit family; use family = vit");
            }
            String name = model.hasPath("arch") ? model.getString("arch") : DEFAULT_ARCHITECTURE;
            VitConfig base = name.equals(CUSTOM) ? named(DEFAULT_ARCHITECTURE) : named(name);
            int width = model.hasPath("width") ? model.getInt("width") : base.width();
            return new VitConfig(name,
                    model.hasPath("image_size") ? model.getInt("image_size") : base.imageSize(),
                    model.hasPath("patch_size") ? model.getInt("patch_size") : base.patchSize(),
                    model.hasPath("channels") ? model.getInt("channels") : base.channels(),
                    model.hasPath("depth") ? model.getInt("depth") : base.depth(),
                    width,
                    model.hasPath("heads") ? model.getInt("heads") : base.heads(),
                    model.hasPath("mlp") ? model.getInt("mlp") : 4 * width,
                    model.hasPath("qkv_bias") ? model.getBoolean("qkv_bias") : base.qkvBias(),
                    model.hasPath("layer_norm_eps") ? model.getDouble("layer_norm_eps") : base.layerNormEps(),
                    model.hasPath("num_classes") ? model.getInt("num_classes") : base.numClasses()).toConfig();
        } catch (ConfigException.WrongType e) {
            throw new PcLoraException("vit model config: " + e.getMessage()
                    + "; sizes are integers, qkv_bias true/false, layer_norm_eps a number");
        }
    }

    @Override
    public ClassifierModel create(Config architecture, long seed) {
        return new VitModel(VitConfig.of(architecture), seed);
    }

    @Override
    public Set<FeatureKind> taps() {
        return Set.of(FeatureKind.BLOCK_OUTPUT, FeatureKind.ATTENTION_PROBS, FeatureKind.ADAPTED_LAYER_OUTPUT,
                FeatureKind.LOGITS);
    }

    /** The six linears of every block: query, key, value, attention output, MLP in and out. */
    @Override
    public String defaultTargets() {
        return "vit\\.encoder\\.layer\\.\\d+\\.(attention\\.attention\\.(query|key|value)|attention\\.output\\.dense"
                + "|intermediate\\.dense|output\\.dense)";
    }

    /**
     * Loads a checkpoint into a model of {@code architecture}, or, when {@code architecture} is
     * null, of the checkpoint's own architecture (from our {@code pclora.architecture} metadata
     * or HF's {@code config.json} beside the file). Position embeddings of another grid are
     * resized bilinearly; a head with another class count, or none, is replaced by a freshly
     * initialised one (seed 0) and logged. The checkpoint's structural sizes, when known, must
     * match the architecture's.
     */
    @Override
    public ClassifierModel load(Path checkpoint, Config architecture, boolean strict) {
        SafetensorsFile file = Safetensors.read(checkpoint);
        Optional<VitConfig> source = checkpointConfig(checkpoint, file.metadata(), file.tensors());
        VitConfig target;
        if (architecture == null) {
            target = source.orElseThrow(() -> new PcLoraException("checkpoint " + checkpoint + " has neither "
                    + ARCHITECTURE_METADATA + " metadata nor a config.json beside it; give the architecture"
                    + " (e.g. model=vit-b16 with its sizes)"));
        } else {
            target = VitConfig.of(architecture);
            source.ifPresent(s -> checkCompatible(checkpoint, s, target));
        }
        VitModel model = new VitModel(target, 0L);
        Map<String, INDArray> tensors = adaptTensors(checkpoint, file.tensors(), model);
        LoadReport report = StateDict.load(model, tensors, strict, checkpoint.toString());
        if (!report.clean()) {
            LOG.warn("checkpoint {} loaded non-strictly: {}", checkpoint, report.summary());
        }
        return model;
    }

    /**
     * The architecture a checkpoint describes, without reading its tensors: our
     * {@code pclora.architecture} metadata, else HF's {@code config.json} beside the file.
     */
    public static Optional<Config> checkpointArchitecture(Path checkpoint) {
        return checkpointConfig(checkpoint, Safetensors.readMetadata(checkpoint), Map.of()).map(VitConfig::toConfig);
    }

    private static Optional<VitConfig> checkpointConfig(Path checkpoint, Map<String, String> metadata,
                                                        Map<String, INDArray> tensors) {
        String arch = metadata.get(ARCHITECTURE_METADATA);
        if (arch != null) {
            Config c;
            try {
                c = ConfigFactory.parseString(arch, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
            } catch (ConfigException e) {
                throw new PcLoraException("checkpoint " + checkpoint + ": metadata " + ARCHITECTURE_METADATA
                        + " is not valid JSON (" + e.getMessage() + ")");
            }
            if (c.hasPath("family") && !NAME.equals(c.getString("family"))) {
                throw new PcLoraException("checkpoint " + checkpoint + " holds a '" + c.getString("family")
                        + "' model, not a vit model");
            }
            return Optional.of(VitConfig.of(c));
        }
        Path json = checkpoint.toAbsolutePath().resolveSibling("config.json");
        if (Files.isRegularFile(json)) {
            return Optional.of(fromHfConfig(json, tensors));
        }
        return Optional.empty();
    }

    /**
     * Reads HF's ViT {@code config.json} (keys {@code hidden_size}, {@code num_hidden_layers},
     * {@code num_attention_heads}, {@code intermediate_size}, {@code image_size},
     * {@code patch_size}, {@code num_channels}, {@code qkv_bias}, {@code layer_norm_eps},
     * {@code hidden_act}, {@code id2label}/{@code num_labels}). The class count is the row count
     * of {@code classifier.weight} in {@code tensors} when there is one.
     */
    public static VitConfig fromHfConfig(Path json, Map<String, INDArray> tensors) {
        Config c;
        try {
            c = ConfigFactory.parseFile(json.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON)
                    .setAllowMissing(false));
        } catch (ConfigException e) {
            throw new PcLoraException("HF config " + json + " cannot be read as JSON: " + e.getMessage());
        }
        try {
            if (c.hasPath("model_type") && !c.getString("model_type").equals("vit")) {
                throw new PcLoraException("HF config " + json + " has model_type '" + c.getString("model_type")
                        + "'; the vit family loads model_type vit");
            }
            String act = c.hasPath("hidden_act") ? c.getString("hidden_act") : "gelu";
            if (!act.equals("gelu")) {
                throw new PcLoraException("HF config " + json + " has hidden_act '" + act
                        + "'; the vit family implements the exact (erf) gelu only");
            }
            for (String k : List.of("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                    "image_size", "patch_size")) {
                if (!c.hasPath(k)) {
                    throw new PcLoraException("HF config " + json + " lacks '" + k + "', which a ViT config must give");
                }
            }
            int classes;
            INDArray head = tensors.get("classifier.weight");
            if (head != null) {
                classes = (int) head.size(0);
            } else if (c.hasPath("id2label")) {
                classes = c.getObject("id2label").size();
            } else if (c.hasPath("num_labels")) {
                classes = c.getInt("num_labels");
            } else {
                classes = 1000;
            }
            return new VitConfig(CUSTOM, c.getInt("image_size"), c.getInt("patch_size"),
                    c.hasPath("num_channels") ? c.getInt("num_channels") : 3, c.getInt("num_hidden_layers"),
                    c.getInt("hidden_size"), c.getInt("num_attention_heads"), c.getInt("intermediate_size"),
                    !c.hasPath("qkv_bias") || c.getBoolean("qkv_bias"),
                    c.hasPath("layer_norm_eps") ? c.getDouble("layer_norm_eps") : 1e-12, classes);
        } catch (ConfigException.WrongType e) {
            throw new PcLoraException("HF config " + json + ": " + e.getMessage());
        }
    }

    private static void checkCompatible(Path checkpoint, VitConfig s, VitConfig t) {
        List<String> diffs = new ArrayList<>();
        diff(diffs, "patch_size", s.patchSize(), t.patchSize());
        diff(diffs, "channels", s.channels(), t.channels());
        diff(diffs, "depth", s.depth(), t.depth());
        diff(diffs, "width", s.width(), t.width());
        diff(diffs, "heads", s.heads(), t.heads());
        diff(diffs, "mlp", s.mlp(), t.mlp());
        diff(diffs, "qkv_bias", s.qkvBias(), t.qkvBias());
        if (!diffs.isEmpty()) {
            throw new PcLoraException("checkpoint " + checkpoint + " does not fit the architecture " + t.name() + ": "
                    + String.join(", ", diffs) + "; choose the architecture the checkpoint was made with");
        }
        if (s.layerNormEps() != t.layerNormEps()) {
            LOG.warn("checkpoint {} was made with layer_norm_eps {}; the model uses {}", checkpoint, s.layerNormEps(),
                    t.layerNormEps());
        }
    }

    private static void diff(List<String> diffs, String key, Object checkpoint, Object arch) {
        if (!checkpoint.equals(arch)) {
            diffs.add(key + " " + checkpoint + " in the checkpoint vs " + arch);
        }
    }

    /**
     * Renames HF ViTModel tensors to the classification layout, drops a pooler, resizes the
     * position embeddings to the model's grid and keeps the model's own head where the
     * checkpoint has none or one of another class count.
     */
    static Map<String, INDArray> adaptTensors(Path checkpoint, Map<String, INDArray> in, VitModel model) {
        VitConfig cfg = model.config();
        Map<String, INDArray> out = new LinkedHashMap<>();
        List<String> dropped = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : in.entrySet()) {
            String name = e.getKey();
            if (name.startsWith("embeddings.") || name.startsWith("encoder.") || name.startsWith("layernorm.")
                    || name.startsWith("pooler.")) {
                name = "vit." + name;
            }
            if (name.startsWith("vit.pooler.")) {
                dropped.add(e.getKey());
                continue;
            }
            out.put(name, e.getValue());
        }
        if (!dropped.isEmpty()) {
            LOG.info("checkpoint {}: ignoring the ViTModel pooler {}", checkpoint, dropped);
        }
        String posName = "vit.embeddings.position_embeddings";
        INDArray pos = out.get(posName);
        if (pos != null && pos.rank() == 3 && pos.size(2) == cfg.width() && pos.size(1) != cfg.tokens()) {
            long n = pos.size(1) - 1;
            int g = (int) Math.round(Math.sqrt(n));
            if (n < 1 || (long) g * g != n) {
                throw new PcLoraException("checkpoint " + checkpoint + ": " + posName + " has " + pos.size(1)
                        + " positions, not 1 + a square grid; it cannot be resized to " + cfg.tokens());
            }
            LOG.info("checkpoint {}: resizing position embeddings from a {}x{} to a {}x{} patch grid (bilinear)",
                    checkpoint, g, g, cfg.grid(), cfg.grid());
            out.put(posName, interpolatePositions(pos, cfg.grid()));
        }
        INDArray head = out.get("classifier.weight");
        boolean replace = head == null || head.rank() != 2 || head.size(0) != cfg.numClasses();
        if (replace) {
            if (head == null) {
                LOG.info("checkpoint {} has no classifier: using a new {}-class head", checkpoint, cfg.numClasses());
            } else {
                LOG.info("checkpoint {} has a {}-class classifier: replaced by a new {}-class head", checkpoint,
                        head.size(0), cfg.numClasses());
            }
            out.remove("classifier.weight");
            out.remove("classifier.bias");
            // The model's own fresh head goes in under the head's names so that a strict load
            // does not count it as missing.
            for (Parameter p : model.parameters()) {
                if (p.name().startsWith("classifier.")) {
                    out.put(p.name(), p.value().dup());
                }
            }
        }
        return out;
    }

    /**
     * Position embeddings [1, 1 + g*g, D] resized to [1, 1 + n*n, D]: the class-token row is
     * kept and the patch grid is resampled bilinearly (half-pixel centres, as PyTorch's
     * {@code interpolate(mode="bilinear", align_corners=False)}).
     */
    public static INDArray interpolatePositions(INDArray pos, int newGrid) {
        int d = (int) pos.size(2);
        int g = (int) Math.round(Math.sqrt(pos.size(1) - 1));
        double[] flat = pos.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
        double[] src = new double[d * g * g];
        // Rows 1..g*g of [T, D] become D planes of g x g.
        for (int p = 0; p < g * g; p++) {
            for (int c = 0; c < d; c++) {
                src[c * g * g + p] = flat[(1 + p) * d + c];
            }
        }
        double[] dst = new double[d * newGrid * newGrid];
        new Bilinear(g, g, newGrid, newGrid).apply(src, 0, dst, 0, d);
        int t = 1 + newGrid * newGrid;
        double[] out = new double[t * d];
        System.arraycopy(flat, 0, out, 0, d);
        for (int p = 0; p < newGrid * newGrid; p++) {
            for (int c = 0; c < d; c++) {
                out[(1 + p) * d + c] = dst[c * newGrid * newGrid + p];
            }
        }
        return Nd4j.create(out, new long[] {1, t, d}, org.nd4j.linalg.api.buffer.DataType.DOUBLE).castTo(pos.dataType());
    }
}
