package org.pclora.bert;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.model.Batch;
import org.pclora.core.model.Embeddings;
import org.pclora.core.model.Encoder;
import org.pclora.core.model.EncoderSpec;
import org.pclora.core.model.FirstTokenHead;
import org.pclora.core.model.InputSpec;
import org.pclora.core.model.TransformerClassifier;
import org.pclora.core.nn.Dropout;
import org.pclora.core.nn.Embedding;
import org.pclora.core.nn.LayerNorm;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.Parameter;
import org.pclora.core.nn.TransformerBlock;

/**
 * HF {@code BertForSequenceClassification}, declared on the core model kit: word + position +
 * token-type embeddings, their LayerNorm and dropout; post-LayerNorm encoder layers with a padding
 * attention mask; the tanh pooler on the [CLS] token; dropout and the linear classifier.
 * Parameter names are HF's ({@code bert.encoder.layer.N.attention.self.query.weight}, ...).
 * Inputs: {@code input_ids} [B, L] (L at most max_positions), optional {@code attention_mask}
 * [B, L] and {@code token_type_ids} [B, L].
 */
public final class BertModel extends TransformerClassifier {
    /** Prefix of the encoder's parameters. */
    public static final String ENCODER = "bert.encoder.layer.";
    /** Name of the padding-mask input (1 real token, 0 padding). */
    public static final String ATTENTION_MASK = "attention_mask";
    /** Name of the segment-id input. */
    public static final String TOKEN_TYPES = "token_type_ids";
    /** The block names of HF's BERT. */
    public static final EncoderSpec.LayerNames NAMES = EncoderSpec.LayerNames.hf(ENCODER, "self",
            "attention.output.LayerNorm", "output.LayerNorm");

    private final BertConfig config;

    /**
     * A model with weights ~ N(0, 0.02^2) (HF's initializer range), zero biases, unit LayerNorms.
     *
     * @param dtype FLOAT for training, DOUBLE for gradient checks
     */
    public BertModel(BertConfig config, long seed, DataType dtype) {
        super(parts(config, seed, dtype));
        this.config = config;
    }

    private static Parts parts(BertConfig c, long seed, DataType dtype) {
        SplittableRandom rng = new SplittableRandom(seed);
        double std = 0.02;
        int d = c.width();
        Tables tables = new Tables(c, dtype, rng);
        EncoderSpec spec = new EncoderSpec(c.depth(), d, c.heads(), c.mlp(), TransformerBlock.Norm.POST, true,
                c.layerNormEps(), c.hiddenDropout(), c.attentionDropout(), std, NAMES);
        Encoder encoder = new Encoder(spec, rng, dtype, rng::nextLong);
        Linear pooler = Linear.create("bert.pooler.dense", d, d, true, std, dtype, rng);
        Dropout dropout = new Dropout(c.hiddenDropout(), rng.nextLong());
        Linear classifier = Linear.create("classifier", d, c.numClasses(), true, std, dtype, rng);
        InputSpec inputs = new InputSpec(List.of(
                InputSpec.Input.ids("input_ids", "token ids", c.maxLength(), c.maxPositions(), c.vocabSize()),
                InputSpec.Input.optionalIds(ATTENTION_MASK, "1 token, 0 padding", 2),
                InputSpec.Input.optionalIds(TOKEN_TYPES, "segment ids", c.typeVocabSize())));
        return new Parts(BertFamily.NAME, c.toConfig(), dtype, c.maxLength(), inputs, tables, encoder, null,
                new FirstTokenHead(pooler, dropout, classifier));
    }

    /** A batch of token ids [B, L] with an optional mask and token types (null leaves them out). */
    public static Batch batch(INDArray ids, INDArray mask, INDArray types, INDArray labels) {
        return Batch.of(ids, labels).with(ATTENTION_MASK, mask).with(TOKEN_TYPES, types);
    }

    /** The sizes of this model. */
    public BertConfig config() {
        return config;
    }

    /** The word-embedding table (also the masked-LM decoder in pre-training). */
    public Embedding wordEmbeddings() {
        return ((Tables) parts().embeddings()).words;
    }

