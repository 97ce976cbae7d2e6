package org.pclora.bert.tf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Maps the variable names of Google's TF BERT checkpoints to HF {@code BertForSequenceClassification}
 * names: {@code bert/encoder/layer_3/attention/self/query/kernel} (stored [in, out]) becomes
 * {@code bert.encoder.layer.3.attention.self.query.weight} ([out, in]); LayerNorm {@code gamma}/
 * {@code beta} become {@code weight}/{@code bias}; embedding tables get {@code .weight}; a leading
 * {@code module/} (TF Hub) is dropped; {@code output_weights}/{@code output_bias} of
 * {@code run_classifier} checkpoints become the classifier. The pre-training heads
 * ({@code cls/predictions/*}, {@code cls/seq_relationship/*}) are mapped to their HF names but
 * reported apart as present and unused; optimizer slots and {@code global_step} are skipped.
 */
public final class TfBertNames {
    private static final Pattern LAYER = Pattern.compile("layer_(\\d+)");

    private TfBertNames() {
    }

    /** What one TF variable is to a BERT classifier. */
    public enum Role {
        /** A weight of the encoder, pooler or classifier. */
        WEIGHT,
        /** A pre-training head tensor (masked LM or next sentence): present, unused by a classifier. */
        UNUSED_HEAD,
        /** Training state: {@code global_step} and Adam slots. */
        TRAINING_STATE,
        /** Not a BERT variable. */
        UNKNOWN
    }

    /** The HF name of a TF variable, whether its kernel must be transposed, and its role. */
    public record Mapped(String tfName, String hfName, boolean transpose, Role role) {
    }

    /** Maps one TF variable name. */
    public static Mapped map(String tfName) {
        String n = tfName.startsWith("module/") ? tfName.substring("module/".length()) : tfName;
        if (n.equals("global_step") || n.endsWith("/adam_m") || n.endsWith("/adam_v")) {
            return new Mapped(tfName, null, false, Role.TRAINING_STATE);
        }
        if (n.equals("output_weights")) {
            return new Mapped(tfName, "classifier.weight", false, Role.WEIGHT);
        }
        if (n.equals("output_bias")) {
            return new Mapped(tfName, "classifier.bias", false, Role.WEIGHT);
        }
        boolean head = n.startsWith("cls/");
        if (!head && !n.startsWith("bert/")) {
            return new Mapped(tfName, null, false, Role.UNKNOWN);
        }
        Role role = head ? Role.UNUSED_HEAD : Role.WEIGHT;
        if (n.equals("cls/predictions/output_bias")) {
            return new Mapped(tfName, "cls.predictions.bias", false, role);
        }
        if (n.equals("cls/seq_relationship/output_weights")) {
            return new Mapped(tfName, "cls.seq_relationship.weight", false, role);
        }
        if (n.equals("cls/seq_relationship/output_bias")) {
            return new Mapped(tfName, "cls.seq_relationship.bias", false, role);
        }
        Matcher m = LAYER.matcher(n);
        String dotted = m.replaceAll("layer.$1").replace('/', '.');
        boolean transpose = false;
        if (dotted.endsWith(".kernel")) {
            dotted = dotted.substring(0, dotted.length() - ".kernel".length()) + ".weight";
            transpose = true;
        } else if (dotted.endsWith(".gamma")) {
            dotted = dotted.substring(0, dotted.length() - ".gamma".length()) + ".weight";
        } else if (dotted.endsWith(".beta")) {
            dotted = dotted.substring(0, dotted.length() - ".beta".length()) + ".bias";
        } else if (dotted.endsWith("_embeddings")) {
            dotted = dotted + ".weight";
        } else if (!dotted.endsWith(".bias")) {
            return new Mapped(tfName, null, false, Role.UNKNOWN);
        }
        return new Mapped(tfName, dotted, transpose, role);
    }

    /**
     * A bundle converted to HF names and layout.
     *
     * @param weights      encoder, pooler (and classifier) tensors by HF name, [out, in] kernels
     * @param unusedHeads  pre-training head tensors by HF name, present and unused by a classifier
     * @param skipped      TF names of training state that were not read
     * @param unknown      TF names that are not BERT variables
     */
    public record Converted(Map<String, INDArray> weights, Map<String, INDArray> unusedHeads, List<String> skipped,
                            List<String> unknown) {
    }

    /** Reads and converts every BERT tensor of a bundle (float tensors only; others are skipped). */
    public static Converted convert(TensorBundle bundle) {
        Map<String, INDArray> weights = new LinkedHashMap<>();
        Map<String, INDArray> heads = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (TensorBundle.Entry e : bundle.entries().values()) {
            Mapped m = map(e.name());
            switch (m.role()) {
                case TRAINING_STATE -> skipped.add(e.name());
                case UNKNOWN -> unknown.add(e.name());
                default -> {
                    INDArray t = bundle.readFloat(e.name());
                    if (m.transpose()) {
                        t = t.transpose().dup('c');
                    }
                    (m.role() == Role.WEIGHT ? weights : heads).put(m.hfName(), t);
                }
            }
        }
        return new Converted(weights, heads, skipped, unknown);
    }
}
