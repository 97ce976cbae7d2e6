package org.pclora.core.adapter;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.pclora.core.PcLoraException;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.LinearSlot;


/** Puts adapters into a model's linear slots, drives their lambda and compresses them. */
public final class Adapters {
    private Adapters() {
    }

    /**
     * Wraps every dense linear slot whose name matches {@code targetRegex} as a whole (as PEFT's
     * {@code re.fullmatch}) with {@code factory}, and returns the adapters in model order.
     * Throws a {@link PcLoraException} for an invalid pattern, a pattern that matches no slot, or a
     * matching slot that already holds an adapter or a compressed layer.
     */
    public static List<AdapterLayer> apply(ClassifierModel model, AdapterMaker factory, AdapterSpec spec,
                                           String targetRegex) {
        Pattern pattern;
        try {
            pattern = Pattern.compile(targetRegex);
        } catch (PatternSyntaxException e) {
            throw new PcLoraException("adapter target pattern '" + targetRegex + "' is not a valid regular expression ("
                    + e.getDescription() + "): give a Java regex matched against whole slot names");
        }
        List<LinearSlot> matched = new ArrayList<>();
        for (LinearSlot slot : model.linearSlots()) {
            if (pattern.matcher(slot.name()).matches()) {
                if (!(slot.layer() instanceof Linear)) {
                    throw new PcLoraException("adapter target pattern '" + targetRegex + "' matches slot "
                            + slot.name() + ", which already holds " + slot.layer().getClass().getSimpleName()
                            + ": adapters wrap dense slots only");
                }
                matched.add(slot);
            }
        }
        if (matched.isEmpty()) {
            List<LinearSlot> slots = model.linearSlots();
            String examples = slots.stream().limit(6).map(LinearSlot::name).reduce((x, y) -> x + ", " + y).orElse("");
            throw new PcLoraException("adapter target pattern '" + targetRegex + "' matches none of the "
                    + slots.size() + " linear slots: the pattern must match whole slot names such as " + examples);
        }
        // Check every slot first, so that a rank too large for one slot leaves the model untouched.
        for (LinearSlot slot : matched) {
            spec.checkFits(slot.name(), slot.inFeatures(), slot.outFeatures());
        }
        List<AdapterLayer> adapters = new ArrayList<>(matched.size());
        for (LinearSlot slot : matched) {
            AdapterLayer adapter = factory.wrap((Linear) slot.layer(), spec);
            slot.replace(adapter);
            adapters.add(adapter);
        }
        return adapters;
    }

    /** The adapters now in the model's slots, in model order. */
    public static List<AdapterLayer> adapters(ClassifierModel model) {
        List<AdapterLayer> out = new ArrayList<>();
        for (LinearSlot slot : model.linearSlots()) {
            if (slot.layer() instanceof AdapterLayer adapter) {
                out.add(adapter);
            }
        }
        return out;
    }

    /**
     * Sets the decay factor of every adapter in the model (plain LoRA adapters ignore it); a value
     * outside [0, 1] is refused by {@link PcLoraLinear#checkLambda}, even for a model without adapters.
     */
    public static void setLambda(ClassifierModel model, double lambda) {
        PcLoraLinear.checkLambda(lambda);
        for (AdapterLayer adapter : adapters(model)) {
            adapter.setLambda(lambda);
        }
    }

    /**
     * Whether {@link #compress} would succeed: every adapter in the model is at lambda 0 (a plain
     * LoRA adapter never is). True for a model without adapters.
     */
    public static boolean compressible(ClassifierModel model) {
        return adapters(model).stream().allMatch(a -> a.lambda() == 0.0);
    }

    /**
     * Replaces every adapter in the model's slots by its compressed form (A and s*B, b_A). Every
     * adapter must be at lambda 0, where the compressed layer computes the same function; a plain
     * LoRA adapter (lambda fixed at 1) therefore cannot be compressed. Nothing changes on error.
     */
    public static void compress(ClassifierModel model) {
        List<LinearSlot> adapted = new ArrayList<>();
        for (LinearSlot slot : model.linearSlots()) {
            if (slot.layer() instanceof AdapterLayer adapter) {
                if (adapter.lambda() != 0.0) {
                    throw new PcLoraException("cannot compress layer " + slot.name() + ": its adapter has lambda "
                            + adapter.lambda() + " (" + adapter.getClass().getSimpleName() + "); compression drops the"
                            + " frozen path and needs lambda 0, i.e. a decay schedule that has reached 0");
                }
                adapted.add(slot);
            }
        }
        for (LinearSlot slot : adapted) {
            slot.replace(((AdapterLayer) slot.layer()).compress());
        }
    }
}
