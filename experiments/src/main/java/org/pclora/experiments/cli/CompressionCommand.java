package org.pclora.experiments.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pclora.core.PcLoraException;
import org.pclora.core.accounting.Accounting;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.spi.ModelFamily;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pclora compression [model=<name> | checkpoint=<location>] [rank=<r>[,<r>...]] [image_size=<px>]
 * [max_length=<tokens>] [num_classes=<n>]}: dense and PC-LoRA-compressed parameter and MAC counts
 * per layer kind, with the counting rule ({@code seq_len} is the deprecated spelling of
 * {@code max_length}). Size overrides go to the model family, which rejects keys it has not. Without {@code model}, the paper's table: ViT-B/16 at 224x224 (10 classes,
 * CIFAR-10) and BERT-base at 512 tokens (2 classes, IMDb) for ranks 8, 16, 32, 64.
 */
@Command(name = "compression", description = {"Parameter and MAC counts, dense and compressed, with the counting rule.",
        "Arguments: model=<architecture> | checkpoint=<location>, rank=<r[,r...]> image_size=<px> max_length=<tokens>"
                + " num_classes=<n>.",
        "Without model=: the paper's table for vit-b16 (224x224) and bert-base (512 tokens), ranks 8,16,32,64."})
public final class CompressionCommand implements Callable<Integer> {
    private static final String ACCEPTED = "model, checkpoint, rank, image_size, max_length, num_classes";

    @ParentCommand
    PcLoraCli root;

    @Parameters(paramLabel = "key=value")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        KeyValueArguments kv = KeyValueArguments.parse("compression", args, ACCEPTED);
        String model = kv.take("model");
        String rankText = kv.take("rank");
        String imageSize = kv.take("image_size");
        String seqLen = kv.take("max_length", "seq_len");
        String checkpoint = kv.take("checkpoint");
        String classes = kv.take("num_classes");
        if (!kv.remaining().isEmpty()) {
            String k = kv.remaining().keySet().iterator().next();
            throw new PcLoraException("compression argument '" + k + "' is not known; accepted keys: " + ACCEPTED);
        }
        List<Integer> ranks = new ArrayList<>();
        for (String r : (rankText == null ? (model == null ? "8,16,32,64" : "32") : rankText).split(",")) {
            ranks.add(positive("rank", r.trim()));
        }
        if (checkpoint != null) {
            ClassifierModel m = ModelNames.load(root, checkpoint, model, "compression");
            String targets = root.registry().modelFamily(m.family()).defaultTargets();
            for (int r : ranks) {
                root.out().printf(Locale.ROOT, "%s, rank %d:%n%s%n", checkpoint, r,
                        Accounting.planned(m, targets, r, true).table());
            }
            return 0;
        }
        if (model != null) {
            // A named architecture (vit-b16, with its family's defaults) or else a conf/model option
            // (vit-mini), the names run's model= takes.
            Config named = ModelNames.isArchitecture(root, model) ? arch(model) : ModelNames.config(root, model);
            ClassifierModel m = build(named, model, imageSize, seqLen, classes);
            for (int r : ranks) {
                Accounting.Report rep = Accounting.planned(m, familyOf(named, model).defaultTargets(), r, true);
                root.out().printf(Locale.ROOT, "%s, rank %d:%n%s%n", model, r, rep.table());
            }
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"model", "tokens", "rank", "dense params", "compressed params", "param compr.",
                "adapted-layer param compr.", "dense MACs", "compressed MACs", "MAC compr."});
        Map<String, ClassifierModel> models = new LinkedHashMap<>();
        models.put("vit-b16", build(arch("vit-b16"), "vit-b16", imageSize == null ? "224" : imageSize, null,
                classes == null ? "10" : classes));
        models.put("bert-base", build(arch("bert-base"), "bert-base", null, seqLen == null ? "512" : seqLen,
                classes == null ? "2" : classes));
        for (Map.Entry<String, ClassifierModel> e : models.entrySet()) {
            for (int r : ranks) {
                Accounting.Report rep = Accounting.planned(e.getValue(), familyOf(arch(e.getKey()), e.getKey()).defaultTargets(),
                        r, true);
                Accounting.Row t = rep.total();
                rows.add(new String[] {e.getKey(), Integer.toString(rep.tokens()), Integer.toString(r),
                        String.format(Locale.ROOT, "%,d", t.denseParameters()),
                        String.format(Locale.ROOT, "%,d", t.compressedParameters()), pct(t.parameterCompression()),
                        pct(rep.adapted().parameterCompression()), String.format(Locale.ROOT, "%,d", t.denseMacs()),
                        String.format(Locale.ROOT, "%,d", t.compressedMacs()), pct(t.macCompression())});
            }
        }
        root.out().println("| " + String.join(" | ", rows.get(0)) + " |");
        root.out().println("|" + "---|".repeat(rows.get(0).length));
        for (String[] row : rows.subList(1, rows.size())) {
            root.out().println("| " + String.join(" | ", row) + " |");
        }
        root.out().println();
        root.out().println("Paper (arXiv 2406.09117): ViT-B 94.36% parameters / 89.1% FLOPs, BERT-base 93.42% / 84.2%.");
        root.out().println("counting rule: " + Accounting.countingRule());
        return 0;
    }

    private static Config arch(String name) {
        return ConfigFactory.parseMap(Map.of("arch", name));
    }

    private ModelFamily familyOf(Config model, String name) {
        return ModelNames.family(root, model, "compression");
    }

    /** The model {@code base} (a conf/model file's content or {@code arch = name}) with the size arguments. */
    private ClassifierModel build(Config base, String arch, String imageSize, String seqLen, String classes) {
        ModelFamily f = familyOf(base, arch);
        Map<String, Object> m = new LinkedHashMap<>();
        // The family's resolve rejects a size key its models do not have (image_size for BERT ...).
        if (imageSize != null) {
            m.put("image_size", positive("image_size", imageSize));
        }
        if (seqLen != null) {
            m.put("max_length", positive("max_length", seqLen));
        }
        if (classes != null) {
            m.put("num_classes", positive("num_classes", classes));
        }
        Config arch0 = f.resolve(ConfigFactory.parseMap(m).withFallback(base));
        return f.create(arch0, 0);
    }

    private static int positive(String key, String v) {
        try {
            int x = Integer.parseInt(v);
            if (x >= 1) {
                return x;
            }
        } catch (NumberFormatException e) {
            // fall through to the error
        }
        throw new PcLoraException("compression argument " + key + "=" + v + " is not accepted: it must be an integer >= 1");
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }
}
