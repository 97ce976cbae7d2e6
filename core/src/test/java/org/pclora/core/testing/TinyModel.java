package org.pclora.core.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.model.Batch;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.Gelu;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.Parameter;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;

/**
 * A one-"block" classifier for trainer tests: {@code logits = head(gelu(fc(x)))} with {@code fc}
 * in a linear slot named {@code block.0.fc}; taps BLOCK_OUTPUT ({@code block.0} = gelu output as
 * [B, 1, H]), ADAPTED_LAYER_OUTPUT and LOGITS.
 */
public final class TinyModel implements ClassifierModel {
    private final LinearSlot fc;
    private final Gelu gelu = new Gelu();
    private final Linear head;
    private final int hidden;

    public TinyModel(int in, int hidden, int classes, long seed, DataType dtype) {
        SplittableRandom r = new SplittableRandom(seed);
        this.hidden = hidden;
        this.fc = new LinearSlot(Linear.create("block.0.fc", in, hidden, true, 0.5, dtype, r));
        this.head = Linear.create("head", hidden, classes, true, 0.5, dtype, r);
    }

    /** A copy with the same weights (a teacher's clone for student initialisation). */
    public TinyModel copy() {
        TinyModel m = new TinyModel((int) fc.inFeatures(), hidden, (int) head.outFeatures(), 0, parameters().get(0).value().dataType());
        List<Parameter> src = parameters();
        List<Parameter> dst = m.parameters();
        for (int i = 0; i < src.size(); i++) {
            dst.get(i).set(src.get(i).value());
        }
        return m;
    }

    @Override
    public String family() {
        return "tiny";
    }

    @Override
    public Config architecture() {
        return ConfigFactory.parseMap(Map.of("in", (int) fc.inFeatures(), "hidden", hidden,
                "num_classes", (int) head.outFeatures()));
    }

    @Override
    public Features forward(Batch batch, boolean training, Set<FeatureKind> taps) {
        fc.setKeepOutput(taps.contains(FeatureKind.ADAPTED_LAYER_OUTPUT));
        INDArray h = gelu.forward(fc.forward(batch.inputs(), training), training);
        Features f = new Features();
        if (taps.contains(FeatureKind.BLOCK_OUTPUT)) {
            f.put("block.0", h.reshape(h.size(0), 1, h.size(1)));
        }
        if (taps.contains(FeatureKind.ADAPTED_LAYER_OUTPUT)) {
            f.put("layer." + fc.name(), fc.lastOutput());
        }
        f.put("logits", head.forward(h, training));
        return f;
    }

    @Override
    public void backward(Features gradients) {
        INDArray dh = head.backward(gradients.get("logits"));
        INDArray db = gradients.get("block.0");
        if (db != null) {
            dh = dh.add(db.reshape(dh.shape()));
        }
        INDArray dl = gradients.get("layer." + fc.name());
        if (dl != null) {
            fc.addOutputGradient(dl);
        }
        fc.backward(gelu.backward(dh));
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(fc.parameters());
        ps.addAll(head.parameters());
        return ps;
    }

    @Override
    public List<LinearSlot> linearSlots() {
        return List.of(fc);
    }

    @Override
    public int tokens() {
        return 1;
    }

    @Override
    public org.pclora.core.model.InputSpec inputSpec() {
        return new org.pclora.core.model.InputSpec(List.of(
                org.pclora.core.model.InputSpec.Input.floats("inputs", "vectors", -1, fc.inFeatures())));
    }

    @Override
    public Map<String, Long> otherMacs() {
        return Map.of("classifier", (long) head.inFeatures() * head.outFeatures());
    }
}
