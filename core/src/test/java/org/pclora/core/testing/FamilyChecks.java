package org.pclora.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pclora.core.PcLoraException;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.adapter.Adapters;
import org.pclora.core.adapter.plugin.PcLoraAdapterFactory;
import org.pclora.core.family.TransformerFamily;
import org.pclora.core.io.StateDict;
import org.pclora.core.model.Batch;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.model.TransformerClassifier;
import org.pclora.core.nn.Parameter;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;

/**
 * The checks every model family on the kit passes: a float64 finite-difference check of the
 * whole backward (logits and every tap kind at once) and a compressed state-dict round trip.
 */
public final class FamilyChecks {
    private FamilyChecks() {
    }

    /** Random order-1 weights (LayerNorm weights around 1) so every nonlinearity is exercised. */
    public static void randomise(ClassifierModel m, long seed) {
        for (Parameter p : m.parameters()) {
            INDArray r = GradientCheck.random(seed++, p.value().shape()).muli(0.5);
            if (p.name().contains("orm") && p.name().endsWith(".weight")) {
                r.addi(1.0);
            }
            p.set(r.castTo(p.value().dataType()));
        }
    }

    private static List<String> names(TransformerClassifier m) {
        return List.of("logits", "hidden", "block.0", "attention." + (m.blocks().size() - 1),
                "layer." + m.linearSlots().get(0).name());
    }

    private static INDArray outputs(TransformerClassifier m, Batch b, boolean training) {
        Features f = m.forward(b, training, TransformerClassifier.TAPS);
        return Nd4j.concat(0, names(m).stream().map(n -> f.get(n).reshape(-1)).toArray(INDArray[]::new));
    }

    /**
     * The parameters (of those {@code checked} selects) whose analytic gradient differs from the
     * numeric one by more than {@code tol}, with the error; {@code m} must be float64.
     */
    public static List<String> gradientFailures(TransformerClassifier m, Batch batch, double tol,
                                                Predicate<String> checked) {
        INDArray projection = GradientCheck.random(2, outputs(m, batch, false).length());
        Features f = m.forward(batch, true, TransformerClassifier.TAPS);
        Features grads = new Features();
        long at = 0;
        for (String name : names(m)) {
            INDArray v = f.get(name);
            grads.put(name, projection.get(NDArrayIndex.interval(at, at + v.length())).dup().reshape(v.shape()));
            at += v.length();
        }
        GradientCheck.zeroGrads(m.parameters());
        m.backward(grads);
        Supplier<INDArray> fn = () -> outputs(m, batch, false);
        List<String> failures = new ArrayList<>();
        for (Parameter p : m.parameters()) {
            if (checked.test(p.name())) {
                double err = GradientCheck.maxRelativeError(p.grad(), GradientCheck.numeric(p.value(), fn, projection));
                if (!(err < tol)) {
                    failures.add(p.name() + " " + err);
                }
            }
        }
        Features bad = new Features().put("logits", f.get("logits")).put("no.such.feature", f.get("logits"));
        m.forward(batch, true, Set.of());
        assertThrows(IllegalArgumentException.class, () -> m.backward(bad));
        return failures;
    }

    /**
     * Compresses a fresh model of {@code architecture} (rank 2, random B), exports it and loads it
     * back with no architecture given: the same logits, and a wrong-sized architecture refused.
     */
    public static <M extends TransformerClassifier> void stateDictRoundTrip(TransformerFamily<M> family,
            com.typesafe.config.Config architecture, com.typesafe.config.Config wrong, Path dir) {
        M model = family.create(architecture, 3);
        Adapters.apply(model, new PcLoraAdapterFactory(), new AdapterSpec(2, 4, AdapterSpec.BiasPolicy.ADAPTER,
                AdapterSpec.InitPolicy.KAIMING_UNIFORM, 5), family.defaultTargets());
        randomise(model, 40);
        Adapters.setLambda(model, 0);
        Adapters.compress(model);
        Batch batch = model.syntheticBatch(2, 9);
        INDArray before = model.forward(batch, false, Set.of()).get("logits").dup();
        Path file = dir.resolve(family.name() + ".safetensors");
        StateDict.save(file, model, null);
        M back = family.load(file, null, true);
        assertEquals(model.architecture(), back.architecture());
        assertEquals(0.0, before.sub(back.forward(batch, false, Set.of()).get("logits")).amaxNumber().doubleValue(),
                0.0);
        PcLoraException e = assertThrows(PcLoraException.class, () -> family.load(file, wrong, true));
        assertTrue(e.getMessage().contains("in the checkpoint vs"), e.getMessage());
    }
}
