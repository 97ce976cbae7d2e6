package org.pclora.core.io;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.adapter.AdapterLayer;
import org.pclora.core.adapter.CompressedLinear;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.Layer;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.Parameter;

/**
 * A model's tensors by HF-style name, as exported to and loaded from safetensors files.
 *
 * <p>A slot holding a compressed layer, or an adapter at lambda 0, is exported in compressed form:
 * {@code X.lora_A.weight} [r, in], {@code X.lora_B.weight} [out, r] with the scaling folded in
 * and {@code X.lora_B.bias} [out] when there is an adapter bias, and no {@code X.weight}. An
 * adapter at lambda &gt; 0 (mid-decay, or plain LoRA) still needs its frozen path, so it is
 * exported merged into the dense function it computes: {@code X.weight = lambda W0 + s B A},
 * {@code X.bias = lambda b0 + b_A}.
 */
public final class StateDict {
    /** Metadata key of the resolved architecture, as JSON including {@code family}. */
    public static final String ARCHITECTURE_KEY = "pclora.architecture";
    /** Metadata key of the run provenance, as JSON. */
    public static final String PROVENANCE_KEY = "pclora.provenance";
    /** Metadata key of the class names in label order (the training data's), as a JSON array. */
    public static final String LABELS_KEY = "pclora.labels";
    /** Metadata key of the text encoder the model was trained with ({@link org.pclora.core.model.TextEncoder#description()}), as JSON. */
    public static final String TEXT_ENCODER_KEY = "pclora.text_encoder";

    private static final String LORA_A = ".lora_A.weight";
    private static final String LORA_B = ".lora_B.weight";
    private static final String LORA_BIAS = ".lora_B.bias";

    private StateDict() {
    }

