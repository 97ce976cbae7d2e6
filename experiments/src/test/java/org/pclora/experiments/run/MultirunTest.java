package org.pclora.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;
import org.pclora.experiments.run.slurm.SlurmLauncher;

/** multirun.json kept by one writer, and the launchers chosen by name. */
class MultirunTest {
    @Test
    void aTasksFinalRecordIsNotReplacedByTheLaunchersEarlierViewOfTheSameJob(@TempDir Path sweep) {
        // the task ended (and recorded itself) before the launcher wrote what it saw at submission
        Multirun.record(sweep, List.of(new Multirun.Entry(0, List.of("a=1"), "complete", null, "7_0"),
                new Multirun.Entry(1, List.of("a=2"), "failed", "exit status 2", "7_1")));
        Multirun.record(sweep, List.of(new Multirun.Entry(0, List.of("a=1"), "pending", null, "7_0"),
                new Multirun.Entry(1, List.of("a=2"), "pending", null, "8_1")));
        Map<Integer, Map<String, Object>> m = Multirun.read(sweep);
        assertEquals("complete", m.get(0).get("status"), "same job: the task's record stands");
        assertEquals("pending", m.get(1).get("status"), "a new submission of a failed point replaces it");
        assertEquals("8_1", m.get(1).get("job"));
        Multirun.record(sweep, List.of(new Multirun.Entry(2, List.of("a=3"), "failed", "boom", null)));
        assertEquals(List.of(0, 1, 2), List.copyOf(Multirun.read(sweep).keySet()), "other points kept");
        assertEquals("boom", Multirun.read(sweep).get(2).get("error"));
    }

    @Test
    void launchersAreChosenByName() {
        SweepContext context = new SweepContext(new PrintWriter(new StringWriter()), Path.of("."), Path.of("conf"),
                "pclora", (p, label, parallel) -> Map.of(), c -> "key", Throwable::getMessage);
        assertTrue(Launchers.named("local", context) instanceof LocalLauncher);
        assertTrue(Launchers.named("slurm", context) instanceof SlurmLauncher);
        PcLoraException e = assertThrows(PcLoraException.class, () -> Launchers.named("pbs", context));
        assertEquals("launcher.name = 'pbs' is not accepted: use one of local, slurm", e.getMessage());
    }
}
