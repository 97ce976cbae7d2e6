package org.pclora.core.model;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
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
import org.pclora.core.nn.LayerNorm;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.MultiHeadSelfAttention;
import org.pclora.core.nn.Parameter;
import org.pclora.core.nn.TransformerBlock;
import org.pclora.core.spi.FeatureKind;
import org.pclora.core.spi.Features;

/**
 * A bare stack of pre-LayerNorm transformer blocks over given token vectors [B, T, D], a final
 * LayerNorm and a classification head on token 0. No embeddings: the benchmark model of the
 * engine (and a small model for tests). Slot names follow ViT's: {@code encoder.layer.N.*}.
 */
public final class TransformerStack implements ClassifierModel {
    private final int layers;
    private final int width;
    private final int heads;
    private final int mlp;
    private final int tokens;
    private final int classes;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final List<LinearSlot> slots = new ArrayList<>();
    private final LayerNorm finalNorm;
    private final Linear head;
    private int lastBatch = -1;

    public TransformerStack(int layers, int width, int heads, int mlp, int tokens, int classes, long seed, DataType dtype) {
        this.layers = layers;
        this.width = width;
        this.heads = heads;
        this.mlp = mlp;
        this.tokens = tokens;
        this.classes = classes;
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < layers; i++) {
            String p = "encoder.layer." + i + ".";
            LinearSlot q = slot(p + "attention.query", width, width, rng, dtype);
            LinearSlot k = slot(p + "attention.key", width, width, rng, dtype);
            LinearSlot v = slot(p + "attention.value", width, width, rng, dtype);
            LinearSlot o = slot(p + "attention.output.dense", width, width, rng, dtype);
            LinearSlot fc1 = slot(p + "intermediate.dense", width, mlp, rng, dtype);
            LinearSlot fc2 = slot(p + "output.dense", mlp, width, rng, dtype);
            blocks.add(new TransformerBlock(TransformerBlock.Norm.PRE,
                    new MultiHeadSelfAttention(q, k, v, o, heads, 0.0, seed + i),
                    new LayerNorm(p + "layernorm_before", width, 1e-12, dtype), fc1, fc2,
                    new LayerNorm(p + "layernorm_after", width, 1e-12, dtype), 0.0, seed + i));
        }
        finalNorm = new LayerNorm("layernorm", width, 1e-12, dtype);
        head = Linear.create("classifier", width, classes, true, 0.02, dtype, rng);
    }

    private LinearSlot slot(String name, int in, int out, SplittableRandom rng, DataType dtype) {
        LinearSlot s = new LinearSlot(Linear.create(name, in, out, true, 0.02, dtype, rng));
        slots.add(s);
        return s;
    }

    @Override
    public String family() {
        return "stack";
    }

    @Override
    public Config architecture() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layers", layers);
        m.put("width", width);
        m.put("heads", heads);
        m.put("mlp", mlp);
        m.put("tokens", tokens);
        m.put("num_classes", classes);
        return ConfigFactory.parseMap(m);
    }

    @Override
    public Features forward(Batch batch, boolean training, Set<FeatureKind> taps) {
        INDArray x = batch.inputs();
        int b = (int) x.size(0);
        INDArray h = x.reshape('c', (long) b * tokens, width);
        Features out = new Features();
        for (int i = 0; i < blocks.size(); i++) {
            h = blocks.get(i).forward(h, b, tokens, null, training);
            if (taps.contains(FeatureKind.BLOCK_OUTPUT)) {
                out.put(FeatureKind.BLOCK_OUTPUT.prefix() + i, h.reshape('c', b, tokens, width));
            }
        }
        INDArray hidden = finalNorm.forward(h, training).reshape('c', b, tokens, width);
        INDArray first = hidden.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).dup('c');
        out.put("logits", head.forward(first, training));
        lastBatch = training ? b : -1;
        return out;
    }

    @Override
    public void backward(Features gradients) {
        int b = lastBatch;
        INDArray dHidden = Nd4j.zeros(head.weight().value().dataType(), b, tokens, width);
        dHidden.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all())
                .assign(head.backward(gradients.get("logits")));
        INDArray dh = finalNorm.backward(dHidden.reshape('c', (long) b * tokens, width));
        for (int i = blocks.size() - 1; i >= 0; i--) {
            INDArray g = gradients.get(FeatureKind.BLOCK_OUTPUT.prefix() + i);
            if (g != null) {
                dh = dh.add(g.reshape('c', (long) b * tokens, width));
            }
            dh = blocks.get(i).backward(dh);
        }
        lastBatch = -1;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        blocks.forEach(bl -> ps.addAll(bl.parameters()));
        ps.addAll(finalNorm.parameters());
        ps.addAll(head.parameters());
        return ps;
    }

    @Override
    public List<LinearSlot> linearSlots() {
        return List.copyOf(slots);
    }

    @Override
    public int tokens() {
        return tokens;
    }

    @Override
    public Map<String, Long> otherMacs() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("attention_scores", 2L * layers * tokens * tokens * width);
        m.put("classifier", (long) width * classes);
        return m;
    }
}
