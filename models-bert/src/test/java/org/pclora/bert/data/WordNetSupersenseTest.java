package org.pclora.bert.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;
import org.pclora.core.data.Dataset;
import org.pclora.core.registry.PluginRegistry;

/**
 * The data.noun reader on a hand-written six-synset fixture, the fixed stratified split on
 * synthetic classes of known sizes, the embedded subset, and the missing-file error.
 */
class WordNetSupersenseTest {
    private static final Path DEBIAN = Path.of("/usr/share/wordnet/data.noun");

    @TempDir
    Path dir;

    static Path fixture() throws Exception {
        return Path.of(WordNetSupersenseTest.class.getResource("/org/pclora/bert/data/wordnet-fixture/data.noun").toURI());
    }

    @Test
    void parsesTheFixtureLineByLine() throws Exception {
        List<WordNetNouns.Synset> s = WordNetNouns.parse(Files.readString(fixture()), "fixture");
        // two licence lines skipped, six synsets
        assertEquals(6, s.size());
        assertEquals(3993L, s.get(0).offset());
        assertEquals("noun.Tops", s.get(0).supersense());
        assertEquals(List.of("congener"), s.get(0).words());
        assertEquals(1, s.get(0).pointers());
        assertEquals("a whole (a thing or person) of the same kind or category as another; \"lard was also used,"
                + " though its congener, butter, was more frequently employed\"", s.get(0).gloss());
        assertEquals("a whole (a thing or person) of the same kind or category as another", s.get(0).definition());
        WordNetNouns.Synset dog = s.get(2);
        assertEquals("noun.animal", dog.supersense());
        assertEquals(2, dog.classIndex());
        assertEquals(List.of("dog", "domestic dog", "Canis familiaris"), dog.words());
        assertEquals(2, dog.pointers());
        assertEquals("a member of the genus Canis", dog.definition());
        assertEquals("noun.food", s.get(3).supersense());
        assertEquals(10, s.get(3).classIndex());
        // w_cnt is hexadecimal: 0a = ten words
        assertEquals(10, s.get(4).words().size());
        assertEquals("noun.person", s.get(4).supersense());
        assertEquals("noun.time", s.get(5).supersense());
        assertEquals(25, s.get(5).classIndex());
        assertEquals(0, s.get(5).pointers());
        assertEquals(26, WordNetNouns.SUPERSENSES.size());
    }

    @Test
    void malformedLinesNameFileAndLine() {
        PcLoraException e = assertThrows(PcLoraException.class,
                () -> WordNetNouns.parse("  licence\n00001740 03 n 01 entity 0 000 no bar here\n", "x.noun"));
        assertTrue(e.getMessage().contains("x.noun line 2") && e.getMessage().contains("' | '"), e.getMessage());
        e = assertThrows(PcLoraException.class,
                () -> WordNetNouns.parse("00001740 29 n 01 entity 0 000 | gloss\n", "x.noun"));
        assertTrue(e.getMessage().contains("lex_filenum 29") && e.getMessage().contains("noun.time"), e.getMessage());
        e = assertThrows(PcLoraException.class,
                () -> WordNetNouns.parse("00001740 03 n 02 entity 0 001 @ 1 n 0000 | gloss\n", "x.noun"));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
        e = assertThrows(PcLoraException.class,
                () -> WordNetNouns.parse("00001740 03 n 01 entity 0 002 @ 00001930 n 0000 | gloss\n", "x.noun"));
        assertTrue(e.getMessage().contains("p_cnt 2"), e.getMessage());
        e = assertThrows(PcLoraException.class, () -> WordNetNouns.parse("  only a licence\n", "x.noun"));
        assertTrue(e.getMessage().contains("no synset lines"), e.getMessage());
    }

    @Test
    void hashIsSplitMix64() {
        // SplitMix64 seeded with 0 first returns 0xE220A8397B1DCDAF (Vigna's reference implementation).
        assertEquals(0xE220A8397B1DCDAFL, WordNetSplit.mix(0));
    }

    /** Synthetic synsets: {@code sizes[c]} members of class c with scattered offsets. */
    private static List<WordNetNouns.Synset> synthetic(int... sizes) {
        List<WordNetNouns.Synset> all = new ArrayList<>();
        long offset = 1000;
        for (int c = 0; c < sizes.length; c++) {
            for (int i = 0; i < sizes[c]; i++) {
                offset += 7 + (offset % 13);
                all.add(new WordNetNouns.Synset(offset, WordNetNouns.FIRST_NOUN_FILE + c, List.of("w"), 0, "g" + offset));
            }
        }
        return all;
    }

