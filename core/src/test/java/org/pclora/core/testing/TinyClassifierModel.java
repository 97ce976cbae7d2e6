package org.pclora.core.testing;

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
import org.pclora.core.model.Batch;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.Init;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.Parameter;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;

/**
 * A tiny model for tests of adapters, state dicts and accounting, without engine layers:
 * {@code logits = classifier((fc2(fc1(x))) * norm.weight + norm.bias)} with x [B, width], two
 * linear slots {@code tiny.layer.0.fc1} (width to hidden) and {@code tiny.layer.0.fc2} (back), a
 * LayerNorm-like scale and shift, an (unused by forward) embedding table, and a classifier.
 */
public final class TinyClassifierModel implements ClassifierModel {
    private final int width;
    private final int hidden;
    private final int classes;
    private final int tokens;
    private final Parameter embeddings;
    private final LinearSlot fc1;
    private final LinearSlot fc2;
    private final Parameter normWeight;
    private final Parameter normBias;
    private final Linear classifier;
    private INDArray lastFc2Out;

    public TinyClassifierModel(int width, int hidden, int classes, int tokens, DataType dtype, long seed) {
        this.width = width;
        this.hidden = hidden;
        this.classes = classes;
        this.tokens = tokens;
        SplittableRandom rng = new SplittableRandom(seed);
        embeddings = Parameter.trainable("tiny.embeddings.word_embeddings.weight", Init.normal(rng, 0.5, dtype, 10, width), true);
        fc1 = new LinearSlot(Linear.create("tiny.layer.0.fc1", width, hidden, true, 0.5, dtype, rng));
        fc2 = new LinearSlot(Linear.create("tiny.layer.0.fc2", hidden, width, true, 0.5, dtype, rng));
        normWeight = Parameter.trainable("tiny.layernorm.weight", Init.normal(rng, 0.5, dtype, width).addi(1), false);
        normBias = Parameter.trainable("tiny.layernorm.bias", Init.normal(rng, 0.5, dtype, width), false);
        classifier = Linear.create("classifier", width, classes, true, 0.5, dtype, rng);
        ((Linear) fc1.layer()).bias().value().assign(Init.normal(rng, 0.5, dtype, hidden));
        ((Linear) fc2.layer()).bias().value().assign(Init.normal(rng, 0.5, dtype, width));
    }

    @Override
    public String family() {
        return "tiny";
    }

    @Override
    public Config architecture() {
        return ConfigFactory.parseMap(Map.of("width", width, "hidden", hidden, "classes", classes, "tokens", tokens));
    }

    @Override
    public Features forward(Batch batch, boolean training, Set<FeatureKind> taps) {
        INDArray h = fc2.forward(fc1.forward(batch.inputs(), training), training);
        lastFc2Out = training ? h : null;
        INDArray n = h.mulRowVector(normWeight.value()).addiRowVector(normBias.value());
        Features f = new Features();
        if (taps.contains(FeatureKind.BLOCK_OUTPUT)) {
            f.put("block.0", n);
        }
        f.put("logits", classifier.forward(n, training));
        return f;
    }

    @Override
    public void backward(Features gradients) {
        INDArray dn = classifier.backward(gradients.get("logits"));
        if (gradients.contains("block.0")) {
            dn = dn.add(gradients.get("block.0"));
        }
        if (normWeight.isTrainable()) {
            normWeight.grad().addi(dn.mul(lastFc2Out).sum(0));
        }
        if (normBias.isTrainable()) {
            normBias.grad().addi(dn.sum(0));
        }
        fc1.backward(fc2.backward(dn.mulRowVector(normWeight.value())));
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        ps.add(embeddings);
        ps.addAll(fc1.parameters());
        ps.addAll(fc2.parameters());
        ps.add(normWeight);
        ps.add(normBias);
        ps.addAll(classifier.parameters());
        return ps;
    }

    @Override
    public List<LinearSlot> linearSlots() {
        return List.of(fc1, fc2);
    }

    @Override
    public int tokens() {
        return tokens;
    }

    @Override
    public org.pclora.core.model.InputSpec inputSpec() {
        return new org.pclora.core.model.InputSpec(java.util.List.of(
                org.pclora.core.model.InputSpec.Input.floats("inputs", "vectors", -1, width)));
    }

    /** The classifier runs once per example on one pooled vector. */
    @Override
    public Map<String, Long> otherMacs() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("classifier", (long) width * classes);
        return m;
    }

    /** A batch of {@code rows} random inputs [rows, width] in [-1, 1). */
    public Batch randomBatch(int rows, long seed, DataType dtype) {
        return Batch.of(GradientCheck.random(seed, rows, width).castTo(dtype), null);
    }
}
