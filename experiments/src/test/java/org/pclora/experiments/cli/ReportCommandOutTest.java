package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandOutTest {
    @Test
    void anExistingFileAsOutIsOneLineAndStaysUntouched(@TempDir Path wd) throws Exception {
        Files.createDirectories(wd.resolve("runs"));
        Path file = Files.writeString(wd.resolve("notes.txt"), "keep me");
        CliRun r = CliRun.of(wd, "report", "runs", "--out=notes.txt");
        assertEquals(PcLoraCli.USER_ERROR, r.status());
        assertEquals("report: --out notes.txt is a file, not a directory: give a directory (it is created when missing)"
                + " for the report files", r.err().strip());
        assertEquals("keep me", Files.readString(file));
    }
}