    /** Random ids with a full attention mask, as a padded batch would carry. */
    @Override
    public Batch syntheticBatch(int batch, long seed) {
        Batch b = super.syntheticBatch(batch, seed);
        return b.with(ATTENTION_MASK, Nd4j.ones(DataType.INT, b.inputs().shape()))
                .with(TOKEN_TYPES, Nd4j.zeros(DataType.INT, b.inputs().shape()));
    }

    /** Words + token types + positions, then LayerNorm and dropout. */
    private static final class Tables implements Embeddings {
        private final BertConfig config;
        private final DataType dtype;
        private final Embedding words;
        private final Embedding positions;
        private final Embedding tokenTypes;
        private final LayerNorm norm;
        private final Dropout dropout;
        private int batch;
        private int tokens;

        Tables(BertConfig c, DataType dtype, SplittableRandom rng) {
            this.config = c;
            this.dtype = dtype;
            int d = c.width();
            words = Embedding.random("bert.embeddings.word_embeddings", c.vocabSize(), d, 0.02, dtype, rng);
            positions = Embedding.random("bert.embeddings.position_embeddings", c.maxPositions(), d, 0.02, dtype, rng);
            tokenTypes = Embedding.random("bert.embeddings.token_type_embeddings", c.typeVocabSize(), d, 0.02, dtype,
                    rng);
            norm = new LayerNorm("bert.embeddings.LayerNorm", d, c.layerNormEps(), dtype);
            dropout = new Dropout(c.hiddenDropout(), rng.nextLong());
        }

        @Override
        public Embedded forward(Batch batch, boolean training) {
            INDArray ids = batch.inputs();
            if (ids.rank() != 2) {
                throw new PcLoraException("bert input ids have shape " + java.util.Arrays.toString(ids.shape())
                        + ": expected token ids [batch, length]");
            }
            int b = (int) ids.size(0);
            int t = (int) ids.size(1);
            if (t > config.maxPositions()) {
                throw new PcLoraException("bert input length " + t + " exceeds max_positions " + config.maxPositions()
                        + ": truncate inputs to at most that");
            }
            INDArray mask = batch.input(ATTENTION_MASK);
            checkShape(mask, b, t, "attention mask");
            INDArray types = batch.input(TOKEN_TYPES);
            checkShape(types, b, t, "token types");
            if (types == null) {
                types = Nd4j.zeros(DataType.INT, b, t);
            }
            // Words + token types, plus the first t position rows added to every example.
            INDArray x = words.forward(ids);
            x.addi(tokenTypes.forward(types));
            INDArray pos = positions.forward(Nd4j.arange(t).castTo(DataType.INT));
            x.reshape(b, (long) t * config.width()).addiRowVector(pos.reshape(1, (long) t * config.width()));
            x = dropout.forward(norm.forward(x, training), training);
            this.batch = b;
            this.tokens = t;
            return new Embedded(x, b, t, mask == null ? null : mask.castTo(dtype));
        }

        private static void checkShape(INDArray a, int b, int t, String what) {
            if (a != null && (a.rank() != 2 || a.size(0) != b || a.size(1) != t)) {
                throw new PcLoraException("bert " + what + " have shape " + java.util.Arrays.toString(a.shape())
                        + ": expected [" + b + ", " + t + "] like the input ids");
            }
        }

        @Override
        public void backward(INDArray dRows) {
            INDArray de = norm.backward(dropout.backward(dRows));
            words.backward(de);
            tokenTypes.backward(de);
            positions.backward(de.reshape(batch, (long) tokens * config.width()).sum(0)
                    .reshape(tokens, config.width()));
        }

        @Override
        public List<Parameter> parameters() {
            List<Parameter> ps = new ArrayList<>(words.parameters());
            ps.addAll(positions.parameters());
            ps.addAll(tokenTypes.parameters());
            ps.addAll(norm.parameters());
            return ps;
        }

        /** Look-ups and LayerNorms are no matrix products. */
        @Override
        public Map<String, Long> macs() {
            return Map.of();
        }
    }
}