    @Test
    void splitIsStratifiedDisjointAndOrderFree() {
        List<WordNetNouns.Synset> all = synthetic(1000, 42, 1, 10);
        List<WordNetNouns.Synset> test = WordNetSplit.of(all, "test");
        List<WordNetNouns.Synset> val = WordNetSplit.of(all, "validation");
        List<WordNetNouns.Synset> train = WordNetSplit.of(all, "train");
        // ranks 0,10,20,... test; 1,11,21,... validation: 1000 -> 100/100/800, 42 -> 5/5/32, 1 -> 1/0/0, 10 -> 1/1/8
        assertEquals(List.of(100, 5, 1, 1), perClass(test, 4));
        assertEquals(List.of(100, 5, 0, 1), perClass(val, 4));
        assertEquals(List.of(800, 32, 0, 8), perClass(train, 4));
        Set<Long> seen = new HashSet<>();
        for (List<WordNetNouns.Synset> part : List.of(test, val, train)) {
            for (WordNetNouns.Synset s : part) {
                assertTrue(seen.add(s.offset()), "offset " + s.offset() + " in two splits");
            }
        }
        assertEquals(all.size(), seen.size());
        // The input order does not matter: only the offsets decide.
        List<WordNetNouns.Synset> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new java.util.Random(7));
        assertEquals(test, WordNetSplit.of(shuffled, "test"));
        assertEquals(train, WordNetSplit.of(shuffled, "train"));
    }

    @Test
    void subsetKeepsEveryClassInProportion() {
        List<WordNetNouns.Synset> all = synthetic(1000, 42, 1, 10);
        List<WordNetNouns.Synset> sub = WordNetSplit.subset(all, 105);
        // f = 105 / 1053: 1000 -> 100 (99.7), 42 -> 4 (4.19), 1 -> max(1, 0) = 1, 10 -> 1 (0.997)
        assertEquals(List.of(100, 4, 1, 1), perClass(sub, 4));
        assertEquals(sub, WordNetSplit.subset(all, 105));
    }

    private static List<Integer> perClass(List<WordNetNouns.Synset> part, int classes) {
        Integer[] n = new Integer[classes];
        java.util.Arrays.fill(n, 0);
        part.forEach(s -> n[s.classIndex()]++);
        return List.of(n);
    }

    @Test
    void providerReadsAFolderAndSplitsIt() throws Exception {
        Path dict = dir.resolve("dict");
        Files.createDirectories(dict);
        Files.copy(fixture(), dict.resolve("data.noun"));
        WordNetSupersenseProvider p = new WordNetSupersenseProvider();
        Config conf = ConfigFactory.parseMap(Map.of("path", dict.toString()));
        int total = 0;
        for (String split : List.of("train", "test")) {
            total += p.read(conf, split).size();
        }
        total += p.read(conf.withValue("eval_split", ConfigFactory.parseString("v = validation").getValue("v")),
                "test").size();
        assertEquals(6, total);
        // Each of the five classes of the fixture has its hash-rank-0 member in test; noun.Tops has two members.
        TextExamples test = p.read(conf, "test");
        assertEquals(5, test.size());
        TextExamples withLemmas = p.read(ConfigFactory.parseMap(Map.of("path", dict.toString(), "prepend_lemmas", true,
                "text", "definition")), "test");
        int dog = withLemmas.labels().indexOf("noun.animal");
        assertEquals("dog, domestic dog, Canis familiaris: a member of the genus Canis", withLemmas.texts().get(dog));
        assertEquals("a member of the genus Canis; \"the dog barked all night\"",
                test.texts().get(test.labels().indexOf("noun.animal")));
        // Through the plugin registry and the tokenizer: 26 classes whatever the split holds.
        Dataset d = PluginRegistry.load().dataset("wordnet-supersense").open(conf, TextDataTest.arch(), "test");
        assertEquals(5, d.size());
        assertEquals(WordNetNouns.SUPERSENSES, d.classNames());
    }

    @Test
    void missingFilesNameTheDebianPackage() {
        WordNetSupersenseProvider p = new WordNetSupersenseProvider();
        PcLoraException e = assertThrows(PcLoraException.class,
                () -> p.read(ConfigFactory.parseMap(Map.of("path", dir.resolve("nowhere").toString())), "train"));
        assertTrue(e.getMessage().contains("wordnet-base") && e.getMessage().contains("data.noun")
                && !e.getMessage().contains("\n"), e.getMessage());
        e = assertThrows(PcLoraException.class,
                () -> p.read(ConfigFactory.parseMap(Map.of("eval_split", "dev")), "test"));
        assertTrue(e.getMessage().contains("eval_split"), e.getMessage());
    }

    @Test
    void embeddedSubsetIsStratifiedWithATestSetOfAtLeast2000() {
        WordNetSupersenseProvider p = new WordNetSupersenseProvider();
        Config embedded = ConfigFactory.empty();
        TextExamples train = p.read(embedded, "train");
        TextExamples test = p.read(embedded, "test");
        TextExamples val = p.read(ConfigFactory.parseMap(Map.of("eval_split", "validation")), "test");
        assertTrue(test.size() >= 2000, "test " + test.size());
        assertTrue(train.size() >= 8000, "train " + train.size());
        for (TextExamples ex : List.of(train, test, val)) {
            assertEquals(new HashSet<>(WordNetNouns.SUPERSENSES), new HashSet<>(ex.labels()), ex.source());
        }
        Set<String> trainTexts = new HashSet<>(train.where().stream().map(w -> w.substring(w.lastIndexOf(' '))).toList());
        for (String w : test.where()) {
            assertTrue(!trainTexts.contains(w.substring(w.lastIndexOf(' '))), "synset in train and test: " + w);
        }
    }

    @Test
    void embeddedSubsetIsWhatTheToolBuildsFromDebiansDataNoun() throws Exception {
        assumeTrue(Files.isRegularFile(DEBIAN), "Debian's wordnet-base is not installed");
        Map<String, String> built = WordNetSubsetTool.build(Files.readString(DEBIAN, StandardCharsets.UTF_8),
                DEBIAN.toString());
        for (Map.Entry<String, String> e : built.entrySet()) {
            assertEquals(e.getValue(), TextReaders.resource(WordNetSupersenseProvider.EMBEDDED + e.getKey()),
                    e.getKey() + " differs from a fresh build: regenerate with WordNetSubsetTool");
        }
        // The full set: 82,115 noun synsets split 80 / 10 / 10 within each class.
        List<WordNetNouns.Synset> all = WordNetNouns.parse(Files.readString(DEBIAN), DEBIAN.toString());
        assertEquals(82115, all.size());
        assertEquals(82115, WordNetSplit.of(all, "train").size() + WordNetSplit.of(all, "validation").size()
                + WordNetSplit.of(all, "test").size());
    }
}
