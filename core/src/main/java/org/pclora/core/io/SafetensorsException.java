package org.pclora.core.io;

import java.nio.file.Path;
import org.pclora.core.Messages;
import org.pclora.core.PcLoraException;

/**
 * A safetensors file that cannot be read or written: the message names the file, the tensor
 * where one is concerned, what was wrong and what would be accepted.
 */
public class SafetensorsException extends PcLoraException {
    /** An error about {@code file} and, unless null, one of its tensors. */
    public SafetensorsException(Path file, String tensor, String problem) {
        super(format(file, tensor, problem));
    }

    /** As {@link #SafetensorsException(Path, String, String)}, keeping the underlying cause. */
    public SafetensorsException(Path file, String tensor, String problem, Throwable cause) {
        super(format(file, tensor, problem), cause);
    }

    private static String format(Path file, String tensor, String problem) {
        String where = "safetensors file " + file + (tensor == null ? "" : ", tensor '" + tensor + "'");
        // One line, whatever a parser's message brought with it.
        return Messages.oneLine(where + ": " + problem);
    }
}
