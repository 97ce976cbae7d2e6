package org.pclora.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;

/**
 * Ids for awkward strings against the 31-token test vocabulary (test-vocab.txt, id = line - 1).
 * Neither Python {@code tokenizers} nor {@code transformers} is installed here, so every expected
 * id below was worked out by hand from HF's documented BERT algorithm (clean-up, CJK split,
 * lower-case + NFD accent stripping, whitespace/punctuation split, greedy longest-match-first
 * WordPiece with {@code ##}, words over 100 characters -> [UNK]).
 */
class BertTokenizerTest {
    static final int PAD = 0, UNK = 1, CLS = 2, SEP = 3, MASK = 4, HELLO = 5, WORLD = 6, DON = 7, APOS = 8,
            T = 9, BANG = 10, THREE = 11, DOT = 12, N14 = 13, N15 = 14, N9 = 15, WO = 16, AI = 17, BEI = 18,
            JING = 19, THE = 20, CAT = 21, S = 22, A = 23, AA = 24, UN = 25, AFF = 26, ABLE = 27, DOLLAR = 30;

    static Path vocab;
    static BertTokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        vocab = Path.of(BertTokenizerTest.class.getResource("test-vocab.txt").toURI());
        tok = BertTokenizer.fromVocab(vocab, true, 128);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    private static int[] real(BertTokenizer t, String text) {
        BertTokenizer.Encoded e = t.encode(text);
        return Arrays.copyOf(e.ids(), e.length());
    }

    private static int[] ids(int... ids) {
        return ids;
    }

    @Test
    void accentsAreStrippedAndLowerCased() {
        assertArrayEquals(ids(CLS, HELLO, WORLD, SEP), real(tok, "Héllo Wörld"));
        assertArrayEquals(ids(CLS, HELLO, WORLD, SEP), real(tok, "HELLO world"));
    }

    @Test
    void punctuationIsSplit() {
        assertArrayEquals(ids(CLS, DON, APOS, T, BANG, BANG, SEP), real(tok, "don't!!"));
        // '$' is a currency symbol (Sc), split because it is ASCII non-alphanumeric.
        assertArrayEquals(ids(CLS, HELLO, DOLLAR, WORLD, SEP), real(tok, "hello$world"));
    }

    @Test
    void numbersUseGreedyLongestMatchFirst() {
        // "14159": "14" then "##15" then "##9".
        assertArrayEquals(ids(CLS, THREE, DOT, N14, N15, N9, SEP), real(tok, "3.14159"));
        assertArrayEquals(ids(CLS, UN, AFF, ABLE, SEP), real(tok, "unaffable"));
    }

    @Test
    void chineseCharactersAreSeparateWords() {
        assertArrayEquals(ids(CLS, WO, AI, BEI, JING, SEP), real(tok, "我爱北京"));
        assertArrayEquals(ids(CLS, HELLO, WO, WORLD, SEP), real(tok, "hello我world"));
    }

    @Test
    void unknownWordsAreOneUnk() {
        assertArrayEquals(ids(CLS, UNK, SEP), real(tok, "xyz"));
        // "cat" matches but "##z" does not: the whole word becomes [UNK].
        assertArrayEquals(ids(CLS, UNK, SEP), real(tok, "catz"));
    }

    @Test
    void wordsOverOneHundredCharactersAreUnk() {
        assertArrayEquals(ids(CLS, UNK, SEP), real(tok, "a".repeat(150)));
        assertArrayEquals(ids(CLS, UNK, SEP), real(tok, "a".repeat(101)));
        int[] hundred = real(tok, "a".repeat(100));
        int[] expected = new int[102];
        Arrays.fill(expected, AA);
        expected[0] = CLS;
        expected[1] = A;
        expected[101] = SEP;
        assertArrayEquals(expected, hundred);
    }

    @Test
    void emptyAndWhitespaceInputs() {
        assertArrayEquals(ids(CLS, SEP), real(tok, ""));
        assertArrayEquals(ids(CLS, SEP), real(tok, " \t\n "));
        assertArrayEquals(ids(CLS, THE, CAT, S, SEP), real(tok, "  the   cats \t\n "));
        // No-break space is whitespace (Zs).
        assertArrayEquals(ids(CLS, HELLO, WORLD, SEP), real(tok, "hello\u00A0world"));
    }

