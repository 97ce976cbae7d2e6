package org.pclora.bert.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;
import org.pclora.core.data.Dataset;
import org.pclora.core.model.Batch;
import org.pclora.core.registry.PluginRegistry;

/** Readers and dataset plugins on small files written here; ids from the 31-token test vocabulary. */
class TextDataTest {
    @TempDir
    Path dir;

    static Config arch() throws Exception {
        Path vocab = Path.of(TextDataTest.class.getResource("/org/pclora/bert/tokenizer/test-vocab.txt").toURI());
        return ConfigFactory.parseMap(Map.of("vocab", vocab.toString(), "max_length", 16, "max_positions", 32));
    }

    private Path write(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void imdbLayout() throws Exception {
        write("aclImdb/train/pos/1_9.txt", "Hello<br />world");
        write("aclImdb/train/pos/0_8.txt", "the cat");
        write("aclImdb/train/neg/5_1.txt", "don't");
        TextExamples ex = TextReaders.imdb(dir.resolve("aclImdb"), "train");
        assertEquals(List.of("don't", "the cat", "Hello world"), ex.texts());
        assertEquals(List.of("neg", "pos", "pos"), ex.labels());
        PcLoraException e = assertThrows(PcLoraException.class, () -> TextReaders.imdb(dir.resolve("aclImdb"), "test"));
        assertTrue(e.getMessage().contains("test"), e.getMessage());
    }

    @Test
    void malformedUtf8NamesTheFile() throws Exception {
        Path bad = dir.resolve("aclImdb/train/neg/0_1.txt");
        Files.createDirectories(bad.getParent());
        Files.write(bad, new byte[] {'o', 'k', (byte) 0xFF, 'x'});
        write("aclImdb/train/pos/0_9.txt", "fine");
        PcLoraException e = assertThrows(PcLoraException.class, () -> TextReaders.imdb(dir.resolve("aclImdb"), "train"));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void glueTsvKeepsQuotesLiterally() throws Exception {
        Path f = write("sst2/train.tsv", "sentence\tlabel\nit 's \"great\" \t1\nbad , bad\t0\n");
        TextExamples ex = TextReaders.delimited(f, '\t', false, "sentence", null, "label");
        assertEquals(List.of("it 's \"great\" ", "bad , bad"), ex.texts());
        assertEquals(List.of("1", "0"), ex.labels());
    }

    @Test
    void csvQuotingAndErrors() throws Exception {
        Path f = write("d/train.csv", "id,text,label\r\n1,\"a, \"\"quoted\"\"\nline\",pos\r\n2,plain,neg\r\n");
        TextExamples ex = TextReaders.delimited(f, ',', true, "text", null, "label");
        assertEquals(List.of("a, \"quoted\"\nline", "plain"), ex.texts());
        assertEquals(List.of("pos", "neg"), ex.labels());
        PcLoraException e = assertThrows(PcLoraException.class,
                () -> TextReaders.delimited(f, ',', true, "sentence", null, "label"));
        assertTrue(e.getMessage().contains("[id, text, label]"), e.getMessage());
        Path open = write("d/open.csv", "text,label\n\"fine\",pos\n\"two\nlines\",neg\n\"never closed,pos\nmore,neg\n");
        e = assertThrows(PcLoraException.class, () -> TextReaders.delimited(open, ',', true, "text", null, "label"));
        assertEquals("data file " + open + " ends inside a quoted field that opens in row 4 (line 5; the header is row 1):"
                + " expected a closing '\"' (a quote inside a quoted field is written \"\")", e.getMessage());
        Path ragged = write("d/ragged.csv", "text,label\nx,pos,extra\n");
        e = assertThrows(PcLoraException.class, () -> TextReaders.delimited(ragged, ',', true, "text", null, "label"));
        assertTrue(e.getMessage().contains("row 2"), e.getMessage());
    }

    @Test
    void jsonlLabelsAndErrors() throws Exception {
        Path f = write("j/train.jsonl", "{\"review\": \"hello\", \"y\": 1}\n\n{\"review\": \"cat\", \"y\": \"0\"}\n");
        TextExamples ex = TextReaders.jsonl(f, "review", null, "y");
        assertEquals(List.of("hello", "cat"), ex.texts());
        assertEquals(List.of("1", "0"), ex.labels());
        Path bad = write("j/bad.jsonl", "{\"review\": \"hello\", \"y\": 1}\n{\"review\": 3, \"y\": 1}\n");
        PcLoraException e = assertThrows(PcLoraException.class, () -> TextReaders.jsonl(bad, "review", null, "y"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void csvProviderTokenizesAndBatches() throws Exception {
        write("c/train.csv", "text,label\nhello world,pos\nthe cats,neg\ndon't!!,pos\n");
        write("c/test.csv", "text,label\nhello,neg\n");
        Config ds = ConfigFactory.parseMap(Map.of("path", dir.resolve("c").toString()));
        Dataset train = new CsvDatasetProvider().open(ds, arch(), "train");
        assertEquals(3, train.size());
        assertEquals(List.of("neg", "pos"), train.classNames());
        Iterator<Batch> it = train.batches(2, false, 0, false);
        Batch b = it.next();
        // [CLS] hello world [SEP] and [CLS] the cat ##s [SEP]: padded to 5 (longest in batch).
        assertArrayEquals(new long[] {2, 5}, b.inputs().shape());
        assertArrayEquals(new int[] {2, 5, 6, 3, 0, 2, 20, 21, 22, 3}, b.inputs().data().asInt());
        assertArrayEquals(new float[] {1, 1, 1, 1, 0, 1, 1, 1, 1, 1}, b.input("attention_mask").data().asFloat());
        assertArrayEquals(new int[] {1, 0}, b.labels().data().asInt());
        Batch last = it.next();
        assertArrayEquals(new int[] {2, 7, 8, 9, 10, 10, 3}, last.inputs().data().asInt());
        assertTrue(!it.hasNext());
        Dataset test = new CsvDatasetProvider().open(ds, arch(), "test");
        assertEquals(List.of("neg", "pos"), test.classNames());
        write("c/test.csv", "text,label\nhello,maybe\n");
        PcLoraException e = assertThrows(PcLoraException.class, () -> new CsvDatasetProvider().open(ds, arch(), "test"));
        assertTrue(e.getMessage().contains("test.csv row 2") && e.getMessage().contains("maybe"), e.getMessage());
    }

    @Test
    void truncationAndFixedPadding() throws Exception {
        write("c/train.csv", "text,label\nhello world the cats,0\nhello,1\n");
        Config ds = ConfigFactory.parseMap(Map.of("path", dir.resolve("c").toString(), "max_length", 4,
                "pad_to_max", true));
        Batch b = new CsvDatasetProvider().open(ds, arch(), "train").batches(8, false, 0, false).next();
        assertArrayEquals(new int[] {2, 5, 6, 3, 2, 5, 3, 0}, b.inputs().data().asInt());
        Config tooLong = ConfigFactory.parseMap(Map.of("path", dir.resolve("c").toString(), "max_length", 64));
        assertThrows(PcLoraException.class, () -> new CsvDatasetProvider().open(tooLong, arch(), "train"));
    }

    @Test
    void pairColumnsGiveTokenTypes() throws Exception {
        write("g/train.tsv", "s1\ts2\tlabel\nhello\tthe cat\t1\nworld\thello\t0\n");
        Config ds = ConfigFactory.parseMap(Map.of("path", dir.resolve("g").toString(), "text_column", "s1",
                "pair_column", "s2"));
        Batch b = new GlueTsvDatasetProvider().open(ds, arch(), "train").batches(1, false, 0, false).next();
        assertArrayEquals(new int[] {2, 5, 3, 20, 21, 3}, b.inputs().data().asInt());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, b.input("token_type_ids").data().asInt());
    }

    @Test
    void unknownKeysAreRejected() {
        Config ds = ConfigFactory.parseMap(Map.of("pth", "/x"));
        PcLoraException e = assertThrows(PcLoraException.class, () -> new JsonlDatasetProvider().open(ds, arch(), "train"));
        assertTrue(e.getMessage().contains("pth"), e.getMessage());
    }

    @Test
    void embeddedFortunes() throws Exception {
        Config ds = ConfigFactory.parseMap(Map.of("provider", "fortunes", "path", ""));
        Config embedded = ConfigFactory.parseMap(Map.of("max_length", 128));
        Dataset train = new FortunesDatasetProvider().open(ds, embedded, "train");
        Dataset test = new FortunesDatasetProvider().open(ds, embedded, "test");
        // Counts printed by make_fortunes_dataset.py when it wrote the files.
        assertEquals(767, train.size());
        assertEquals(190, test.size());
        assertEquals(List.of("computers", "food", "law", "love", "sports", "startrek"), train.classNames());
        int[] counts = new int[6];
        List<Integer> seen = new ArrayList<>();
        Iterator<Batch> it = train.batches(100, true, 7, false);
        while (it.hasNext()) {
            Batch b = it.next();
            assertTrue(b.inputs().size(1) <= 128);
            for (int l : b.labels().data().asInt()) {
                counts[l]++;
            }
            // [CLS] = 101 in the BERT-base-uncased vocabulary opens every row.
            for (int r = 0; r < b.size(); r++) {
                assertEquals(101, b.inputs().getInt(r, 0));
                seen.add(r);
            }
        }
        assertArrayEquals(new int[] {144, 140, 135, 112, 92, 144}, counts);
        assertEquals(767, seen.size());
        // Same seed, same order.
        assertArrayEquals(train.batches(100, true, 7, false).next().labels().data().asInt(),
                train.batches(100, true, 7, false).next().labels().data().asInt());
        Dataset small = new FortunesDatasetProvider().open(ConfigFactory.parseMap(Map.of("limit", 60)), embedded, "train");
        assertEquals(60, small.size());
        // stratified: every class keeps at least the floor of its share of 60 (144, 140, 135, 112, 92, 144 of 767)
        int[] floors = {11, 10, 10, 8, 7, 11};
        int[] kept = new int[6];
        for (int i = 0; i < 60; i++) {
            kept[small.label(i)]++;
        }
        for (int c = 0; c < 6; c++) {
            assertTrue(kept[c] >= floors[c] && kept[c] <= floors[c] + 3, java.util.Arrays.toString(kept));
        }
    }

    @Test
    void pluginsAreRegistered() {
        List<String> names = PluginRegistry.load().names(PluginRegistry.Kind.DATASET);
        assertTrue(names.containsAll(List.of("imdb", "glue-tsv", "csv", "jsonl", "fortunes")), names.toString());
    }

    /** A path that names a file is reported as such by every folder-taking text provider, with what it expects. */
    @Test
    void aFileAsPathIsNamedAsAFile() throws Exception {
        Path file = write("passwd", "root:x:0:0\n");
        Map<String, String> expects = Map.of("imdb", "aclImdb layout", "csv", "train.csv for train",
                "glue-tsv", "train.tsv for train", "jsonl", "train.jsonl for train");
        for (Map.Entry<String, String> e : expects.entrySet()) {
            if (!PluginRegistry.load().names(PluginRegistry.Kind.DATASET).contains(e.getKey())) {
                throw new AssertionError("no dataset provider " + e.getKey());
            }
            PcLoraException x = assertThrows(PcLoraException.class, () -> PluginRegistry.load().dataset(e.getKey())
                    .open(ConfigFactory.parseMap(Map.of("path", file.toString())), arch(), "train"));
            assertTrue(x.getMessage().startsWith("dataset " + e.getKey() + ": path = " + file + " is a file, not a folder;"),
                    x.getMessage());
            assertTrue(x.getMessage().contains(e.getValue()), x.getMessage());
        }
    }
}
