package org.pclora.core.accounting;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.pclora.core.adapter.AdapterLayer;
import org.pclora.core.adapter.CompressedLinear;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.Layer;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.Parameter;

/**
 * Parameter and multiply-add (MAC) counts of a model, dense (as pre-trained) and compressed (what
 * remains once every adapted layer is A and B only), by layer kind, with the compression figures
 * {@code 1 - compressed / dense}. Every printed figure comes with {@link #countingRule()}.
 */
public final class Accounting {
    /** Kind of the adapted linear slots. */
    public static final String ADAPTED = "adapted linear";
    /** Kind of linear slots left dense. */
    public static final String DENSE_SLOTS = "dense linear";

    private Accounting() {
    }

    /** Counts of one layer kind (or of a sum of kinds). */
    public record Row(String kind, long denseParameters, long compressedParameters, long denseMacs,
                      long compressedMacs) {
        /** 1 - compressed / dense parameters (0 when there are none). */
        public double parameterCompression() {
            return denseParameters == 0 ? 0 : 1.0 - (double) compressedParameters / denseParameters;
        }

        /** 1 - compressed / dense MACs (0 when there are none). */
        public double macCompression() {
            return denseMacs == 0 ? 0 : 1.0 - (double) compressedMacs / denseMacs;
        }

        Row plus(Row o, String name) {
            return new Row(name, denseParameters + o.denseParameters, compressedParameters + o.compressedParameters,
                    denseMacs + o.denseMacs, compressedMacs + o.compressedMacs);
        }
    }

    /**
     * The accounting of one model.
     *
     * @param family       model family
     * @param tokens       tokens per example the MACs are counted at
     * @param adaptedSlots number of adapted linear slots
     * @param rows         one row per kind, in model order
     * @param adapted      the adapted layers only
     * @param total        the whole model
     */
    public record Report(String family, int tokens, int adaptedSlots, List<Row> rows, Row adapted, Row total) {
        /** The row of one kind, or null. */
        public Row row(String kind) {
            return rows.stream().filter(r -> r.kind().equals(kind)).findFirst().orElse(null);
        }

