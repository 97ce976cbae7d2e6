package org.pclora.core.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.Safetensors;
import org.pclora.core.io.SafetensorsFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training checkpoints of one run: per phase, the trainable parameters and the optimizer state
 * at an optimizer step, one safetensors file written atomically (a kill mid-write leaves the
 * previous checkpoint intact). The last {@code keep} checkpoints of a phase are kept: the newest
 * as {@code <phase>.ckpt.safetensors}, older ones as {@code <phase>.ckpt.1.safetensors},
 * {@code .2} and so on; resuming takes the newest one that can be read, saying in one warning
 * line when it had to pass over a damaged one.
 */
public final class CheckpointStore {
    /** Checkpoints kept per phase unless told otherwise ({@code train.keep_checkpoints}). */
    public static final int DEFAULT_KEEP = 2;
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final String STEP_KEY = "pclora.checkpoint.step";
    private final Path dir;
    private final int keep;
    /** Suffix of a damaged checkpoint moved aside. */
    public static final String DAMAGED = ".damaged";

    public CheckpointStore(Path dir) {
        this(dir, DEFAULT_KEEP);
    }

    /** A store keeping the last {@code keep} (at least 1) checkpoints of each phase. */
    public CheckpointStore(Path dir, int keep) {
        if (keep < 1) {
            throw new PcLoraException("train.keep_checkpoints = " + keep + " is not accepted: keep at least 1 checkpoint"
                    + " (2, the default, survives one damaged file)");
        }
        this.dir = dir;
        this.keep = keep;
    }

    /** A saved state: the step count and named tensors (parameters and optimizer buffers). */
    public record State(long step, Map<String, INDArray> tensors) {
    }

    /** The newest checkpoint file of {@code phase}. */
    public Path file(String phase) {
        return dir.resolve(phase + ".ckpt.safetensors");
    }

    /** The {@code age}-th older checkpoint of {@code phase} (0 is {@link #file}). */
    public Path file(String phase, int age) {
        return age == 0 ? file(phase) : dir.resolve(phase + ".ckpt." + age + ".safetensors");
    }

    /**
     * The newest readable state saved for {@code phase}, if any was saved. A damaged newer file
     * (truncated, not written by this trainer) is passed over with one warning line naming it
     * and the one resumed from; when none can be read the error names each and what to do.
     */
    public Optional<State> load(String phase) {
        List<String> damaged = new ArrayList<>();
        List<Path> damagedFiles = new ArrayList<>();
        // Files beyond keep are read too: keep may have been lowered since they were written.
        for (int age = 0; age < keep || Files.isRegularFile(file(phase, age)); age++) {
            Path f = file(phase, age);
            if (!Files.isRegularFile(f)) {
                continue;
            }
            try {
                State s = read(f);
                if (!damagedFiles.isEmpty()) {
                    // Moved aside so that later saves do not rotate them in as the older checkpoints.
                    for (Path d : damagedFiles) {
                        moveAside(d);
                    }
                    LOG.warn("checkpoint {} cannot be read ({}); resuming from the older {} (step {}); the damaged file"
                            + " is kept as {}", damagedFiles.get(0), damaged.get(0), f, s.step(),
                            damagedFiles.get(0).getFileName() + DAMAGED);
                }
                return Optional.of(s);
            } catch (PcLoraException e) {
                damagedFiles.add(f);
                // the file is named once, before the reason
                damaged.add(org.pclora.core.Messages.oneLine(e.getMessage()).replace("safetensors file " + f + ", ", "")
                        .replace("safetensors file " + f + ": ", "").replace("checkpoint " + f + " ", ""));
            }
        }
        if (damagedFiles.isEmpty()) {
            return Optional.empty();
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < damagedFiles.size(); i++) {
            parts.add(damagedFiles.get(i) + " (" + damaged.get(i) + ")");
        }
        throw new PcLoraException("no readable " + phase + " checkpoint in " + dir + ": " + String.join("; ", parts)
                + "; remove " + dir.resolve(phase + ".ckpt*.safetensors") + " to start the " + phase + " phase afresh");
    }

    private static void moveAside(Path f) {
        try {
            Files.move(f, f.resolveSibling(f.getFileName() + DAMAGED), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new PcLoraException("cannot move the damaged checkpoint " + f + " aside: " + e.getMessage()
                    + "; remove it by hand and resume");
        }
    }

    private static State read(Path f) {
        SafetensorsFile sf = Safetensors.read(f);
        String step = sf.metadata().get(STEP_KEY);
        if (step == null || !step.matches("\\d+")) {
            throw new PcLoraException("checkpoint " + f + " has no valid " + STEP_KEY
                    + " metadata: it was not written by this trainer");
        }
        return new State(Long.parseLong(step), sf.tensors());
    }

    /**
     * Saves the state of {@code phase} as its newest checkpoint; the previous ones move one place
     * older and the oldest beyond {@code keep} is replaced. Each file is written or moved whole.
     */
    public void save(String phase, State state) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(STEP_KEY, Long.toString(state.step()));
        meta.put("pclora.checkpoint.phase", phase);
        try {
            for (int age = keep - 2; age >= 0; age--) {
                if (Files.isRegularFile(file(phase, age))) {
                    Files.move(file(phase, age), file(phase, age + 1), StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } catch (IOException e) {
            throw new PcLoraException("cannot keep the older checkpoints of " + phase + " in " + dir + ": " + e.getMessage()
                    + " (is the run directory writable?)");
        }
        Safetensors.write(file(phase), state.tensors(), meta);
    }
}
