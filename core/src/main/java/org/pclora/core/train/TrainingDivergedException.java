package org.pclora.core.train;

import org.pclora.core.PcLoraException;

/** Training produced a non-finite loss or gradient; the last checkpoint written before it is intact. */
public class TrainingDivergedException extends PcLoraException {
    private final long step;

    public TrainingDivergedException(String message, long step) {
        super(message);
        this.step = step;
    }

    /** The optimizer step (0-based) at which the non-finite value appeared. */
    public long step() {
        return step;
    }
}
