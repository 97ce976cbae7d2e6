package org.pclora.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One mini-batch.
 *
 * @param inputs        images [B, C, H, W] float, or token ids [B, L] (int or long)
 * @param attentionMask [B, L] with 1 for real tokens and 0 for padding, or null
 * @param tokenTypes    [B, L] segment ids, or null
 * @param labels        class indices [B] (int), or null at inference
 */
public record Batch(INDArray inputs, INDArray attentionMask, INDArray tokenTypes, INDArray labels) {

    public static Batch images(INDArray images, INDArray labels) {
        return new Batch(images, null, null, labels);
    }

    public long size() {
        return inputs.size(0);
    }
}
