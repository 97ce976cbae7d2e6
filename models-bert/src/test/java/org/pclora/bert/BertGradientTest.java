package org.pclora.bert;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.model.Batch;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.Parameter;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;
import org.pclora.core.testing.GradientCheck;

/**
 * Backward of the whole model against float64 central differences, through logits and through
 * each kind of tapped feature (block outputs, attention probabilities, slot outputs), with a
 * padded batch and token types. To keep the suite fast, two elements of each checked tensor are
 * perturbed, for one tensor of every kind (embeddings, each part of layer 0, pooler, classifier;
 * layer 1 is built by the same code). Tolerance 1e-5 relative: float64 differences with h = 1e-6 are
 * accurate to about 1e-9; an absolute floor of 1e-8 covers gradients that are zero in exact
 * arithmetic (the key bias cannot change a softmax over keys), where the difference quotient
 * returns rounding noise.
 */
class BertGradientTest {
    static final double TOLERANCE = 1e-5;

    static BertModel tiny() {
        BertConfig c = BertConfig.of(new BertFamily().resolve(ConfigFactory.parseMap(Map.of("arch", "custom",
                "depth", 2, "width", 4, "heads", 2, "mlp", 6, "vocab_size", 7, "max_positions", 5,
                "num_classes", 3, "hidden_dropout", 0.0, "attention_dropout", 0.0))));
        BertModel m = new BertModel(c, 3, DataType.DOUBLE);
        // Larger than HF's 0.02 so that every path carries a gradient well above the step size.
        for (Parameter p : m.parameters()) {
            if (!p.name().contains("LayerNorm")) {
                p.set(GradientCheck.random(p.name().hashCode(), p.value().shape()).muli(0.5));
            }
        }
        return m;
    }

    static Batch batch() {
        INDArray ids = Nd4j.createFromArray(new int[][] {{2, 4, 6, 3}, {2, 5, 3, 0}});
        INDArray mask = Nd4j.createFromArray(new double[][] {{1, 1, 1, 1}, {1, 1, 1, 0}});
        INDArray types = Nd4j.createFromArray(new int[][] {{0, 0, 1, 1}, {0, 0, 0, 0}});
        return BertModel.batch(ids, mask, types, null);
    }

    private static void check(BertModel m, String feature, Set<FeatureKind> taps, Iterable<Parameter> params) {
        Batch b = batch();
        Supplier<INDArray> f = () -> m.forward(b, false, taps).get(feature);
        INDArray r = GradientCheck.random(11, f.get().shape());
        GradientCheck.zeroGrads(m.parameters());
        m.forward(b, true, taps);
        Features g = new Features().put(feature, r);
        if (!feature.equals("logits")) {
            g.put("logits", Nd4j.zeros(DataType.DOUBLE, 2, 3));
        }
        m.backward(g);
        for (Parameter p : params) {
            INDArray x = p.value();
            long n = x.length();
            for (long i : new long[] {n / 3, n - 1}) {
                double v = x.getDouble(i);
                x.putScalar(i, v + GradientCheck.EPS);
                double plus = f.get().mul(r).sumNumber().doubleValue();
                x.putScalar(i, v - GradientCheck.EPS);
                double minus = f.get().mul(r).sumNumber().doubleValue();
                x.putScalar(i, v);
                double numeric = (plus - minus) / (2 * GradientCheck.EPS);
                double analytic = p.grad().getDouble(i);
                double abs = Math.abs(analytic - numeric);
                double rel = abs / Math.max(1e-8, Math.abs(analytic) + Math.abs(numeric));
                assertTrue(rel < TOLERANCE || abs < 1e-8, feature + " -> " + p.name() + "[" + i + "]: analytic "
                        + analytic + ", numeric " + numeric);
            }
        }
    }

    /** One parameter of every kind: embeddings, each part of layer 0, pooler and classifier. */
    static java.util.List<Parameter> representative(BertModel m) {
        Set<String> names = Set.of("bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
                "bert.embeddings.token_type_embeddings.weight", "bert.embeddings.LayerNorm.weight",
                "bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.0.attention.self.key.weight",
                "bert.encoder.layer.0.attention.self.value.bias", "bert.encoder.layer.0.attention.output.dense.weight",
                "bert.encoder.layer.0.attention.output.LayerNorm.weight", "bert.encoder.layer.0.intermediate.dense.weight",
                "bert.encoder.layer.0.output.dense.bias", "bert.encoder.layer.0.output.LayerNorm.bias",
                "bert.pooler.dense.weight", "classifier.weight", "classifier.bias");
        java.util.List<Parameter> ps = m.parameters().stream().filter(p -> names.contains(p.name())).toList();
        org.junit.jupiter.api.Assertions.assertEquals(names.size(), ps.size());
        return ps;
    }

    @Test
    void logitsGradientForEveryParameter() {
        BertModel m = tiny();
        check(m, "logits", Set.of(), representative(m));
    }

    @Test
    void blockOutputGradient() {
        BertModel m = tiny();
        check(m, "block.0", EnumSet.of(FeatureKind.BLOCK_OUTPUT), m.parameters().subList(3, 6));
    }

    @Test
    void attentionProbsGradient() {
        BertModel m = tiny();
        check(m, "attention.1", EnumSet.of(FeatureKind.ATTENTION_PROBS), m.parameters().subList(5, 8));
    }

    @Test
    void slotOutputGradient() {
        BertModel m = tiny();
        LinearSlot fc1 = m.linearSlots().get(4);
        check(m, "layer." + fc1.name(), EnumSet.of(FeatureKind.ADAPTED_LAYER_OUTPUT), m.parameters().subList(3, 6));
    }
}
