package org.pclora.experiments.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pclora.core.PcLoraException;

/**
 * Refuses a command whose output would overwrite one of its inputs (or another of its outputs),
 * however the paths are spelled: {@code x.npy}, {@code ./x.npy}, {@code d/../x.npy}, a symbolic
 * link to it or a hard link all name the same file.
 */
final class SameFiles {
    private SameFiles() {
    }

    /** Throws a one-line error naming the pair when an output is an input or two outputs coincide. */
    static void refuseOverlap(String command, List<Path> inputs, List<Path> outputs) {
        for (int i = 0; i < outputs.size(); i++) {
            Path out = outputs.get(i);
            for (Path in : inputs) {
                if (same(out, in)) {
                    throw new PcLoraException(command + ": output " + out + " is the input " + in
                            + "; writing it would destroy the input: give another output path");
                }
            }
            for (Path other : outputs.subList(0, i)) {
                if (same(out, other)) {
                    throw new PcLoraException(command + ": outputs " + other + " and " + out
                            + " are the same file: give each output its own path");
                }
            }
        }
    }

    /** Whether {@code a} and {@code b} name the same file (existing or to be created). */
    static boolean same(Path a, Path b) {
        if (Files.exists(a) && Files.exists(b)) {
            try {
                return Files.isSameFile(a, b); // symbolic and hard links included
            } catch (IOException e) {
                // fall back to comparing the names
            }
        }
        return canonical(a).equals(canonical(b));
    }

    /** The real path of the file, or of its parent folder plus its name when it does not exist yet. */
    private static Path canonical(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            if (Files.exists(abs)) {
                return abs.toRealPath();
            }
            Path parent = abs.getParent();
            if (parent != null && Files.exists(parent)) {
                return parent.toRealPath().resolve(abs.getFileName());
            }
        } catch (IOException e) {
            // keep the normalised absolute path
        }
        return abs;
    }
}
