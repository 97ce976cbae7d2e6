package org.pclora.bert;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pclora.core.PcLoraException;
import org.pclora.core.model.Batch;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.Dropout;
import org.pclora.core.nn.Embedding;
import org.pclora.core.nn.LayerNorm;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.MultiHeadSelfAttention;
import org.pclora.core.nn.Parameter;
import org.pclora.core.nn.TransformerBlock;
import org.pclora.core.spi.FeatureKind;
import org.pclora.core.spi.Features;

/**
 * HF {@code BertForSequenceClassification}: word + position + token-type embeddings, their
 * LayerNorm and dropout; post-LayerNorm encoder layers with a padding attention mask; the tanh
 * pooler on the [CLS] token; dropout and the linear classifier. Parameter names are HF's
 * ({@code bert.encoder.layer.N.attention.self.query.weight}, ...). Inputs are token ids [B, L]
 * (L at most max_positions), an optional mask [B, L] and optional token types [B, L].
 *
 * <p>Taps: {@code block.<i>} [B, L, D] (each layer's output), {@code attention.<i>} [B, H, L, L],
 * {@code layer.<slot>} [B*L, out] for every linear slot, and {@code logits} [B, classes].
 */
public final class BertModel implements ClassifierModel {
    /** Prefix of the encoder's parameters. */
    public static final String ENCODER = "bert.encoder.layer.";

    private final BertConfig config;
    private final DataType dtype;
    private final Embedding words;
    private final Embedding positions;
    private final Embedding tokenTypes;
    private final LayerNorm embeddingNorm;
    private final Dropout embeddingDropout;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final List<LinearSlot> slots = new ArrayList<>();
    private final Linear pooler;
    private final Dropout classifierDropout;
    private final Linear classifier;

    // State of the last training forward.
    private int batch;
    private int tokens;
    private INDArray pooled;
    private boolean pending;

    /**
     * A model with weights ~ N(0, 0.02^2) (HF's initializer range), zero biases, unit LayerNorms.
     *
     * @param dtype FLOAT for training, DOUBLE for gradient checks
     */
    public BertModel(BertConfig config, long seed, DataType dtype) {
        this.config = config;
        this.dtype = dtype;
        SplittableRandom rng = new SplittableRandom(seed);
        double std = 0.02;
        int d = config.width();
        words = Embedding.random("bert.embeddings.word_embeddings", config.vocabSize(), d, std, dtype, rng);
        positions = Embedding.random("bert.embeddings.position_embeddings", config.maxPositions(), d, std, dtype, rng);
        tokenTypes = Embedding.random("bert.embeddings.token_type_embeddings", config.typeVocabSize(), d, std, dtype,
                rng);
        embeddingNorm = new LayerNorm("bert.embeddings.LayerNorm", d, config.layerNormEps(), dtype);
        embeddingDropout = new Dropout(config.hiddenDropout(), rng.nextLong());
        for (int i = 0; i < config.depth(); i++) {
            String p = ENCODER + i + ".";
            LinearSlot q = slot(p + "attention.self.query", d, d, std, rng);
            LinearSlot k = slot(p + "attention.self.key", d, d, std, rng);
            LinearSlot v = slot(p + "attention.self.value", d, d, std, rng);
            LinearSlot o = slot(p + "attention.output.dense", d, d, std, rng);
            MultiHeadSelfAttention attention = new MultiHeadSelfAttention(q, k, v, o, config.heads(),
                    config.attentionDropout(), rng.nextLong());
            LayerNorm ln1 = new LayerNorm(p + "attention.output.LayerNorm", d, config.layerNormEps(), dtype);
            LinearSlot fc1 = slot(p + "intermediate.dense", d, config.mlp(), std, rng);
            LinearSlot fc2 = slot(p + "output.dense", config.mlp(), d, std, rng);
            LayerNorm ln2 = new LayerNorm(p + "output.LayerNorm", d, config.layerNormEps(), dtype);
            blocks.add(new TransformerBlock(TransformerBlock.Norm.POST, attention, ln1, fc1, fc2, ln2,
                    config.hiddenDropout(), rng.nextLong()));
            slots.addAll(List.of(q, k, v, o, fc1, fc2));
        }
        pooler = Linear.create("bert.pooler.dense", d, d, true, std, dtype, rng);
        classifierDropout = new Dropout(config.hiddenDropout(), rng.nextLong());
        classifier = Linear.create("classifier", d, config.numClasses(), true, std, dtype, rng);
    }

