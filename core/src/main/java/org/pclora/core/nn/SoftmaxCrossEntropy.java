package org.pclora.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pclora.core.PcLoraException;

/**
 * The task loss: softmax cross-entropy of logits [B, C] against integer labels [B], averaged
 * over the batch, with its gradient {@code (softmax(logits) - onehot(labels)) / B}.
 */
public final class SoftmaxCrossEntropy {
    private SoftmaxCrossEntropy() {
    }

    /**
     * The mean loss and its gradient with respect to the logits.
     *
     * @param loss    mean over the batch of {@code -log softmax(logits)[label]}
     * @param dLogits [B, C], same dtype as the logits
     */
    public record Result(double loss, INDArray dLogits) {
    }

    /** Row-wise softmax over the last axis (libnd4j subtracts the row maximum first). */
    public static INDArray softmax(INDArray logits) {
        INDArray out = logits.ulike();
        Nd4j.exec(new SoftMax(logits, out, logits.rank() - 1));
        return out;
    }

    /**
     * Loss and gradient for one batch. Computed from the max-shifted logits so that large logits
     * neither overflow nor give log(0).
     *
     * @param logits [B, C]
     * @param labels [B] class indices (any numeric dtype holding integers)
     */
    public static Result lossAndGradient(INDArray logits, INDArray labels) {
        if (logits.rank() != 2) {
            throw new IllegalArgumentException("logits must be [batch, classes], got rank " + logits.rank());
        }
        int batch = (int) logits.size(0);
        int classes = (int) logits.size(1);
        int[] y = labels.reshape(labels.length()).toIntVector();
        if (y.length != batch) {
            throw new IllegalArgumentException("labels: " + y.length + " labels for a batch of " + batch);
        }
        for (int label : y) {
            if (label < 0 || label >= classes) {
                throw new PcLoraException("label " + label + " is out of range for a classifier with "
                        + classes + " classes; accepted labels are 0.." + (classes - 1));
            }
        }
        INDArray shifted = logits.subColumnVector(logits.max(true, 1));
        INDArray probs = Transforms.exp(shifted, true);
        INDArray sum = probs.sum(true, 1);
        probs.diviColumnVector(sum);
        double total = 0;
        for (int i = 0; i < batch; i++) {
            // -log p = log(sum exp(shifted)) - shifted[label]
            total += Math.log(sum.getDouble(i, 0)) - shifted.getDouble(i, y[i]);
            probs.putScalar(i, y[i], probs.getDouble(i, y[i]) - 1.0);
        }
        probs.muli(1.0 / batch);
        return new Result(total / batch, probs);
    }
}