    /** The model's tensors by name in model order (see the class comment for adapted slots). */
    public static Map<String, INDArray> export(ClassifierModel model) {
        Map<Parameter, LinearSlot> ownedByAdaptedSlot = new IdentityHashMap<>();
        List<LinearSlot> adapted = new ArrayList<>();
        for (LinearSlot slot : model.linearSlots()) {
            if (!(slot.layer() instanceof Linear)) {
                adapted.add(slot);
                slot.parameters().forEach(p -> ownedByAdaptedSlot.put(p, slot));
            }
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        Set<LinearSlot> emitted = new LinkedHashSet<>();
        for (Parameter p : model.parameters()) {
            LinearSlot slot = ownedByAdaptedSlot.get(p);
            if (slot == null) {
                put(out, p.name(), p.value());
            } else if (emitted.add(slot)) {
                exportSlot(out, slot);
            }
        }
        for (LinearSlot slot : adapted) {
            if (emitted.add(slot)) {
                exportSlot(out, slot);
            }
        }
        return out;
    }

    private static void exportSlot(Map<String, INDArray> out, LinearSlot slot) {
        Layer layer = slot.layer();
        String x = slot.name();
        CompressedLinear c = null;
        if (layer instanceof CompressedLinear cl) {
            c = cl;
        } else if (layer instanceof AdapterLayer adapter) {
            CompressedLinear adapterOnly = adapter.compress();
            double lambda = adapter.lambda();
            if (lambda == 0.0) {
                c = adapterOnly;
            } else {
                // W = lambda W0 + (s B) A; b = lambda b0 + b_A
                Linear dense = adapter.dense();
                INDArray w = dense.weight().value().mul(lambda);
                Nd4j.gemm(adapterOnly.b().value(), adapterOnly.a().value(), w, false, false, 1.0, 1.0);
                put(out, x + ".weight", w);
                INDArray b = dense.bias() == null ? null : dense.bias().value().mul(lambda);
                if (adapterOnly.bias() != null) {
                    b = b == null ? adapterOnly.bias().value() : b.addi(adapterOnly.bias().value());
                }
                if (b != null) {
                    put(out, x + ".bias", b);
                }
                return;
            }
        }
        if (c != null) {
            put(out, x + LORA_A, c.a().value());
            put(out, x + LORA_B, c.b().value());
            if (c.bias() != null) {
                put(out, x + LORA_BIAS, c.bias().value());
            }
        } else {
            for (Parameter p : layer.parameters()) {
                put(out, p.name(), p.value());
            }
        }
    }

    private static void put(Map<String, INDArray> out, String name, INDArray value) {
        if (out.put(name, value) != null) {
            throw new IllegalStateException("model has two tensors named " + name);
        }
    }

    /** Loads {@code tensors} into {@code model}; see {@link #load(ClassifierModel, Map, boolean, String)}. */
    public static LoadReport load(ClassifierModel model, Map<String, INDArray> tensors, boolean strict) {
        return load(model, tensors, strict, "state dict");
    }

    /**
     * Fills the model's parameters by name (values cast to the parameter's dtype). For a slot with
     * {@code X.lora_A.weight} and {@code X.lora_B.weight} (and optionally {@code X.lora_B.bias}) a
     * trainable {@link CompressedLinear} is put into the slot instead. Shape mismatches are reported
     * and skipped. When {@code strict}, any missing, unexpected or mismatched tensor raises a
     * {@link PcLoraException} naming them (and {@code source}) before the model is changed.
     */
    public static LoadReport load(ClassifierModel model, Map<String, INDArray> tensors, boolean strict, String source) {
        Map<String, LinearSlot> slots = new HashMap<>();
        for (LinearSlot s : model.linearSlots()) {
            slots.put(s.name(), s);
        }
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();

        // 1. Compressed slots: lora tensors grouped by the slot they name.
        Map<LinearSlot, Map<String, INDArray>> loraBySlot = new LinkedHashMap<>();
        Set<String> consumed = new LinkedHashSet<>();
        for (Map.Entry<String, INDArray> t : tensors.entrySet()) {
            String suffix = loraSuffix(t.getKey());
            if (suffix == null) {
                continue;
            }
            LinearSlot slot = slots.get(t.getKey().substring(0, t.getKey().length() - suffix.length()));
            if (slot != null) {
                loraBySlot.computeIfAbsent(slot, k -> new HashMap<>()).put(suffix, t.getValue());
                consumed.add(t.getKey());
            }
        }
        Map<LinearSlot, CompressedLinear> replacements = new LinkedHashMap<>();
        for (Map.Entry<LinearSlot, Map<String, INDArray>> e : loraBySlot.entrySet()) {
            LinearSlot slot = e.getKey();
            INDArray a = e.getValue().get(LORA_A);
            INDArray b = e.getValue().get(LORA_B);
            INDArray bias = e.getValue().get(LORA_BIAS);
            if (a == null || b == null) {
                missing.add(slot.name() + (a == null ? LORA_A : LORA_B));
                continue;
            }
            String problem = compressedShapeProblem(slot, a, b, bias);
            if (problem != null) {
                mismatched.add(slot.name() + ".lora_*: " + problem);
                continue;
            }
            DataType dtype = slotDtype(slot);
            replacements.put(slot, new CompressedLinear(slot.name(),
                    Parameter.trainable(slot.name() + LORA_A, a.castTo(dtype).dup(), true),
                    Parameter.trainable(slot.name() + LORA_B, b.castTo(dtype).dup(), true),
                    bias == null ? null : Parameter.trainable(slot.name() + LORA_BIAS, bias.castTo(dtype).dup(), false)));
        }
        Map<Parameter, LinearSlot> ownedByReplaced = new IdentityHashMap<>();
        replacements.keySet().forEach(s -> s.parameters().forEach(p -> ownedByReplaced.put(p, s)));

        // 2. Everything else by parameter name.
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (Parameter p : model.parameters()) {
            if (!ownedByReplaced.containsKey(p)) {
                params.put(p.name(), p);
            }
        }
        Map<Parameter, INDArray> assignments = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> t : tensors.entrySet()) {
            if (consumed.contains(t.getKey())) {
                continue;
            }
            Parameter p = params.get(t.getKey());
            if (p == null) {
                unexpected.add(t.getKey());
            } else if (!Arrays.equals(p.value().shape(), t.getValue().shape())) {
                mismatched.add(t.getKey() + ": checkpoint " + Arrays.toString(t.getValue().shape()) + " vs model "
                        + Arrays.toString(p.value().shape()));
            } else {
                assignments.put(p, t.getValue());
            }
        }
        for (Parameter p : params.values()) {
            if (!assignments.containsKey(p) && mismatched.stream().noneMatch(m -> m.startsWith(p.name() + ":"))) {
                missing.add(p.name());
            }
        }
        LoadReport report = new LoadReport(missing, unexpected, mismatched);
        if (strict && !report.clean()) {
            throw new PcLoraException(source + " does not match model '" + model.family() + "': " + report.summary()
                    + "; strict loading needs exactly the model's tensor names and shapes");
        }
        assignments.forEach((p, v) -> p.set(v.dataType() == p.value().dataType() ? v : v.castTo(p.value().dataType())));
        replacements.forEach(LinearSlot::replace);
        return report;
    }