    private LinearSlot slot(String name, int in, int out, double std, SplittableRandom rng) {
        return new LinearSlot(Linear.create(name, in, out, true, std, dtype, rng));
    }

    /** The sizes of this model. */
    public BertConfig config() {
        return config;
    }

    /** The dtype of the parameters. */
    public DataType dtype() {
        return dtype;
    }

    /** The encoder layers, in order. */
    public List<TransformerBlock> blocks() {
        return blocks;
    }

    /** The word-embedding table (also the masked-LM decoder in pre-training). */
    public Embedding wordEmbeddings() {
        return words;
    }

    @Override
    public String family() {
        return BertFamily.NAME;
    }

    @Override
    public Config architecture() {
        return config.toConfig();
    }

    /**
     * The last encoder layer's output [B, L, D] for a batch, in evaluation mode (no dropout).
     */
    public INDArray lastHiddenState(Batch batch) {
        Features f = forward(batch, false, Set.of(FeatureKind.BLOCK_OUTPUT));
        return f.get(FeatureKind.BLOCK_OUTPUT.prefix() + (config.depth() - 1));
    }

    @Override
    public Features forward(Batch batch, boolean training, Set<FeatureKind> taps) {
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
        INDArray mask = batch.attentionMask();
        checkShape(mask, b, t, "attention mask");
        INDArray types = batch.tokenTypes();
        checkShape(types, b, t, "token types");
        if (types == null) {
            types = Nd4j.zeros(DataType.INT, b, t);
        }
        boolean keepProbs = taps.contains(FeatureKind.ATTENTION_PROBS);
        boolean keepSlots = taps.contains(FeatureKind.ADAPTED_LAYER_OUTPUT);
        for (TransformerBlock block : blocks) {
            block.attention().setKeepProbs(keepProbs);
        }
        for (LinearSlot s : slots) {
            s.setKeepOutput(keepSlots);
        }
        // Embeddings: words + token types, plus the first t position rows added to every example.
        INDArray x = words.forward(ids);
        x.addi(tokenTypes.forward(types));
        INDArray pos = positions.forward(Nd4j.arange(t).castTo(DataType.INT));
        x.reshape(b, (long) t * config.width()).addiRowVector(pos.reshape(1, (long) t * config.width()));
        x = embeddingDropout.forward(embeddingNorm.forward(x, training), training);
        if (mask != null) {
            mask = mask.castTo(dtype);
        }
        Features out = new Features();
        for (int i = 0; i < blocks.size(); i++) {
            TransformerBlock block = blocks.get(i);
            x = block.forward(x, b, t, mask, training);
            if (taps.contains(FeatureKind.BLOCK_OUTPUT)) {
                out.put(FeatureKind.BLOCK_OUTPUT.prefix() + i, x.reshape(b, t, config.width()));
            }
            if (keepProbs) {
                out.put(FeatureKind.ATTENTION_PROBS.prefix() + i, block.attention().lastProbs());
            }
        }
        if (keepSlots) {
            for (LinearSlot s : slots) {
                out.put(FeatureKind.ADAPTED_LAYER_OUTPUT.prefix() + s.name(), s.lastOutput());
            }
        }
        // Pooler: tanh(W h_[CLS] + b) on the first token of each example.
        INDArray cls = x.reshape(b, t, config.width()).get(NDArrayIndex.all(), NDArrayIndex.point(0),
                NDArrayIndex.all()).dup('c');
        INDArray p = Transforms.tanh(pooler.forward(cls, training), false);
        INDArray logits = classifier.forward(classifierDropout.forward(p, training), training);
        out.put(FeatureKind.LOGITS.prefix(), logits);
        if (training) {
            this.batch = b;
            this.tokens = t;
            this.pooled = p;
            this.pending = true;
        } else {
            pending = false;
            pooled = null;
        }
        return out;
    }

