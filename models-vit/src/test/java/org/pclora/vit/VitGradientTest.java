package org.pclora.vit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.model.Batch;
import org.pclora.core.nn.Parameter;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;
import org.pclora.core.testing.GradientCheck;

/**
 * Float64 finite-difference check of the whole ViT backward: embeddings (patch projection,
 * class token, positions), blocks, final LayerNorm, head, the input images, and the gradients
 * injected at the distillation taps. Central differences with h = 1e-6 in float64 have
 * truncation error ~1e-12 and rounding error ~1e-10 relative to O(1) values, so a relative
 * error below 1e-5 separates a correct backward from a wrong one (errors of order 1). The model
 * is as small as still exercises everything (2x2 patch grid, 2 channels, 2 heads, 2 blocks,
 * batch 2) because every checked element costs two forward passes.
 */
class VitGradientTest {
    private static final double TOL = 1e-5;
    private static final VitConfig TINY = new VitConfig("tiny", 4, 2, 2, 2, 4, 2, 8, true, 1e-12, 3);

    /** Random weights of order 1 so that every nonlinearity is exercised away from its linear regime. */
    private static VitModel model() {
        VitModel m = new VitModel(TINY, 7, DataType.DOUBLE);
        long seed = 100;
        for (Parameter p : m.parameters()) {
            INDArray r = GradientCheck.random(seed++, p.value().shape()).muli(0.5);
            if (p.name().endsWith("layernorm_before.weight") || p.name().endsWith("layernorm_after.weight")
                    || p.name().equals("vit.layernorm.weight")) {
                r.addi(1.0);
            }
            p.set(r);
        }
        return m;
    }

    private static final String SLOT = "vit.encoder.layer.0.intermediate.dense";

    /** Logits and three tapped features flattened into one vector, so one projection checks all. */
    private static INDArray outputs(VitModel m, INDArray images, boolean training) {
        Features f = m.forward(Batch.images(images, null), training,
                Set.of(FeatureKind.BLOCK_OUTPUT, FeatureKind.ATTENTION_PROBS, FeatureKind.ADAPTED_LAYER_OUTPUT));
        return Nd4j.concat(0, f.get("logits").reshape(-1), f.get("block.0").reshape(-1),
                f.get("attention.1").reshape(-1), f.get("layer." + SLOT).reshape(-1));
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        VitModel m = model();
        m.setComputeInputGradient(true);
        INDArray images = GradientCheck.random(1, 2, 2, 4, 4);
        INDArray projection = GradientCheck.random(2, outputs(m, images, false).length());

        // Analytic: split the projection into the gradients of each output.
        Features f = m.forward(Batch.images(images, null), true,
                Set.of(FeatureKind.BLOCK_OUTPUT, FeatureKind.ATTENTION_PROBS, FeatureKind.ADAPTED_LAYER_OUTPUT));
        Features grads = new Features();
        long at = 0;
        for (String name : List.of("logits", "block.0", "attention.1", "layer." + SLOT)) {
            INDArray v = f.get(name);
            grads.put(name, projection.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(at, at + v.length()))
                    .dup().reshape(v.shape()));
            at += v.length();
        }
        GradientCheck.zeroGrads(m.parameters());
        m.backward(grads);

        Supplier<INDArray> fn = () -> outputs(m, images, false);
        List<String> failures = new ArrayList<>();
        for (Parameter p : m.parameters()) {
            if (!CHECKED.contains(p.name())) {
                continue;
            }
            INDArray numeric = GradientCheck.numeric(p.value(), fn, projection);
            double err = GradientCheck.maxRelativeError(p.grad(), numeric);
            if (!(err < TOL)) {
                failures.add(p.name() + " " + err);
            }
        }
        double inputErr = GradientCheck.maxRelativeError(m.lastInputGradient(),
                GradientCheck.numeric(images, fn, projection));
        if (!(inputErr < TOL)) {
            failures.add("input " + inputErr);
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    private static final Set<String> CHECKED = Set.of(
            "vit.embeddings.cls_token",
            "vit.embeddings.position_embeddings",
            "vit.embeddings.patch_embeddings.projection.weight",
            "vit.embeddings.patch_embeddings.projection.bias",
            "vit.encoder.layer.0.layernorm_before.weight",
            "vit.encoder.layer.0.attention.attention.query.weight",
            "vit.encoder.layer.0.attention.attention.value.bias",
            "vit.encoder.layer.1.attention.attention.key.weight",
            "vit.encoder.layer.1.intermediate.dense.bias",
            "vit.encoder.layer.1.output.dense.weight",
            "vit.encoder.layer.1.layernorm_after.bias",
            "vit.layernorm.weight",
            "classifier.weight",
            "classifier.bias");

    @Test
    void everyParameterIsTrainableWithHfNames() {
        List<String> names = model().parameters().stream().map(Parameter::name).toList();
        assertTrue(names.containsAll(CHECKED), names.toString());
        assertTrue(model().parameters().stream().allMatch(Parameter::isTrainable));
    }
}
