package org.pclora.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One mini-batch: named input tensors and the labels. The first input is the primary one
 * (images [B, C, H, W], token ids [B, L], token vectors [B, T, D]); a model family names any
 * further inputs in its {@link InputSpec} (BERT: {@code attention_mask}, {@code token_type_ids}).
 *
 * @param tensors the inputs by name, primary first (never empty)
 * @param labels  class indices [B] (int), or null at inference
 */
public record Batch(Map<String, INDArray> tensors, INDArray labels) {
    /** The name the primary input gets when a batch is made with {@link #of}. */
    public static final String PRIMARY = "input";

    /** Copies the map (keeping its order) and rejects an empty one. */
    public Batch {
        if (tensors == null || tensors.isEmpty() || tensors.values().iterator().next() == null) {
            throw new IllegalArgumentException("a batch needs a primary input");
        }
        Map<String, INDArray> copy = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (v != null) {
                copy.put(k, v);
            }
        });
        tensors = Collections.unmodifiableMap(copy);
    }

    /** A batch of one primary input. */
    public static Batch of(INDArray input, INDArray labels) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put(PRIMARY, input);
        return new Batch(m, labels);
    }

    /** A batch of images [B, C, H, W] (same as {@link #of}). */
    public static Batch images(INDArray images, INDArray labels) {
        return of(images, labels);
    }

    /** This batch with one more named input ({@code value} null leaves it out). */
    public Batch with(String name, INDArray value) {
        if (value == null) {
            return this;
        }
        Map<String, INDArray> m = new LinkedHashMap<>(tensors);
        m.put(name, value);
        return new Batch(m, labels);
    }

    /** The primary input. */
    public INDArray inputs() {
        return tensors.values().iterator().next();
    }

    /** A named input, or null when the batch has none of that name. */
    public INDArray input(String name) {
        return tensors.get(name);
    }

    public long size() {
        return inputs().size(0);
    }
}