    private static void checkShape(INDArray a, int b, int t, String what) {
        if (a != null && (a.rank() != 2 || a.size(0) != b || a.size(1) != t)) {
            throw new PcLoraException("bert " + what + " have shape " + java.util.Arrays.toString(a.shape())
                    + ": expected [" + b + ", " + t + "] like the input ids");
        }
    }

    @Override
    public void backward(Features gradients) {
        if (!pending) {
            throw new IllegalStateException("bert: backward without a training forward");
        }
        pending = false;
        int d = config.width();
        int rows = batch * tokens;
        // Gradients with respect to tapped slot outputs and attention probabilities are handed to
        // their layers first; each layer adds them during its own backward.
        for (LinearSlot s : slots) {
            INDArray g = gradients.get(FeatureKind.ADAPTED_LAYER_OUTPUT.prefix() + s.name());
            if (g != null) {
                s.addOutputGradient(g);
            }
        }
        for (int i = 0; i < blocks.size(); i++) {
            INDArray g = gradients.get(FeatureKind.ATTENTION_PROBS.prefix() + i);
            if (g != null) {
                blocks.get(i).attention().addProbsGradient(g);
            }
        }
        INDArray dh = Nd4j.zeros(dtype, rows, d);
        INDArray dLogits = gradients.get(FeatureKind.LOGITS.prefix());
        if (dLogits != null) {
            INDArray dp = classifierDropout.backward(classifier.backward(dLogits));
            // tanh' = 1 - tanh^2
            INDArray dPre = dp.mul(pooled.mul(pooled).rsubi(1.0));
            INDArray dCls = pooler.backward(dPre);
            dh.reshape(batch, tokens, d).get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all())
                    .addi(dCls);
        } else {
            // Keep the pooler and classifier state consistent for the next step.
            classifier.backward(Nd4j.zeros(dtype, batch, config.numClasses()));
            classifierDropout.backward(Nd4j.zeros(dtype, batch, d));
            pooler.backward(Nd4j.zeros(dtype, batch, d));
        }
        pooled = null;
        for (int i = blocks.size() - 1; i >= 0; i--) {
            INDArray g = gradients.get(FeatureKind.BLOCK_OUTPUT.prefix() + i);
            if (g != null) {
                dh.addi(g.reshape(rows, d));
            }
            dh = blocks.get(i).backward(dh);
        }
        INDArray de = embeddingNorm.backward(embeddingDropout.backward(dh));
        words.backward(de);
        tokenTypes.backward(de);
        positions.backward(de.reshape(batch, (long) tokens * d).sum(0).reshape(tokens, d));
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        ps.addAll(words.parameters());
        ps.addAll(positions.parameters());
        ps.addAll(tokenTypes.parameters());
        ps.addAll(embeddingNorm.parameters());
        for (TransformerBlock block : blocks) {
            ps.addAll(block.parameters());
        }
        ps.addAll(pooler.parameters());
        ps.addAll(classifier.parameters());
        return ps;
    }

    @Override
    public List<LinearSlot> linearSlots() {
        return List.copyOf(slots);
    }

    @Override
    public int tokens() {
        return config.maxLength();
    }

    /**
     * Per example at {@code max_length} tokens: attention scores and weighted values
     * (2 L^2 D per layer), the pooler (D^2) and the classifier (D C). Embedding look-ups and
     * LayerNorms are not multiply-adds of a matrix product and are not counted.
     */
    @Override
    public Map<String, Long> otherMacs() {
        long t = config.maxLength();
        long d = config.width();
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("attention_scores", config.depth() * 2 * t * t * d);
        m.put("pooler", d * d);
        m.put("classifier", d * config.numClasses());
        return m;
    }
}
