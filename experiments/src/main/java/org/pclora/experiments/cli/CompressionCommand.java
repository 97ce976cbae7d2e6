package org.pclora.experiments.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pclora.core.accounting.Accounting;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.spi.ModelFamily;
import org.pclora.experiments.table.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pclora compression [model=<name> | checkpoint=<location>] [rank=<r>[,<r>...]] [image_size=<px>]
 * [max_length=<tokens>] [num_classes=<n>]}: dense and PC-LoRA-compressed parameter and MAC counts
 * per layer kind, with the counting rule ({@code seq_len} is the deprecated spelling of
 * {@code max_length}). Size overrides go to the model family, which rejects keys it has not. Without {@code model}, our counts for the paper's two models: ViT-B/16 at 224x224 (10
 * classes, CIFAR-10) and BERT-base at 512 tokens (2 classes, IMDb) for ranks 8, 16, 32, 64.
 */
@Command(name = "compression", description = {"Parameter and MAC counts, dense and compressed, with the counting rule.",
        "Arguments: model=<architecture> | checkpoint=<location>, rank=<r[,r...]> image_size=<px> max_length=<tokens>"
                + " num_classes=<n>.",
        "Without model=: our counts for the paper's two models, vit-b16 (224x224) and bert-base (512 tokens), ranks 8,16,32,64."})
public final class CompressionCommand implements Callable<Integer> {
    private static final String ACCEPTED = "model, checkpoint, rank, image_size, max_length, num_classes";

    @ParentCommand
    PcLoraCli root;

    @Mixin
    ConfigDirOption configDir;

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
        kv.rejectUnknown();
        List<Integer> ranks = new ArrayList<>();
        for (String r : (rankText == null ? (model == null ? "8,16,32,64" : "32") : rankText).split(",")) {
            ranks.add(kv.positive("rank", r.trim()));
        }
        if (checkpoint != null) {
            ClassifierModel m = ModelNames.load(root, checkpoint, model, "compression");
            String targets = root.registry().modelFamily(m.family()).defaultTargets();
            for (int r : ranks) {
                warnIfOversized(m, targets, r);
                root.out().printf(Locale.ROOT, "%s, rank %d:%n%s%n", checkpoint, r,
                        Accounting.planned(m, targets, r, true).table());
            }
            return 0;
        }
        if (model != null) {
            // A named architecture (vit-b16, with its family's defaults) or else a conf/model option
            // (vit-mini), the names run's model= takes.
            Config named = ModelNames.isArchitecture(root, model) ? arch(model) : ModelNames.config(root, model);
            ClassifierModel m = build(kv, named, imageSize, seqLen, classes);
            for (int r : ranks) {
                warnIfOversized(m, familyOf(named).defaultTargets(), r);
                Accounting.Report rep = Accounting.planned(m, familyOf(named).defaultTargets(), r, true);
                root.out().printf(Locale.ROOT, "%s, rank %d:%n%s%n", model, r, rep.table());
            }
            return 0;
        }
        List<String> headers = List.of("model", "tokens", "rank", "dense params", "compressed params", "param compr.",
                "adapted-layer param compr.", "dense MACs", "compressed MACs", "MAC compr.");
        List<List<String>> rows = new ArrayList<>();
        Map<String, ClassifierModel> models = new LinkedHashMap<>();
        models.put("vit-b16", build(kv, arch("vit-b16"), imageSize == null ? "224" : imageSize, null,
                classes == null ? "10" : classes));
        models.put("bert-base", build(kv, arch("bert-base"), null, seqLen == null ? "512" : seqLen,
                classes == null ? "2" : classes));
        for (Map.Entry<String, ClassifierModel> e : models.entrySet()) {
            for (int r : ranks) {
                Accounting.Report rep = Accounting.planned(e.getValue(), familyOf(arch(e.getKey())).defaultTargets(),
                        r, true);
                Accounting.Row t = rep.total();
                rows.add(List.of(e.getKey(), Integer.toString(rep.tokens()), Integer.toString(r),
                        String.format(Locale.ROOT, "%,d", t.denseParameters()),
                        String.format(Locale.ROOT, "%,d", t.compressedParameters()), pct(t.parameterCompression()),
                        pct(rep.adapted().parameterCompression()), String.format(Locale.ROOT, "%,d", t.denseMacs()),
                        String.format(Locale.ROOT, "%,d", t.compressedMacs()), pct(t.macCompression())));
            }
        }
        root.out().println(Table.markdown(headers, rows));
        root.out().println("Paper (arXiv 2406.09117; its counting rule is not stated, and neither rule above matches both"
                + " of its figures): ViT-B 94.36% parameters / 89.1% FLOPs, BERT-base 93.42% / 84.2%.");
        root.out().println("counting rule: " + Accounting.countingRule());
        return 0;
    }

    /** One warning line when adapters of rank {@code r} would not be smaller than the layers they replace. */
    private void warnIfOversized(ClassifierModel m, String targets, int r) {
        Accounting.oversizedAdapters(m, targets, r).ifPresent(w -> {
            root.err().println("[WARN] " + w);
            root.err().flush();
        });
    }

    private static Config arch(String name) {
        return ConfigFactory.parseMap(Map.of("arch", name));
    }

    /** The family of a model config: its {@code family} key, or the family whose architectures include its {@code arch}. */
    private ModelFamily familyOf(Config model) {
        return ModelNames.family(root, model, "compression");
    }

    /** The model {@code base} (a conf/model file's content or {@code arch = name}) with the size arguments. */
    private ClassifierModel build(KeyValueArguments kv, Config base, String imageSize, String seqLen, String classes) {
        ModelFamily f = familyOf(base);
        Map<String, Object> m = new LinkedHashMap<>();
        // The family's resolve rejects a size key its models do not have (image_size for BERT ...).
        if (imageSize != null) {
            m.put("image_size", kv.positive("image_size", imageSize));
        }
        if (seqLen != null) {
            m.put("max_length", kv.positive("max_length", seqLen));
        }
        if (classes != null) {
            m.put("num_classes", kv.positive("num_classes", classes));
        }
        Config arch0 = f.resolve(ConfigFactory.parseMap(m).withFallback(base));
        return f.create(arch0, 0);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }
}
