package org.pclora.core.checkpoint;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.Safetensors;
import org.pclora.core.io.SafetensorsFile;
import org.pclora.core.io.StateDict;

/**
 * Safetensors checkpoints: HF files (with {@code config.json} beside them) and this project's
 * exports (architecture in the {@code pclora.architecture} metadata). Takes a file whose first
 * bytes are a safetensors header, or a folder holding {@code model.safetensors}.
 */
public final class SafetensorsReader implements CheckpointReader {
    @Override
    public String format() {
        return "safetensors";
    }

    @Override
    public String accepted() {
        return "a .safetensors file (HF, with config.json beside it, or a pclora export) or a folder holding model.safetensors";
    }

    @Override
    public boolean accepts(String location) {
        Path p = file(location);
        // A .safetensors name is taken even when broken, so that its own reader explains what is wrong.
        return p != null && Files.isRegularFile(p)
                && (p.getFileName().toString().endsWith(".safetensors") || looksLikeSafetensors(p));
    }

    private static Path file(String location) {
        try {
            Path p = Path.of(location);
            return Files.isDirectory(p) ? p.resolve("model.safetensors") : p;
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    /** An 8-byte little-endian header length below the file size, then '{'. */
    static boolean looksLikeSafetensors(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] head = in.readNBytes(9);
            if (head.length < 9) {
                return false;
            }
            long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return n > 1 && n <= Safetensors.MAX_HEADER_BYTES && n + 8 <= Files.size(p) && head[8] == '{';
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Checkpoint read(String location, boolean strict) {
        Path p = file(location);
        SafetensorsFile f = Safetensors.read(p);
        Config arch = null;
        String family = null;
        String json = f.metadata().get(StateDict.ARCHITECTURE_KEY);
        if (json != null) {
            try {
                arch = ConfigFactory.parseString(json, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
            } catch (ConfigException e) {
                throw new PcLoraException("checkpoint " + p + ": metadata " + StateDict.ARCHITECTURE_KEY
                        + " is not valid JSON (" + e.getMessage() + ")");
            }
            family = arch.hasPath("family") ? arch.getString("family") : null;
        }
        Path hf = p.toAbsolutePath().resolveSibling("config.json");
        if (!Files.isRegularFile(hf)) {
            hf = null;
        } else if (family == null) {
            Config c = HfConfig.read(hf);
            family = c.hasPath("model_type") ? c.getString("model_type") : null;
        }
        return new Checkpoint(p.toString(), format(), f.tensors(), f.metadata(), arch, hf, family,
                new LinkedHashMap<>(), new ArrayList<>());
    }
}
