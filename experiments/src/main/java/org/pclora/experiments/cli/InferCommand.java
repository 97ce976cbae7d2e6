package org.pclora.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.Npy;
import org.pclora.core.io.Safetensors;
import org.pclora.core.io.StateDict;
import org.pclora.core.model.Batch;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.spi.ModelFamily;
import org.pclora.bert.BertModel;
import org.pclora.vit.VitModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pclora infer checkpoint=<file.safetensors> input=<x.npy> output=<logits.npy> [hidden=<h.npy>]
 * [mask=<mask.npy>] [types=<types.npy>] [model=<name>]}: logits (and the last hidden state) of a HF
 * checkpoint (with config.json beside it, or {@code model=}) or of a compressed export.
 */
@Command(name = "infer", description = {"Run a checkpoint on inputs from .npy files.",
        "ViT: input float32 [B,C,H,W], already normalised; hidden = final LayerNorm output [B,tokens,width].",
        "BERT: input ids int32/int64 [B,L], optional mask and types of the same shape; hidden = last encoder layer.",
        "B must be at least 1; output= and hidden= must not name an input file."})
public final class InferCommand implements Callable<Integer> {
    private static final String ACCEPTED = "checkpoint, input, output, hidden, mask, types, model";

    @ParentCommand
    PcLoraCli root;

    @Parameters(paramLabel = "key=value")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        KeyValueArguments kv = KeyValueArguments.parse("infer", args, ACCEPTED);
        Path ckpt = path(kv.require("checkpoint", "file.safetensors"));
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
        List<Path> reads = new ArrayList<>(List.of(ckpt, input));
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
        ClassifierModel m = load(ckpt, model);
        Config a = m.architecture();
        INDArray x = Npy.read(input);
        if (x.rank() >= 1 && x.size(0) == 0) {
            // An empty batch has no logits to give; refusing it says so rather than failing in a kernel.
            throw new PcLoraException("infer input " + input + " holds no examples (shape " + Arrays.toString(x.shape())
                    + "): give a batch of at least one");
        }
        Batch batch;
        if (m instanceof VitModel) {
            if (maskArg != null || typesArg != null) {
                throw new PcLoraException("infer: mask= and types= apply to BERT checkpoints, not to ViT " + ckpt);
            }
            long[] want = {x.rank() == 4 ? x.size(0) : -1, a.getInt("channels"), a.getInt("image_size"), a.getInt("image_size")};
            if (x.dataType() != DataType.FLOAT || x.rank() != 4 || x.size(1) != want[1] || x.size(2) != want[2]
                    || x.size(3) != want[3]) {
                throw new PcLoraException("infer input " + input + " is " + x.dataType().name().toLowerCase() + " "
                        + Arrays.toString(x.shape()) + ": this ViT needs float32 [B, " + want[1] + ", " + want[2] + ", "
                        + want[3] + "] (NCHW, normalised)");
            }
            batch = Batch.images(x, null);
        } else {
            INDArray ids = idArray(x, input, "input ids", null, a.getInt("vocab_size"));
            INDArray mask = maskArg == null ? null : idArray(Npy.read(path(maskArg)), path(maskArg), "mask", ids.shape(), 2);
            INDArray types = typesArg == null ? null
                    : idArray(Npy.read(path(typesArg)), path(typesArg), "types", ids.shape(), a.getInt("type_vocab_size"));
            batch = new Batch(ids, mask, types, null);
        }
        INDArray logits = m.forward(batch, false, Set.of()).get("logits");
        INDArray hidden = hiddenArg == null ? null
                : m instanceof VitModel v ? v.lastHiddenState(batch) : ((BertModel) m).lastHiddenState(batch);
        Npy.write(output, logits.castTo(DataType.FLOAT));
        if (hidden != null) {
            Npy.write(path(hiddenArg), hidden.castTo(DataType.FLOAT));
        }
        root.out().println("infer: logits " + Arrays.toString(logits.shape()) + " -> " + output
                + (hidden == null ? "" : ", hidden " + Arrays.toString(hidden.shape()) + " -> " + hiddenArg));
        return 0;
    }

    private static INDArray idArray(INDArray x, Path file, String what, long[] shape, int bound) {
        if ((x.dataType() != DataType.INT && x.dataType() != DataType.LONG) || x.rank() != 2
                || (shape != null && !Arrays.equals(shape, x.shape()))) {
            throw new PcLoraException("infer " + what + " " + file + " is " + x.dataType().name().toLowerCase() + " "
                    + Arrays.toString(x.shape()) + ": expected int32 or int64 "
                    + (shape == null ? "[batch, length]" : Arrays.toString(shape)));
        }
        double min = x.minNumber().doubleValue();
        double max = x.maxNumber().doubleValue();
        if (min < 0 || max >= bound) {
            throw new PcLoraException("infer " + what + " " + file + " has values in [" + (long) min + ", " + (long) max
                    + "]: they must lie in [0, " + (bound - 1) + "]");
        }
        return x.castTo(DataType.INT);
    }

    private Path path(String p) {
        return root.workingDir().resolve(p);
    }

    /** Our export (architecture in metadata), a HF checkpoint with config.json, or model= for the rest. */
    private ClassifierModel load(Path ckpt, String model) {
        if (Files.isDirectory(ckpt)) {
            throw new PcLoraException("infer checkpoint " + ckpt + " is a directory: give the .safetensors file in it");
        }
        if (!Files.isRegularFile(ckpt)) {
            throw new PcLoraException("infer checkpoint " + ckpt + " does not exist");
        }
        String arch = Safetensors.readMetadata(ckpt).get(StateDict.ARCHITECTURE_KEY);
        if (arch != null) {
            Config a = ConfigFactory.parseString(arch);
            return root.registry().modelFamily(a.getString("family")).load(ckpt, null, true);
        }
        Path cfg = ckpt.resolveSibling("config.json");
        if (model == null && Files.isRegularFile(cfg)) {
            String type;
            try {
                JsonNode n = new ObjectMapper().readTree(cfg.toFile());
                type = n.path("model_type").asText("");
            } catch (IOException e) {
                throw new PcLoraException("infer: " + cfg + " is not valid JSON: " + e.getMessage());
            }
            if (!type.equals("vit") && !type.equals("bert")) {
                throw new PcLoraException("infer: " + cfg + " has model_type '" + type + "'; accepted are vit and bert"
                        + " (or give model=<architecture>)");
            }
            return root.registry().modelFamily(type).load(ckpt, null, true);
        }
        if (model == null) {
            throw new PcLoraException("infer: checkpoint " + ckpt + " has neither pclora metadata nor a config.json beside"
                    + " it; give model=<architecture> (e.g. vit-b16, bert-base or a conf/model option)");
        }
        Config mc = ModelNames.config(root, model);
        ModelFamily f = ModelNames.family(root, mc, "infer");
        return f.load(ckpt, f.resolve(mc), true);
    }
}