        /** A fixed-width table of every row, the adapted-only and total rows, then the counting rule. */
        public String table() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "Parameters and MACs of %s, %d tokens per example, %d adapted"
                    + " linear layers%n", family, tokens, adaptedSlots));
            String fmt = "%-22s %15s %15s %8s %17s %17s %8s%n";
            sb.append(String.format(Locale.ROOT, fmt, "kind", "dense params", "compr. params", "compr.",
                    "dense MACs", "compr. MACs", "compr."));
            for (Row r : rows) {
                line(sb, fmt, r);
            }
            line(sb, fmt, adapted);
            line(sb, fmt, total);
            sb.append("counting rule: ").append(countingRule()).append(System.lineSeparator());
            return sb.toString();
        }

        private static void line(StringBuilder sb, String fmt, Row r) {
            sb.append(String.format(Locale.ROOT, fmt, r.kind(), String.format(Locale.ROOT, "%,d", r.denseParameters()),
                    String.format(Locale.ROOT, "%,d", r.compressedParameters()), percent(r.parameterCompression()),
                    String.format(Locale.ROOT, "%,d", r.denseMacs()), String.format(Locale.ROOT, "%,d", r.compressedMacs()),
                    percent(r.macCompression())));
        }

        private static String percent(double v) {
            return String.format(Locale.ROOT, "%.2f%%", 100 * v);
        }
    }

    /** What the figures count, printed beside every figure. */
    public static String countingRule() {
        return "parameters: every tensor of the model (trainable or frozen, all biases, embeddings, LayerNorms,"
                + " pooler, classifier); compressed: the W0 and b0 of every adapted linear layer removed and its"
                + " A [r,in], B [out,r] and adapter bias b_A [out] (if any) added, everything else unchanged;"
                + " a layer loaded already compressed is compared with a dense layer with bias."
                + " MACs: multiply-adds per example at the model's T tokens, of every linear map (T*in*out dense,"
                + " T*r*(in+out) adapted) and of what the model reports besides (attention products QK^T and PV,"
                + " patch projection, pooler, classifier); bias adds, residual adds, LayerNorm, softmax, GELU and"
                + " embedding look-ups are not counted. compression = 1 - compressed/dense.";
    }

    /** The model as it is now: slots holding an adapter or a compressed layer count as adapted. */
    public static Report of(ClassifierModel model) {
        List<SlotCount> slots = new ArrayList<>();
        for (LinearSlot slot : model.linearSlots()) {
            slots.add(countAsIs(slot, model.tokens()));
        }
        return report(model, slots);
    }

    /**
     * The model as it would be with adapters of rank {@code rank} on the dense slots whose whole
     * name matches {@code targetRegex} (with an adapter bias if {@code adapterBias}); slots already
     * adapted count as they are.
     */
    public static Report planned(ClassifierModel model, String targetRegex, int rank, boolean adapterBias) {
        Pattern p = Pattern.compile(targetRegex);
        List<SlotCount> slots = new ArrayList<>();
        long t = model.tokens();
        for (LinearSlot slot : model.linearSlots()) {
            if (slot.layer() instanceof Linear dense && p.matcher(slot.name()).matches()) {
                long in = slot.inFeatures();
                long out = slot.outFeatures();
                slots.add(new SlotCount(slot, true, size(dense.parameters()),
                        rank * (in + out) + (adapterBias ? out : 0), t * in * out, t * rank * (in + out)));
            } else {
                slots.add(countAsIs(slot, model.tokens()));
            }
        }
        return report(model, slots);
    }

    /**
     * One line when adapters of rank {@code rank} on the dense slots matching {@code targetRegex}
     * would hold as many weights as some of the layers they replace or more
     * ({@code r·(in+out) >= in·out}): how many such layers, and the largest rank that keeps every
     * adapter smaller than its layer. Empty when every adapter is smaller.
     */
    public static java.util.Optional<String> oversizedAdapters(ClassifierModel model, String targetRegex, int rank) {
        Pattern p = Pattern.compile(targetRegex);
        int targeted = 0;
        int larger = 0;
        long maxRank = Long.MAX_VALUE;
        String example = null;
        for (LinearSlot slot : model.linearSlots()) {
            if (slot.layer() instanceof Linear && p.matcher(slot.name()).matches()) {
                long in = slot.inFeatures();
                long out = slot.outFeatures();
                targeted++;
                maxRank = Math.min(maxRank, (in * out - 1) / (in + out));
                if ((long) rank * (in + out) >= in * out) {
                    larger++;
                    if (example == null) {
                        example = slot.name() + " [" + out + " x " + in + "]: " + in * out + " weights, its adapter "
                                + (long) rank * (in + out);
                    }
                }
            }
        }
        if (larger == 0) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("rank " + rank + " makes the adapters of " + larger + " of " + targeted
                + " adapted layers as large as the layers they replace or larger (e.g. " + example
                + "): the model does not shrink there; rank " + maxRank + " or less keeps every adapter smaller");
    }

    /** One slot's counts. */
    private record SlotCount(LinearSlot slot, boolean adapted, long denseParameters, long compressedParameters,
                             long denseMacs, long compressedMacs) {
    }

    private static SlotCount countAsIs(LinearSlot slot, long tokens) {
        long in = slot.inFeatures();
        long out = slot.outFeatures();
        long denseMacs = tokens * in * out;
        Layer layer = slot.layer();
        if (layer instanceof AdapterLayer adapter) {
            Set<Parameter> frozenPath = Collections.newSetFromMap(new IdentityHashMap<>());
            frozenPath.addAll(adapter.dense().parameters());
            long adapterOnly = adapter.parameters().stream().filter(q -> !frozenPath.contains(q))
                    .mapToLong(Parameter::size).sum();
            return new SlotCount(slot, true, size(adapter.dense().parameters()), adapterOnly, denseMacs,
                    tokens * adapter.rank() * (in + out));
        }
        if (layer instanceof CompressedLinear c) {
            return new SlotCount(slot, true, in * out + out, size(c.parameters()), denseMacs,
                    tokens * c.rank() * (in + out));
        }
        long p = size(layer.parameters());
        return new SlotCount(slot, false, p, p, denseMacs, denseMacs);
    }

    private static long size(List<Parameter> ps) {
        return ps.stream().mapToLong(Parameter::size).sum();
    }

    /**
     * The kind of a tensor or MAC entry outside the linear slots, from its name: {@code layernorm},
     * {@code embeddings}, {@code classifier/pooler}, or for other parameters {@code other}.
     */
    public static String kindOf(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.contains("norm") || n.matches(".*(^|\\.)ln(_?\\d*)?(\\.|$).*")) {
            return "layernorm";
        }
        if (n.contains("embed") || n.contains("cls_token")) {
            return "embeddings";
        }
        if (n.contains("classifier") || n.contains("pooler") || n.contains("head")) {
            return "classifier/pooler";
        }
        return "other";
    }

    private static Report report(ClassifierModel model, List<SlotCount> slots) {
        Set<Parameter> inSlots = Collections.newSetFromMap(new IdentityHashMap<>());
        for (LinearSlot s : model.linearSlots()) {
            inSlots.addAll(s.parameters());
            if (s.layer() instanceof AdapterLayer a) {
                inSlots.addAll(a.dense().parameters());
            }
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        Row adapted = new Row(ADAPTED, 0, 0, 0, 0);
        Row dense = new Row(DENSE_SLOTS, 0, 0, 0, 0);
        int adaptedCount = 0;
        for (SlotCount s : slots) {
            Row r = new Row("", s.denseParameters(), s.compressedParameters(), s.denseMacs(), s.compressedMacs());
            if (s.adapted()) {
                adapted = adapted.plus(r, ADAPTED);
                adaptedCount++;
            } else {
                dense = dense.plus(r, DENSE_SLOTS);
            }
        }
        // Non-slot parameters by kind, in the order the kinds first appear.
        Map<String, Row> others = new LinkedHashMap<>();
        for (Parameter p : model.parameters()) {
            if (!inSlots.contains(p)) {
                String kind = kindOf(p.name());
                Row add = new Row(kind, p.size(), p.size(), 0, 0);
                others.merge(kind, add, (a, b) -> a.plus(b, kind));
            }
        }
        for (Map.Entry<String, Long> m : model.otherMacs().entrySet()) {
            String kind = kindOf(m.getKey()).equals("other") ? m.getKey() : kindOf(m.getKey());
            Row add = new Row(kind, 0, 0, m.getValue(), m.getValue());
            others.merge(kind, add, (a, b) -> a.plus(b, kind));
        }
        if (adaptedCount > 0) {
            rows.put(ADAPTED, adapted);
        }
        if (dense.denseParameters() > 0 || dense.denseMacs() > 0) {
            rows.put(DENSE_SLOTS, dense);
        }
        rows.putAll(others);
        Row total = new Row("total", 0, 0, 0, 0);
        for (Row r : rows.values()) {
            total = total.plus(r, "total");
        }
        return new Report(model.family(), model.tokens(), adaptedCount, List.copyOf(rows.values()),
                adapted.plus(new Row("", 0, 0, 0, 0), "adapted layers only"), total);
    }
}
