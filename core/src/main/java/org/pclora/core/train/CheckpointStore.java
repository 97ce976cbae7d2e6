package org.pclora.core.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.io.Safetensors;
import org.pclora.core.io.SafetensorsFile;

/**
 * Training checkpoints of one run: per phase, the trainable parameters and the optimizer state
 * at an optimizer step, one safetensors file written atomically (a kill mid-write leaves the
 * previous checkpoint intact).
 */
public final class CheckpointStore {
    private static final String STEP_KEY = "pclora.checkpoint.step";
    private final Path dir;

    public CheckpointStore(Path dir) {
        this.dir = dir;
    }

    /** A saved state: the step count and named tensors (parameters and optimizer buffers). */
    public record State(long step, Map<String, INDArray> tensors) {
    }

    public Path file(String phase) {
        return dir.resolve(phase + ".ckpt.safetensors");
    }

    /** The last state saved for {@code phase}, if any. */
    public Optional<State> load(String phase) {
        Path f = file(phase);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        SafetensorsFile sf = Safetensors.read(f);
        String step = sf.metadata().get(STEP_KEY);
        if (step == null || !step.matches("\\d+")) {
            throw new org.pclora.core.PcLoraException("checkpoint " + f + " has no valid " + STEP_KEY
                    + " metadata: it was not written by this trainer; remove it to start the phase afresh");
        }
        return Optional.of(new State(Long.parseLong(step), sf.tensors()));
    }

    /** Saves (atomically replaces) the state of {@code phase}. */
    public void save(String phase, State state) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(STEP_KEY, Long.toString(state.step()));
        meta.put("pclora.checkpoint.phase", phase);
        Safetensors.write(file(phase), state.tensors(), meta);
    }
}
