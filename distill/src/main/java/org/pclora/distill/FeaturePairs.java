package org.pclora.distill;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.PcLoraException;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;

/**
 * Matches the student's features of one kind with the teacher's by name, checking that both have
 * the same names and shapes (teacher and student share the architecture in PC-LoRA).
 */
final class FeaturePairs {
    /** One student feature and its teacher counterpart (cast to the student's data type). */
    record Pair(String name, INDArray teacher, INDArray student) {
    }

    private FeaturePairs() {
    }

    /** The pairs of {@code kind} in model order; none at all, or a name or shape mismatch, is an error. */
    static List<Pair> of(String loss, FeatureKind kind, Features teacher, Features student) {
        Map<String, INDArray> s = student.ofKind(kind);
        Map<String, INDArray> t = teacher.ofKind(kind);
        if (s.isEmpty()) {
            throw new PcLoraException("distill loss '" + loss + "' found no student features of kind " + kind
                    + " (names '" + kind.prefix() + (kind.single() ? "" : "*")
                    + "'); request that tap in the student's forward pass");
        }
        if (!s.keySet().equals(t.keySet())) {
            throw new PcLoraException("distill loss '" + loss + "': teacher and student features of kind " + kind
                    + " differ: teacher " + t.keySet() + ", student " + s.keySet()
                    + "; teacher and student must have the same architecture and taps");
        }
        List<Pair> pairs = new ArrayList<>(s.size());
        for (Map.Entry<String, INDArray> e : s.entrySet()) {
            INDArray st = e.getValue();
            INDArray te = t.get(e.getKey());
            if (!Arrays.equals(st.shape(), te.shape())) {
                throw new PcLoraException("distill loss '" + loss + "': feature '" + e.getKey() + "' has teacher shape "
                        + Arrays.toString(te.shape()) + " but student shape " + Arrays.toString(st.shape())
                        + "; teacher and student must have the same architecture and batch");
            }
            pairs.add(new Pair(e.getKey(), te.castTo(st.dataType()), st));
        }
        return pairs;
    }
}
