package org.pclora.core.model;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.nn.Dropout;
import org.pclora.core.nn.LayerNorm;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.Parameter;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;

/**
 * The model kit's classifier: a family's {@link Embeddings}, the shared {@link Encoder}, an
 * optional final LayerNorm and a family's {@link Head}. Forward, the taps, backward with
 * feature-gradient routing, the parameter order and the accounting are written here once; a
 * family only declares the parts.
 *
 * <p>Taps: {@code block.<i>} [B, T, D], {@code attention.<i>} [B, H, T, T], {@code layer.<slot>}
 * [B*T, out], {@code hidden} (the last hidden state [B, T, D]) and {@code logits}. A gradient for
 * any other name is an error.
 */
public class TransformerClassifier implements ClassifierModel {
    /** Every feature kind the kit can tap. */
    public static final Set<FeatureKind> TAPS = Set.of(FeatureKind.BLOCK_OUTPUT, FeatureKind.ATTENTION_PROBS,
            FeatureKind.ADAPTED_LAYER_OUTPUT, FeatureKind.LOGITS, FeatureKind.LAST_HIDDEN);

    /**
     * The parts of one model, built by a family in its weight-drawing order.
     *
     * @param family       family name
     * @param architecture the resolved architecture config
     * @param dtype        parameter dtype
     * @param tokens       tokens per example at the model's input size (for accounting)
     * @param inputs       what the model reads
     * @param embeddings   input layer
     * @param encoder      the blocks
     * @param finalNorm    LayerNorm after the last block, or null
     * @param head         task head
     */
    public record Parts(String family, Config architecture, DataType dtype, int tokens, InputSpec inputs,
                        Embeddings embeddings, Encoder encoder, LayerNorm finalNorm, Head head) {
    }

    private final Parts parts;
    private int lastBatch = -1;
    private int lastTokens;
    private INDArray lastHidden;

    /** A model of the given parts. */
    public TransformerClassifier(Parts parts) {
        this.parts = parts;
    }

    /** The parts this model is made of. */
    protected Parts parts() {
        return parts;
    }

    @Override
    public String family() {
        return parts.family();
    }

    @Override
    public Config architecture() {
        return parts.architecture();
    }

    /** The dtype of the parameters. */
    public DataType dtype() {
        return parts.dtype();
    }

    @Override
    public int tokens() {
        return parts.tokens();
    }

    @Override
    public InputSpec inputSpec() {
        return parts.inputs();
    }

    /** The shared encoder. */
    public Encoder encoder() {
        return parts.encoder();
    }

    /** The transformer blocks in order. */
    public List<org.pclora.core.nn.TransformerBlock> blocks() {
        return parts.encoder().blocks();
    }

    /** The last hidden state [B, T, D] of the last forward (HF's {@code last_hidden_state}). */
    public INDArray lastHidden() {
        return lastHidden;
    }

    /** The last hidden state [B, T, D] for a batch, in evaluation mode. */
    public INDArray lastHiddenState(Batch batch) {
        return forward(batch, false, Set.of(FeatureKind.LAST_HIDDEN)).get(FeatureKind.LAST_HIDDEN.prefix());
    }

    @Override
    public Features forward(Batch batch, boolean training, Set<FeatureKind> taps) {
        Embeddings.Embedded e = parts.embeddings().forward(batch, training);
        int b = e.batch();
        int t = e.tokens();
        int d = parts.encoder().spec().width();
        Features out = new Features();
        INDArray h = parts.encoder().forward(e.rows(), b, t, e.mask(), training, taps, out);
        if (parts.finalNorm() != null) {
            h = parts.finalNorm().forward(h, training);
        }
        INDArray hidden = h.reshape('c', b, t, d);
        lastHidden = hidden;
        if (taps.contains(FeatureKind.LAST_HIDDEN)) {
            out.put(FeatureKind.LAST_HIDDEN.prefix(), hidden);
        }
        out.put(FeatureKind.LOGITS.prefix(), parts.head().forward(hidden, training));
        if (e.mask() != null) {
            out.put(Features.TOKEN_MASK, e.mask());
        }
        lastBatch = training ? b : -1;
        lastTokens = t;
        return out;
    }

    @Override
    public void backward(Features gradients) {
        if (lastBatch < 0) {
            throw new IllegalStateException(family() + " model: backward without a training forward");
        }
        int b = lastBatch;
        int t = lastTokens;
        int d = parts.encoder().spec().width();
        DataType dtype = parts.dtype();
        for (Map.Entry<String, INDArray> g : gradients.asMap().entrySet()) {
            String name = g.getKey();
            if (!parts.encoder().route(name, g.getValue()) && !FeatureKind.LOGITS.matches(name)
                    && !FeatureKind.LAST_HIDDEN.matches(name)) {
                throw new IllegalArgumentException(family() + " model: unknown feature gradient " + name);
            }
        }
        INDArray dHidden = Nd4j.zeros(dtype, b, t, d);
        parts.head().backward(gradients.get(FeatureKind.LOGITS.prefix()), dHidden);
        INDArray gh = gradients.get(FeatureKind.LAST_HIDDEN.prefix());
        if (gh != null) {
            dHidden.addi(gh.castTo(dtype));
        }
        INDArray dh = dHidden.reshape('c', (long) b * t, d);
        if (parts.finalNorm() != null) {
            dh = parts.finalNorm().backward(dh);
        }
        dh = parts.encoder().backward(dh, gradients, b, t);
        parts.embeddings().backward(dh);
        lastBatch = -1;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(parts.embeddings().parameters());
        ps.addAll(parts.encoder().parameters());
        if (parts.finalNorm() != null) {
            ps.addAll(parts.finalNorm().parameters());
        }
        ps.addAll(parts.head().parameters());
        return ps;
    }

    @Override
    public List<Dropout> dropouts() {
        List<Dropout> ds = new ArrayList<>(parts.embeddings().dropouts());
        ds.addAll(parts.encoder().dropouts());
        ds.addAll(parts.head().dropouts());
        return ds;
    }

    @Override
    public List<LinearSlot> linearSlots() {
        return parts.encoder().linearSlots();
    }

    /**
     * Per example at {@link #tokens()}: the embeddings' products, the attention score and context
     * products of every block and the head's.
     */
    @Override
    public Map<String, Long> otherMacs() {
        Map<String, Long> m = new LinkedHashMap<>(parts.embeddings().macs());
        m.put("attention_scores", parts.encoder().attentionMacs(tokens()));
        m.putAll(parts.head().macs());
        return m;
    }
}
