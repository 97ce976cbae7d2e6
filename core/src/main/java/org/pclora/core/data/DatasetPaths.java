package org.pclora.core.data;

import java.nio.file.Files;
import java.nio.file.Path;
import org.pclora.core.PcLoraException;

/**
 * Checks a dataset provider runs on the folder a user named before looking for files in it, so
 * that {@code dataset.path=/etc/passwd} is reported as "a file, not a folder" with what the
 * provider expects there, rather than as a missing file below it.
 */
public final class DatasetPaths {
    private DatasetPaths() {
    }

    /**
     * Returns {@code value} as a path after checking it names an existing folder.
     *
     * @param dataset  the provider's name, for the message (e.g. {@code fashion-mnist})
     * @param key      the configuration key that gave the path (e.g. {@code path})
     * @param value    the path as configured
     * @param expected what the provider expects inside the folder, e.g. "the IDX files train-images-idx3-ubyte.gz, ..."
     * @throws PcLoraException when the path is a file or does not exist
     */
    public static Path folder(String dataset, String key, String value, String expected) {
        Path p = Path.of(value);
        if (Files.isDirectory(p)) {
            return p;
        }
        String what = Files.exists(p) ? "is a file, not a folder" : "does not exist";
        throw new PcLoraException("dataset " + dataset + ": " + key + " = " + value + " " + what
                + "; it must be a folder holding " + expected);
    }
}
