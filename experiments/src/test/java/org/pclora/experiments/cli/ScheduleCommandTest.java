package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pclora schedule}: CSV values by hand, argument errors as one line with exit status 2, PNG output. */
class ScheduleCommandTest {
    @TempDir
    Path dir;

    private CliRun run(String... args) {
        return CliRun.of(dir, args);
    }

    @Test
    void linearCsvByHand() {
        CliRun r = run("schedule", "name=linear", "steps=4", "ratio=1");
        assertEquals(0, r.status(), r.err());
        // decayEndStep = round(1 * 4) = 4, lambda = 1 - n/4
        assertEquals("step,lambda\n0,1.0\n1,0.75\n2,0.5\n3,0.25\n4,0.0\n", r.out());
    }

    @Test
    void defaultRatioEndsTheDecayAtEightyPercent() {
        CliRun r = run("schedule", "name=linear", "steps=10");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("4,0.5", lines.get(5)); // decayEndStep = round(0.8 * 10) = 8; 1 - 4/8
        assertEquals("8,0.0", lines.get(9));
        assertEquals("10,0.0", lines.get(11));
    }

    @Test
    void severalSchedulesAndPerScheduleParameters() {
        CliRun r = run("schedule", "name=linear,exponential", "exponential.rate=1", "steps=2", "ratio=1");
        assertEquals(0, r.status(), r.err());
        // exponential at t = 1/2 with rate 1: 1 / (e^{0.5} + 1) = 0.3775406687981454
        String[] lines = r.out().split("\n");
        assertEquals("step,linear,exponential", lines[0]);
        assertEquals("0,1.0,1.0", lines[1]);
        String[] mid = lines[2].split(",");
        assertEquals(0.5, Double.parseDouble(mid[1]), 0.0);
        assertEquals(0.3775406687981454, Double.parseDouble(mid[2]), 1e-15);
        assertEquals("2,0.0,0.0", lines[3]);
    }

    @Test
    void listParameterFromTheCommandLine() {
        CliRun r = run("schedule", "name=step", "drops=[0.5]", "steps=4", "ratio=1");
        assertEquals(0, r.status(), r.err());
        assertEquals("step,lambda\n0,1.0\n1,1.0\n2,0.5\n3,0.5\n4,0.0\n", r.out());
    }

    @Test
    void unknownScheduleListsTheNames() {
        CliRun r = run("schedule", "name=nope", "steps=4");
        assertEquals(2, r.status());
        assertEquals("unknown schedule 'nope': available are constant, cosine, exponential, linear, polynomial, sine, step, zero"
                + " (no plugin jars searched: $PCLORA_PLUGINS and $PCLORA_HOME are unset)\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void ratioOutsideTheUnitIntervalIsRejected() {
        CliRun r = run("schedule", "name=linear", "steps=4", "ratio=1.5");
        assertEquals(2, r.status());
        assertEquals("schedule argument 'ratio' must be a number in (0, 1] (the fraction of steps at which lambda reaches 0), "
                + "got '1.5'\n", r.err());
        assertEquals(2, run("schedule", "name=linear", "steps=4", "ratio=0").status());
    }

    @Test
    void negativeRateIsRejected() {
        CliRun r = run("schedule", "name=exponential", "steps=4", "rate=-1");
        assertEquals(2, r.status());
        assertEquals("schedule 'exponential' parameter 'rate' must be a finite number > 0, got -1\n", r.err());
    }

    @Test
    void missingOrMalformedArgumentsAreNamed() {
        assertEquals("schedule needs steps=<number of training steps>\n", run("schedule", "name=linear").err());
        assertEquals("schedule argument 'steps' has no value; write steps=<value>\n",
                run("schedule", "name=linear", "steps=").err());
        assertEquals("schedule argument 'steps' must be an integer in [1, 10000000] (number of training steps), got 'ten'\n",
                run("schedule", "name=linear", "steps=ten").err());
        assertEquals("schedule argument 'steps' must be an integer in [1, 10000000] (number of training steps), got '0'\n",
                run("schedule", "name=linear", "steps=0").err());
        assertTrue(run("schedule", "name=linear", "steps=4", "rate=2").err()
                .matches("schedule 'linear' \\((module schedulers|module jar pclora-schedulers[^)]*)\\) has no parameter 'rate': "
                        + "it takes no parameters\n"), run("schedule", "name=linear", "steps=4", "rate=2").err());
        assertEquals("schedule argument 'sine.rate' is addressed to schedule 'sine', which is not among name=linear\n",
                run("schedule", "name=linear", "steps=4", "sine.rate=2").err());
        CliRun bare = run("schedule", "linear");
        assertEquals(2, bare.status());
        assertTrue(bare.err().startsWith("schedule argument 'linear' is not key=value"), bare.err());
    }

    @Test
    void debugAddsTheStackTrace() {
        CliRun r = run("--debug", "schedule", "name=nope", "steps=4");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("unknown schedule 'nope'"), r.err());
        assertTrue(r.err().contains("at org.pclora.core.registry.PluginRegistry.get"), r.err());
    }

    @Test
    void helpDescribesTheArguments() {
        CliRun r = run("schedule", "--help");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("name=<schedule>[,<schedule>...] steps=<N> [ratio=0.8]"), r.out());
    }

    @Test
    void noCommandIsAUsageError() {
        CliRun r = run();
        assertEquals(2, r.status());
        assertTrue(r.err().contains("schedule"), "usage lists the subcommands: " + r.err());
    }

    @Test
    void pngIsWrittenAtomicallyAndIsAValidImage() throws IOException {
        CliRun r = run("schedule", "name=linear,sine,cosine", "steps=50", "png=plots/lambda.png");
        assertEquals(0, r.status(), r.err());
        Path png = dir.resolve("plots/lambda.png");
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 0);
        // PNG signature: 0x89 'P' 'N' 'G' CR LF 0x1A LF
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, Arrays.copyOf(bytes, 8));
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(900, image.getWidth());
        assertEquals(540, image.getHeight());
        try (Stream<Path> files = Files.list(png.getParent())) {
            assertEquals(List.of(png), files.toList(), "no temporary file is left behind");
        }
        assertEquals(51 + 1, r.out().lines().count(), "the CSV is printed as well");
    }
}
