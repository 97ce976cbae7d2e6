package org.pclora.bert;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pclora.core.PcLoraException;

/**
 * The sizes of one BERT ({@code BertForSequenceClassification} of HF transformers), as read from
 * and written to a resolved architecture config. Keys: {@code family} ({@code bert}), {@code arch} (read also as the old {@code name}),
 * {@code depth} (layers), {@code width} (hidden size), {@code heads}, {@code mlp} (intermediate
 * size), {@code vocab_size}, {@code max_positions}, {@code type_vocab_size}, {@code layer_norm_eps},
 * {@code hidden_dropout}, {@code attention_dropout}, {@code num_classes}, and for the data side
 * {@code max_length} (word pieces per example), {@code vocab} (tokenizer vocabulary) and
 * {@code lower_case}.
 *
 * @param name             architecture name (e.g. {@code bert-base}, or {@code custom})
 * @param depth            number of encoder layers
 * @param width            hidden size D
 * @param heads            attention heads; must divide the width
 * @param mlp              intermediate size of the feed-forward part
 * @param vocabSize        rows of the word-embedding table
 * @param maxPositions     rows of the position-embedding table
 * @param typeVocabSize    rows of the token-type table
 * @param layerNormEps     epsilon of every LayerNorm
 * @param hiddenDropout    dropout on embeddings, sub-layer outputs and before the classifier
 * @param attentionDropout dropout on attention probabilities
 * @param numClasses       classes of the head
 * @param maxLength        word pieces per example the data side produces (at most maxPositions)
 * @param vocab            tokenizer vocabulary ({@code embedded:uncased}, a vocab.txt or tokenizer.json)
 * @param lowerCase        whether a vocab.txt tokenizer lower-cases and strips accents
 */
public record BertConfig(String name, int depth, int width, int heads, int mlp, int vocabSize, int maxPositions,
                         int typeVocabSize, double layerNormEps, double hiddenDropout, double attentionDropout,
                         int numClasses, int maxLength, String vocab, boolean lowerCase) {

    /** Checks the sizes; a bad one raises PcLoraException naming the key. */
    public BertConfig {
        positive("depth", depth);
        positive("width", width);
        positive("heads", heads);
        positive("mlp", mlp);
        positive("vocab_size", vocabSize);
        positive("max_positions", maxPositions);
        positive("type_vocab_size", typeVocabSize);
        positive("num_classes", numClasses);
        positive("max_length", maxLength);
        if (width % heads != 0) {
            throw new PcLoraException("bert architecture " + name + ": width " + width + " is not a multiple of heads "
                    + heads + "; choose sizes with width % heads == 0");
        }
        if (maxLength > maxPositions) {
            throw new PcLoraException("bert architecture " + name + ": max_length " + maxLength
                    + " exceeds max_positions " + maxPositions + "; use at most " + maxPositions);
        }
        if (!(layerNormEps > 0)) {
            throw new PcLoraException("bert architecture " + name + ": layer_norm_eps " + layerNormEps
                    + " is not accepted; it must be positive");
        }
        probability("hidden_dropout", hiddenDropout);
        probability("attention_dropout", attentionDropout);
    }

    private static void positive(String key, int v) {
        if (v < 1) {
            throw new PcLoraException("bert architecture key '" + key + "' = " + v
                    + " is not accepted; it must be at least 1");
        }
    }

    private static void probability(String key, double p) {
        if (!(p >= 0 && p < 1)) {
            throw new PcLoraException("bert architecture key '" + key + "' = " + p
                    + " is not accepted; it must be in [0, 1)");
        }
    }

    /** Width of one attention head. */
    public int headWidth() {
        return width / heads;
    }

    /**
     * Parameters of the encoder without a task head, pooler included: word, position and
     * token-type tables and their LayerNorm; per layer query/key/value/output projections with
     * biases, two LayerNorms, MLP in and out with biases; the pooler's dense layer.
     */
    public long parameterCountWithoutHead() {
        long d = width;
        long f = mlp;
        long embeddings = (long) vocabSize * d + (long) maxPositions * d + (long) typeVocabSize * d + 2 * d;
        long layer = 4 * (d * d + d) + (d * f + f) + (f * d + d) + 4 * d;
        long pooler = d * d + d;
        return embeddings + depth * layer + pooler;
    }

    /** Parameters with the classifier head (weight and bias). */
    public long parameterCount() {
        return parameterCountWithoutHead() + (long) width * numClasses + numClasses;
    }

    /** The resolved architecture config (with {@code family = bert}). */
    public Config toConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("family", BertFamily.NAME);
        m.put("arch", name);
        m.put("depth", depth);
        m.put("width", width);
        m.put("heads", heads);
        m.put("mlp", mlp);
        m.put("vocab_size", vocabSize);
        m.put("max_positions", maxPositions);
        m.put("type_vocab_size", typeVocabSize);
        m.put("layer_norm_eps", layerNormEps);
        m.put("hidden_dropout", hiddenDropout);
        m.put("attention_dropout", attentionDropout);
        m.put("num_classes", numClasses);
        m.put("max_length", maxLength);
        m.put("vocab", vocab);
        m.put("lower_case", lowerCase);
        return ConfigFactory.parseMap(m);
    }

    /** Reads a resolved architecture config (every key present). */
    public static BertConfig of(Config c) {
        try {
            return new BertConfig(c.hasPath("arch") ? c.getString("arch") : c.hasPath("name") ? c.getString("name") : "custom", c.getInt("depth"),
                    c.getInt("width"), c.getInt("heads"), c.getInt("mlp"), c.getInt("vocab_size"),
                    c.getInt("max_positions"), c.getInt("type_vocab_size"), c.getDouble("layer_norm_eps"),
                    c.getDouble("hidden_dropout"), c.getDouble("attention_dropout"), c.getInt("num_classes"),
                    c.getInt("max_length"), c.getString("vocab"), c.getBoolean("lower_case"));
        } catch (ConfigException e) {
            throw new PcLoraException("bert architecture config is incomplete or mistyped (" + e.getMessage()
                    + "); resolve it with the bert model family first");
        }
    }
}