    private static String loraSuffix(String name) {
        for (String s : new String[] {LORA_A, LORA_B, LORA_BIAS}) {
            if (name.endsWith(s)) {
                return s;
            }
        }
        return null;
    }

    private static String compressedShapeProblem(LinearSlot slot, INDArray a, INDArray b, INDArray bias) {
        long in = slot.inFeatures();
        long out = slot.outFeatures();
        if (a.rank() != 2 || b.rank() != 2 || a.size(1) != in || b.size(0) != out || a.size(0) != b.size(1)
                || a.size(0) < 1 || (bias != null && (bias.rank() != 1 || bias.size(0) != out))) {
            return "checkpoint A " + Arrays.toString(a.shape()) + ", B " + Arrays.toString(b.shape())
                    + (bias == null ? "" : ", bias " + Arrays.toString(bias.shape())) + " vs model A [r, " + in
                    + "], B [" + out + ", r], bias [" + out + "]";
        }
        return null;
    }

    private static DataType slotDtype(LinearSlot slot) {
        List<Parameter> ps = slot.parameters();
        return ps.isEmpty() ? DataType.FLOAT : ps.get(0).value().dataType();
    }

    /** The resolved architecture as JSON, with {@code family} added. */
    public static String architectureJson(ClassifierModel model) {
        return model.architecture().withValue("family", ConfigValueFactory.fromAnyRef(model.family())).root()
                .render(ConfigRenderOptions.concise());
    }

    /** Metadata for an exported model: architecture (with family) and, if given, provenance JSON. */
    public static Map<String, String> metadata(ClassifierModel model, String provenanceJson) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(ARCHITECTURE_KEY, architectureJson(model));
        if (provenanceJson != null) {
            m.put(PROVENANCE_KEY, provenanceJson);
        }
        return m;
    }

    /** Exports {@code model} to a safetensors file (atomically) with {@link #metadata}. */
    public static void save(Path file, ClassifierModel model, String provenanceJson) {
        save(file, model, provenanceJson, Map.of());
    }

    /**
     * Exports {@code model} with {@link #metadata} and {@code more} (e.g. {@link #inputMetadata}),
     * atomically.
     */
    public static void save(Path file, ClassifierModel model, String provenanceJson, Map<String, String> more) {
        Map<String, String> m = metadata(model, provenanceJson);
        m.putAll(more);
        Safetensors.write(file, export(model), m);
    }

    /**
     * What an export needs to take raw inputs and name its outputs: the class names
     * ({@link #LABELS_KEY}) and, for text, the tokenizer ({@link #TEXT_ENCODER_KEY}) of the
     * training data.
     */
    public static Map<String, String> inputMetadata(org.pclora.core.data.Dataset train) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(LABELS_KEY, ConfigValueFactory.fromIterable(train.classNames()).render(ConfigRenderOptions.concise()));
        train.textEncoding().ifPresent(c -> m.put(TEXT_ENCODER_KEY, c.root().render(ConfigRenderOptions.concise())));
        return m;
    }
}
