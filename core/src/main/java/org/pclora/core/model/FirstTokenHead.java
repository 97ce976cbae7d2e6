package org.pclora.core.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pclora.core.nn.Dropout;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.Parameter;

/**
 * A classifier on the first token ({@code [CLS]}): {@code classifier(h_0)} (ViT), or with a
 * pooler {@code classifier(dropout(tanh(pooler(h_0))))} (BERT).
 */
public final class FirstTokenHead implements Head {
    private final Linear pooler;
    private final Dropout dropout;
    private final Linear classifier;
    private INDArray pooled;

    /**
     * @param pooler     the tanh pooler [D, D], or null
     * @param dropout    dropout before the classifier, or null
     * @param classifier [classes, D]
     */
    public FirstTokenHead(Linear pooler, Dropout dropout, Linear classifier) {
        this.pooler = pooler;
        this.dropout = dropout;
        this.classifier = classifier;
    }

    @Override
    public INDArray forward(INDArray hidden, boolean training) {
        INDArray x = hidden.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).dup('c');
        if (pooler != null) {
            x = Transforms.tanh(pooler.forward(x, training), false);
            pooled = training ? x : null;
        }
        if (dropout != null) {
            x = dropout.forward(x, training);
        }
        return classifier.forward(x, training);
    }

    @Override
    public void backward(INDArray dLogits, INDArray dHidden) {
        long b = dHidden.size(0);
        if (dLogits == null) {
            if (pooler == null && dropout == null) {
                return;
            }
            // Keep the layers' training state consistent for the next step.
            dLogits = Nd4j.zeros(dHidden.dataType(), b, classifier.outFeatures());
        }
        INDArray dx = classifier.backward(dLogits.castTo(dHidden.dataType()));
        if (dropout != null) {
            dx = dropout.backward(dx);
        }
        if (pooler != null) {
            // tanh' = 1 - tanh^2
            dx = pooler.backward(dx.mul(pooled.mul(pooled).rsubi(1.0)));
            pooled = null;
        }
        dHidden.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).addi(dx);
    }

    @Override
    public List<Dropout> dropouts() {
        return dropout == null ? List.of() : List.of(dropout);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        if (pooler != null) {
            ps.addAll(pooler.parameters());
        }
        ps.addAll(classifier.parameters());
        return ps;
    }

    @Override
    public Map<String, Long> macs() {
        Map<String, Long> m = new LinkedHashMap<>();
        long d = classifier.inFeatures();
        if (pooler != null) {
            m.put("pooler", d * d);
        }
        m.put("classifier", d * classifier.outFeatures());
        return m;
    }
}
