package org.pclora.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PaperFiguresTest {

    private static List<PaperFigures.Line> lines(Path dir, RunFixtures.Spec spec) throws Exception {
        RunRecord r = RunRecord.load(RunFixtures.write(dir, spec));
        return PaperFigures.lines(RunGroup.bySeed(List.of(r)));
    }

    @Test
    void bertBaseAt48TokensIsShownBesideThePaperButNotCalledComparable(@TempDir Path dir) throws Exception {
        List<PaperFigures.Line> l = lines(dir.resolve("a"), RunFixtures.spec().with(s -> {
            s.model = "bert-base";
            s.rank = 32;
            s.tokens = 48;
            s.classes = 26;
            s.macCompression = 0.85;
            s.extraConfig = "row = pclora-nokd";
        }));
        assertEquals(4, l.size());
        assertTrue(l.get(0).row().startsWith("pclora-nokd: bert-base, linear, rank 32"), l.get(0).row());
        PaperFigures.Line mac = l.get(2);
        assertEquals("85.00 %", mac.ours());
        assertEquals("84.20 %", mac.paper());
        assertEquals("no: ours at 48 tokens per example, the paper's at 512", mac.comparable());
        PaperFigures.Line params = l.get(0);
        assertEquals("93.42 %", params.paper());
        assertTrue(params.ourRule().startsWith("every tensor, 26 classes head"), params.ourRule());
        assertTrue(params.comparable().startsWith("unknown"), params.comparable());
        assertTrue(params.row().contains("26 classes head"), params.row());
    }

    @Test
    void sameTokensAndRankMatchTheNotesReconstruction(@TempDir Path dir) throws Exception {
        List<PaperFigures.Line> l = lines(dir.resolve("a"), RunFixtures.spec().with(s -> {
            s.model = "vit-b16";
            s.rank = 32;
            s.tokens = 197;
        }));
        assertEquals("89.10 %", l.get(2).paper());
        assertTrue(l.get(2).comparable().startsWith("yes"), l.get(2).comparable());
        assertEquals("94.36 %", l.get(0).paper());
    }

    @Test
    void otherRuleOrRankIsSaid(@TempDir Path dir) throws Exception {
        List<PaperFigures.Line> l = lines(dir.resolve("a"), RunFixtures.spec().with(s -> {
            s.model = "vit-b16";
            s.rank = 8;
            s.tokens = 197;
            s.countingRule = "some older rule";
        }));
        assertTrue(l.get(2).comparable().startsWith("no: our figure was counted under a rule"), l.get(2).comparable());
        assertTrue(l.get(0).comparable().contains("ranks differ (ours 8"), l.get(0).comparable());
    }

    @Test
    void smallModelsAndUncompressedBaselinesHaveNoPaperRow(@TempDir Path dir) throws Exception {
        assertTrue(lines(dir.resolve("a"), RunFixtures.spec()).isEmpty());
        assertTrue(lines(dir.resolve("b"), RunFixtures.spec().with(s -> {
            s.model = "bert-base";
            s.compressed = false;
        })).isEmpty());
    }
}
