package org.pclora.core.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pclora.core.PcLoraException;

/**
 * The one way a checkpoint location becomes tensors: core's safetensors reader, then the readers
 * the model families add, first taker wins. Used alike by {@code teacher.checkpoint}, {@code infer},
 * {@code bench infer} and {@code compression}. A location no reader takes gets one line saying
 * what it looks like and what is accepted.
 */
public final class CheckpointChain {
    private final List<CheckpointReader> readers;

    private CheckpointChain(List<CheckpointReader> readers) {
        this.readers = readers;
    }

    /** Core's readers followed by {@code extra} (a family's, or every registered family's). */
    public static CheckpointChain of(List<CheckpointReader> extra) {
        List<CheckpointReader> all = new ArrayList<>();
        all.add(new SafetensorsReader());
        for (CheckpointReader r : extra) {
            if (all.stream().noneMatch(a -> a.format().equals(r.format()))) {
                all.add(r);
            }
        }
        return new CheckpointChain(List.copyOf(all));
    }

    /** Reads {@code location} with the first reader that takes it. */
    public Checkpoint read(String location, boolean strict) {
        for (CheckpointReader r : readers) {
            if (r.accepts(location)) {
                return r.read(location, strict);
            }
        }
        List<String> accepted = readers.stream().map(CheckpointReader::accepted).toList();
        throw new PcLoraException("checkpoint " + location + " " + describe(location) + "; accepted are "
                + String.join("; ", accepted));
    }

    /** What a location that no reader takes looks like, in a few words. */
    public static String describe(String location) {
        Path p;
        try {
            p = Path.of(location);
        } catch (InvalidPathException e) {
            return "is not a valid path";
        }
        if (!Files.exists(p)) {
            return "does not exist";
        }
        if (Files.isDirectory(p)) {
            return "is a directory holding no checkpoint this build reads";
        }
        try (InputStream in = Files.newInputStream(p)) {
            long size = Files.size(p);
            byte[] head = in.readNBytes(16);
            if (size < 9) {
                return "is too short (" + size + " bytes) to be a checkpoint";
            }
            if (head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
                return "is a zip/jar archive of " + size + " bytes that no reader takes";
            }
            if (head[0] == (byte) 0x93 && new String(head, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
                return "is a .npy array, not a checkpoint";
            }
            if (head[0] == '{' || head[0] == '[') {
                return "is a JSON file, not a checkpoint";
            }
            long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return "is a file of " + size + " bytes in no known checkpoint format (read as safetensors its header"
                    + " length would be " + n + ")";
        } catch (IOException e) {
            return "cannot be read (" + e.getMessage() + ")";
        }
    }
}
