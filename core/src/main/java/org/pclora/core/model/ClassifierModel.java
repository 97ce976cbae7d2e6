package org.pclora.core.model;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pclora.core.nn.Dropout;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.Parameter;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;

/**
 * A transformer classifier with explicit forward and backward, as supplied by a
 * {@code ModelFamily}. The trainer sees models only through this interface.
 */
public interface ClassifierModel {
    /** The family name, e.g. {@code vit}. */
    String family();

    /** The resolved architecture config (sizes, classes, epsilon ...), stored with exports. */
    Config architecture();

    /**
     * Forward pass. The result always holds {@code logits} [B, classes] and also the tapped
     * features of the requested kinds. With {@code training} true, state for one
     * {@link #backward} is kept and dropout is active.
     */
    Features forward(Batch batch, boolean training, Set<FeatureKind> taps);

    /**
     * Backward pass of the last training forward, given the gradient of the loss with respect to
     * {@code logits} and to any tapped features. Adds into trainable parameters' gradients.
     */
    void backward(Features gradients);

    /** All parameters with HF-style names, in a stable order. */
    List<Parameter> parameters();

    /** The linear maps inside the transformer blocks that adapters may replace, in model order. */
    List<LinearSlot> linearSlots();

    /** Number of tokens the blocks see for one example of this model's input size. */
    int tokens();

    /** What this model reads (named inputs, primary first), for commands that feed it files. */
    InputSpec inputSpec();

    /**
     * Random inputs and labels of this model's usual shape, for benchmarks (see
     * {@link InputSpec#synthetic}); families add inputs a realistic batch carries.
     */
    default Batch syntheticBatch(int batch, long seed) {
        Config a = architecture();
        return inputSpec().synthetic(batch, seed, a.hasPath("num_classes") ? a.getInt("num_classes") : 2);
    }

    /**
     * Multiply-adds per example outside the linear slots, by layer kind (e.g.
     * {@code patch_embedding}, {@code attention_scores}, {@code pooler}, {@code classifier}), for
     * accounting. Linear-slot MACs are computed from the slots themselves.
     */
    Map<String, Long> otherMacs();

    /**
     * Every dropout layer, in a stable order: checkpoints keep their mask streams so that a resumed
     * run draws the masks of the uninterrupted one. A model with dropout must list it here.
     */
    default List<Dropout> dropouts() {
        return List.of();
    }
}