    @Test
    void specialTokensInTextAreKept() {
        assertArrayEquals(ids(CLS, THE, MASK, DOT, SEP), real(tok, "the [MASK] ."));
    }

    @Test
    void paddingMaskAndTypes() {
        try (BertTokenizer t = BertTokenizer.fromVocab(vocab, true, 8)) {
            BertTokenizer.Encoded e = t.encode("hello");
            assertArrayEquals(ids(CLS, HELLO, SEP, PAD, PAD, PAD, PAD, PAD), e.ids());
            assertArrayEquals(ids(1, 1, 1, 0, 0, 0, 0, 0), e.mask());
            assertArrayEquals(new int[8], e.typeIds());
            BertTokenizer.Encoded p = t.encodePair("hello world", "the cat");
            assertArrayEquals(ids(CLS, HELLO, WORLD, SEP, THE, CAT, SEP, PAD), p.ids());
            assertArrayEquals(ids(0, 0, 0, 0, 1, 1, 1, 0), p.typeIds());
            assertArrayEquals(ids(1, 1, 1, 1, 1, 1, 1, 0), p.mask());
        }
    }

    @Test
    void truncationKeepsSpecialTokens() {
        try (BertTokenizer t = BertTokenizer.fromVocab(vocab, true, 6)) {
            // pieces hello world the cat ##s: four fit between [CLS] and [SEP].
            assertArrayEquals(ids(CLS, HELLO, WORLD, THE, CAT, SEP), t.encode("hello world the cats").ids());
            // Longest first: a has 1 piece, b has 5 and is cut to 6 - 3 - 1 = 2.
            BertTokenizer.Encoded p = t.encodePair("hello", "the cats cats");
            assertArrayEquals(ids(CLS, HELLO, SEP, THE, CAT, SEP), p.ids());
            assertArrayEquals(ids(0, 0, 0, 1, 1, 1), p.typeIds());
        }
    }

    @Test
    void casedVocabularyKeepsCaseAndAccents() {
        try (BertTokenizer t = BertTokenizer.fromVocab(vocab, false, 16)) {
            assertArrayEquals(ids(CLS, UNK, WORLD, SEP), real(t, "Héllo world"));
            assertArrayEquals(ids(CLS, UNK, SEP), real(t, "Hello"));
        }
    }

    @Test
    void tokenizerJsonGivesTheSameIds() throws Exception {
        Path json = Path.of(BertTokenizerTest.class.getResource("test-tokenizer.json").toURI());
        try (BertTokenizer t = BertTokenizer.fromTokenizerJson(json, 128)) {
            for (String s : List.of("Héllo Wörld", "don't!!", "3.14159", "我爱北京", "a".repeat(150), "",
                    "  the   cats \t\n ", "the [MASK] .")) {
                assertArrayEquals(real(tok, s), real(t, s), s);
            }
            assertEquals(31, t.vocabSize());
        }
    }

    @Test
    void batchEncodingMatchesSingle() {
        List<String> texts = List.of("hello", "don't!!", "我爱北京");
        BertTokenizer.Encoded[] all = tok.encodeAll(texts);
        IntStream.range(0, texts.size()).forEach(i -> assertArrayEquals(tok.encode(texts.get(i)).ids(), all[i].ids()));
    }

    @Test
    void badVocabulariesAreRejected(@TempDir Path dir) throws Exception {
        Path noUnk = dir.resolve("vocab.txt");
        Files.writeString(noUnk, "[PAD]\n[CLS]\n[SEP]\nhello\n", StandardCharsets.UTF_8);
        PcLoraException e = assertThrows(PcLoraException.class, () -> BertTokenizer.fromVocab(noUnk, true, 8));
        assertTrue(e.getMessage().contains(noUnk.toString()), e.getMessage());
        Path badUtf8 = dir.resolve("bad.txt");
        Files.write(badUtf8, new byte[] {'[', 'U', 'N', 'K', ']', '\n', (byte) 0xC3, '(', '\n'});
        e = assertThrows(PcLoraException.class, () -> BertTokenizer.fromVocab(badUtf8, true, 8));
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
        assertThrows(PcLoraException.class, () -> BertTokenizer.fromVocab(vocab, true, 1));
    }
}
