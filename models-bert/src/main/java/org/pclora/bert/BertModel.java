package org.pclora.bert;

import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.model.Batch;
import org.pclora.core.model.Encoder;
import org.pclora.core.model.EncoderSpec;
import org.pclora.core.model.FirstTokenHead;
import org.pclora.core.model.InputSpec;
import org.pclora.core.model.TokenEmbeddings;
import org.pclora.core.model.TransformerClassifier;
import org.pclora.core.nn.Dropout;
import org.pclora.core.nn.Linear;
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
    public static final String ATTENTION_MASK = TokenEmbeddings.ATTENTION_MASK;
    /** Name of the segment-id input. */
    public static final String TOKEN_TYPES = TokenEmbeddings.TOKEN_TYPES;
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
        TokenEmbeddings tables = new TokenEmbeddings(BertFamily.NAME, "bert.embeddings.", c.vocabSize(),
                c.maxPositions(), c.typeVocabSize(), d, c.layerNormEps(), c.hiddenDropout(), std, dtype, rng);
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
    public org.pclora.core.nn.Embedding wordEmbeddings() {
        return ((TokenEmbeddings) parts().embeddings()).words();
    }

    /** Random ids with a full attention mask, as a padded batch would carry. */
    @Override
    public Batch syntheticBatch(int batch, long seed) {
        Batch b = super.syntheticBatch(batch, seed);
        return b.with(ATTENTION_MASK, Nd4j.ones(DataType.INT, b.inputs().shape()))
                .with(TOKEN_TYPES, Nd4j.zeros(DataType.INT, b.inputs().shape()));
    }
}
