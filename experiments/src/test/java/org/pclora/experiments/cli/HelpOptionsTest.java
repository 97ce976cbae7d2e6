package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every subcommand answers --help and -h with its usage on stdout and exit status 0. */
class HelpOptionsTest {
    @Test
    void everySubcommandAnswersHelp(@TempDir Path wd) {
        List<String> names = new ArrayList<>(PcLoraCli.commandLine(new PcLoraCli()).getSubcommands().keySet());
        assertTrue(names.containsAll(List.of("run", "infer", "compression", "report", "bench", "plugins", "schedule", "help")),
                names.toString());
        for (String name : names) {
            for (String flag : List.of("--help", "-h")) {
                CliRun r = CliRun.of(wd, name, flag);
                assertEquals(0, r.status(), name + " " + flag + ": " + r.err());
                assertTrue(r.out().contains("Usage: pclora " + name), name + " " + flag + ": " + r.out());
                assertEquals("", r.err(), name + " " + flag);
            }
        }
    }
}
