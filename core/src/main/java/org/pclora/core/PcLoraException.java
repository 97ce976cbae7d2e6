package org.pclora.core;

/**
 * An error a user can cause (configuration, data, checkpoint, command line).
 * The message is one line that names the input, what was wrong and what would be accepted;
 * the CLI prints it without a stack trace.
 */
public class PcLoraException extends RuntimeException {
    public PcLoraException(String message) {
        super(message);
    }

    public PcLoraException(String message, Throwable cause) {
        super(message, cause);
    }
}
