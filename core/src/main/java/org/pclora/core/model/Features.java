package org.pclora.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Named intermediate outputs of one forward pass (see {@link FeatureKind} for the names), in
 * the order the model produced them. Also used for gradients with respect to those outputs.
 */
public final class Features {
    /**
     * The padding mask of the forward's batch, [batch, tokens] (1 real token, 0 padding), when the
     * batch had one: distillation losses over token features average over real tokens only. It
     * belongs to no {@link FeatureKind}.
     */
    public static final String TOKEN_MASK = "token_mask";
    private final Map<String, INDArray> byName = new LinkedHashMap<>();

    public Features put(String name, INDArray value) {
        byName.put(name, value);
        return this;
    }

    public INDArray get(String name) {
        return byName.get(name);
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The features of one kind, in model order. */
    public Map<String, INDArray> ofKind(FeatureKind kind) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        byName.forEach((k, v) -> {
            if (kind.matches(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    public Map<String, INDArray> asMap() {
        return Collections.unmodifiableMap(byName);
    }

    public boolean isEmpty() {
        return byName.isEmpty();
    }
}
