package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run command end to end on a very small ViT and 64 embedded Fashion-MNIST images. */
class RunCommandTest {
    private static final String[] TINY = {"model.depth=1", "model.width=16", "model.heads=2", "model.mlp=32",
        "+dataset.limit=64", "+dataset.test_limit=32", "teacher.epochs=1", "student.epochs=1",
        "teacher.batch_size=32", "student.batch_size=32"};

    private static int run(Path wd, StringWriter out, StringWriter err, String... args) {
        return PcLoraCli.run(args, new PrintWriter(out), new PrintWriter(err), Map.of(), wd);
    }

    private static String[] args(Path wd, String... extra) {
        String[] a = new String[4 + TINY.length + extra.length];
        a[0] = "run";
        a[1] = "--config-dir=" + Path.of("..", "conf").toAbsolutePath();
        a[2] = "output.root=" + wd.resolve("outputs");
        a[3] = "output.teacher_cache=teachers";
        System.arraycopy(TINY, 0, a, 4, TINY.length);
        System.arraycopy(extra, 0, a, 4 + TINY.length, extra.length);
        return a;
    }

    @Test
    void outputPathsOutsideTheRootAreRejectedBeforeAnythingIsWritten(@TempDir Path wd) {
        for (String bad : new String[] {"output.dir=../elsewhere", "output.teacher_cache=/tmp", "output.dir=" + wd}) {
            StringWriter err = new StringWriter();
            assertEquals(PcLoraCli.USER_ERROR, run(wd, new StringWriter(), err, args(wd, bad)));
            assertTrue(err.toString().contains("lies outside output.root"), err.toString());
        }
        assertTrue(!Files.exists(wd.resolve("outputs")) && !Files.exists(wd.resolve("elsewhere")));
    }

    @Test
    void oneRowOfADeclaredTableRunsWithoutMultirun(@TempDir Path wd) {
        String conf = "--config-dir=" + Path.of("..", "conf").toAbsolutePath();
        String root = "output.root=" + wd.resolve("outputs");
        StringWriter err = new StringWriter();
        // without row= the declared sweep asks for -m ...
        assertEquals(PcLoraCli.USER_ERROR, run(wd, new StringWriter(), err, "run", conf, root,
                "experiment=bert-base-wordnet"));
        assertTrue(err.toString().contains("run it with -m"), err.toString());
        // ... with row= the one run starts, and here stops at the missing WordNet files, naming the package
        err = new StringWriter();
        assertEquals(PcLoraCli.USER_ERROR, run(wd, new StringWriter(), err, "run", conf, root,
                "experiment=bert-base-wordnet", "row=pclora", "dataset.path=" + wd.resolve("no-wordnet")));
        assertTrue(err.toString().contains("wordnet-base"), err.toString());
        assertTrue(!Files.exists(wd.resolve("outputs")), "nothing written");
    }

    @Test
    void unwritableOutputRootIsAnErrorBeforeTraining(@TempDir Path wd) throws Exception {
        Path file = Files.writeString(wd.resolve("not-a-dir"), "x");
        String[] a = args(wd);
        a[2] = "output.root=" + file.resolve("outputs"); // below a regular file: cannot be created
        StringWriter err = new StringWriter();
        assertEquals(PcLoraCli.USER_ERROR, run(wd, new StringWriter(), err, a));
        assertTrue(err.toString().contains("cannot create run directory"), err.toString());
        assertTrue(!err.toString().contains("teacher:"), "no training started: " + err);
    }

    @Test
    void sweepKeepsGoingPastAFailedRunAndSkipsCompleteOnesWhenRepeated(@TempDir Path wd) throws Exception {
        String[] a = args(wd, "-m", "pclora.rank=2,999");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(1, run(wd, out, err, a), err.toString());
        Path sweep;
        try (Stream<Path> s = Files.list(wd.resolve("outputs/mini-vit-fmnist"))) {
            sweep = s.filter(p -> p.getFileName().toString().startsWith("multirun-")).findFirst().orElseThrow();
        }
        List<Map<String, Object>> status = new ObjectMapper().readValue(sweep.resolve("multirun.json").toFile(), List.class);
        assertEquals("complete", status.get(0).get("status"));
        assertEquals("failed", status.get(1).get("status"));
        assertTrue(String.valueOf(status.get(1).get("error")).contains("adapter rank 999"), status.toString());
        assertTrue(Files.isRegularFile(sweep.resolve("0/summary.json")));
        assertTrue(out.toString().contains("| vit-1x16 | 2 |"), out.toString());

        StringWriter err2 = new StringWriter();
        assertEquals(1, run(wd, new StringWriter(), err2, a));
        assertTrue(err2.toString().contains("0 is complete, skipped"), err2.toString());
        // one teacher trained for the whole sweep
        try (Stream<Path> s = Files.list(wd.resolve("outputs/teachers"))) {
            assertEquals(1, s.filter(p -> p.toString().endsWith(".safetensors")).count());
        }
    }
}
