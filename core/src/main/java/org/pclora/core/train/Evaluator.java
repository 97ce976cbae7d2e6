package org.pclora.core.train;

import java.util.Iterator;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.data.Dataset;
import org.pclora.core.memory.StepWorkspace;
import org.pclora.core.model.Batch;
import org.pclora.core.model.ClassifierModel;

/** Classification accuracy of a model on a dataset, in evaluation mode (no dropout, nothing kept). */
public final class Evaluator {
    private Evaluator() {
    }

    /** Fraction of examples whose arg-max logit equals the label, in [0, 1]. */
    public static double accuracy(ClassifierModel model, Dataset data, int batchSize) {
        return evaluate(model, data, batchSize, false).accuracy();
    }

    /** Accuracy in [0, 1] and mean cross-entropy of a model on a dataset. */
    public record Score(double accuracy, double loss) {
    }

    /** Accuracy and mean cross-entropy over {@code data}, in evaluation mode. */
    public static Score score(ClassifierModel model, Dataset data, int batchSize) {
        return evaluate(model, data, batchSize, true);
    }

    /** One pass over {@code data}: accuracy, and the mean cross-entropy when {@code withLoss} (else NaN). */
    private static Score evaluate(ClassifierModel model, Dataset data, int batchSize, boolean withLoss) {
        long correct = 0;
        long seen = 0;
        double lossSum = 0;
        Iterator<Batch> it = data.batches(batchSize, false, 0L, false);
        try (StepWorkspace workspace = new StepWorkspace("PCLORA_EVAL_BATCH")) {
            while (it.hasNext()) {
                Batch b = it.next();
                try (StepWorkspace.Scope ignored = workspace.step()) {
                    INDArray logits = model.forward(b, false, Set.of()).get("logits");
                    correct += countCorrect(logits, b.labels());
                    if (withLoss) {
                        lossSum += org.pclora.core.nn.SoftmaxCrossEntropy.lossAndGradient(logits, b.labels()).loss()
                                * b.size();
                    }
                }
                seen += b.size();
            }
        }
        return seen == 0 ? new Score(0, Double.NaN)
                : new Score(correct / (double) seen, withLoss ? lossSum / seen : Double.NaN);
    }

    /** Number of rows of {@code logits} [B, C] whose arg-max equals {@code labels} [B]. */
    public static long countCorrect(INDArray logits, INDArray labels) {
        INDArray pred = logits.argMax(1).castTo(DataType.LONG);
        INDArray lab = labels.castTo(DataType.LONG).reshape(pred.shape());
        return pred.eq(lab).castTo(DataType.INT).sumNumber().longValue();
    }
}
