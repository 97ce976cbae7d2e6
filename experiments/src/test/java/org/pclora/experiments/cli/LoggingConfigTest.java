package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The CLI's logging configuration (simplelogger.properties): DJL's CUDA probe is quiet, errors and our lines are not. */
class LoggingConfigTest {
    @Test
    void djlsFailedGpuProbeIsQuietButItsErrorsShow() {
        Logger cuda = LoggerFactory.getLogger("ai.djl.util.cuda.CudaUtils");
        assertFalse(cuda.isWarnEnabled(), "'Failed to detect GPU count' is a WARN of this logger");
        assertTrue(cuda.isErrorEnabled());
        assertTrue(LoggerFactory.getLogger("ai.djl.util.Platform").isWarnEnabled(), "only the probe is quietened");
        assertTrue(LoggerFactory.getLogger("org.pclora.experiments.X").isInfoEnabled());
    }
}
