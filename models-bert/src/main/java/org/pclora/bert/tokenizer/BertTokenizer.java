package org.pclora.bert.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pclora.core.PcLoraException;

/**
 * The WordPiece tokenizer of HF BERT ([CLS] text [SEP], token types for pairs, truncation and
 * padding to a fixed length, attention mask), run by HF's own tokenizers library through DJL. It is
 * built from a {@code tokenizer.json} or from a bare {@code vocab.txt}; for the latter the same
 * pipeline HF builds for {@code BertTokenizerFast} is written out (BertNormalizer with clean-up,
 * CJK splitting, lower-casing and accent stripping when uncased; BertPreTokenizer; WordPiece with
 * {@code ##} continuation, [UNK] and 100 characters per word at most).
 */
public final class BertTokenizer implements AutoCloseable {
    /** One encoded example, padded to the tokenizer's length. */
    public record Encoded(int[] ids, int[] typeIds, int[] mask) {
        /** Number of real (unpadded) tokens. */
        public int length() {
            int n = 0;
            for (int m : mask) {
                n += m;
            }
            return n;
        }
    }

    private static final String[] SPECIAL = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

    private final HuggingFaceTokenizer hf;
    private final Map<String, Integer> vocab;
    private final int maxLength;
    private final int padId;
    private final String source;
    private final boolean lowerCase;

    private BertTokenizer(HuggingFaceTokenizer hf, Map<String, Integer> vocab, int maxLength, String source,
                          boolean lowerCase) {
        this.hf = hf;
        this.vocab = vocab;
        this.maxLength = maxLength;
        this.source = source;
        this.lowerCase = lowerCase;
        Integer pad = vocab.get("[PAD]");
        this.padId = pad == null ? 0 : pad;
    }

    /**
     * Reads a WordPiece vocabulary (one token a line, the line number is the id; strict UTF-8).
     */
    public static List<String> readVocab(Path vocabTxt) {
        try {
            return readVocab(Files.readAllBytes(vocabTxt), vocabTxt.toString());
        } catch (IOException e) {
            throw new PcLoraException("vocabulary " + vocabTxt + " cannot be read (" + e.getMessage()
                    + "): expected a WordPiece vocab.txt, one token a line");
        }
    }

    /** Reads a vocabulary from bytes; {@code name} is used in error messages. */
    public static List<String> readVocab(byte[] bytes, String name) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new PcLoraException("vocabulary " + name + " is not valid UTF-8: expected a WordPiece vocab.txt");
        }
        List<String> tokens = new ArrayList<>(Arrays.asList(text.split("\r?\n", -1)));
        // A trailing newline leaves one empty element that is not a token.
        if (!tokens.isEmpty() && tokens.get(tokens.size() - 1).isEmpty()) {
            tokens.remove(tokens.size() - 1);
        }
        if (tokens.isEmpty() || !tokens.contains("[UNK]") || !tokens.contains("[CLS]") || !tokens.contains("[SEP]")) {
            throw new PcLoraException("vocabulary " + name + " lacks [UNK], [CLS] or [SEP] (" + tokens.size()
                    + " lines): expected a BERT WordPiece vocab.txt");
        }
        return tokens;
    }

    /** The tokenizer of a BERT {@code vocab.txt}; {@code lowerCase} for uncased models. */
    public static BertTokenizer fromVocab(Path vocabTxt, boolean lowerCase, int maxLength) {
        return fromVocab(readVocab(vocabTxt), lowerCase, maxLength, vocabTxt.toString());
    }

    /** The tokenizer of a vocabulary given as tokens in id order; {@code source} names it in messages. */
    public static BertTokenizer fromVocab(List<String> tokens, boolean lowerCase, int maxLength, String source) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            // HF keeps the first id when a token repeats (the map is filled in order, later ids are lost).
            vocab.putIfAbsent(tokens.get(i), i);
        }
        String json = tokenizerJson(vocab, lowerCase);
        return create(json.getBytes(StandardCharsets.UTF_8), vocab, maxLength, source, lowerCase);
    }

    /** The tokenizer described by a HF {@code tokenizer.json} (BERT-style WordPiece model expected). */
    public static BertTokenizer fromTokenizerJson(Path tokenizerJson, int maxLength) {
        byte[] bytes;
        Map<String, Integer> vocab = new LinkedHashMap<>();
        boolean lower;
        try {
            bytes = Files.readAllBytes(tokenizerJson);
            var root = new ObjectMapper().readTree(bytes);
            lower = root.path("normalizer").path("lowercase").asBoolean(false);
            var v = root.path("model").path("vocab");
            if (!v.isObject()) {
                throw new PcLoraException("tokenizer " + tokenizerJson + " has no model.vocab object: expected a"
                        + " HF tokenizer.json with a WordPiece model");
            }
            v.fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        } catch (IOException e) {
            throw new PcLoraException("tokenizer " + tokenizerJson + " cannot be read as JSON (" + e.getMessage()
                    + "): expected a HF tokenizer.json");
        }
        return create(bytes, vocab, maxLength, tokenizerJson.toString(), lower);
    }

    private static BertTokenizer create(byte[] json, Map<String, Integer> vocab, int maxLength, String source,
                                        boolean lowerCase) {
        if (maxLength < 2) {
            throw new PcLoraException("tokenizer max length " + maxLength + " is not accepted: it must be at least 2"
                    + " to hold [CLS] and [SEP]");
        }
        Map<String, String> options = new LinkedHashMap<>();
        options.put("addSpecialTokens", "true");
        options.put("truncation", "true");
        options.put("padding", "false");
        options.put("maxLength", Integer.toString(maxLength));
        try (InputStream in = new ByteArrayInputStream(json)) {
            return new BertTokenizer(HuggingFaceTokenizer.newInstance(in, options), vocab, maxLength, source, lowerCase);
        } catch (IOException | RuntimeException e) {
            throw new PcLoraException("tokenizer " + source + " cannot be built (" + e.getMessage()
                    + "): expected a HF tokenizer.json or a BERT vocab.txt");
        }
    }

    /** The HF tokenizer.json of a BERT WordPiece vocabulary, as HF converts a slow BertTokenizer. */
    static String tokenizerJson(Map<String, Integer> vocab, boolean lowerCase) {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : SPECIAL) {
            Integer id = vocab.get(s);
            if (id != null) {
                ObjectNode t = added.addObject();
                t.put("id", id);
                t.put("content", s);
                t.put("single_word", false);
                t.put("lstrip", false);
                t.put("rstrip", false);
                t.put("normalized", false);
                t.put("special", true);
            }
        }
        ObjectNode norm = root.putObject("normalizer");
        norm.put("type", "BertNormalizer");
        norm.put("clean_text", true);
        norm.put("handle_chinese_chars", true);
        norm.put("strip_accents", lowerCase);
        norm.put("lowercase", lowerCase);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        special(single, "[CLS]", 0);
        sequence(single, "A", 0);
        special(single, "[SEP]", 0);
        ArrayNode pair = post.putArray("pair");
        special(pair, "[CLS]", 0);
        sequence(pair, "A", 0);
        special(pair, "[SEP]", 0);
        sequence(pair, "B", 1);
        special(pair, "[SEP]", 1);
        ObjectNode st = post.putObject("special_tokens");
        for (String s : new String[] {"[CLS]", "[SEP]"}) {
            ObjectNode e = st.putObject(s);
            e.put("id", s);
            e.putArray("ids").add(vocab.get(s));
            e.putArray("tokens").add(s);
        }
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "WordPiece");
        dec.put("prefix", "##");
        dec.put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece");
        model.put("unk_token", "[UNK]");
        model.put("continuing_subword_prefix", "##");
        model.put("max_input_chars_per_word", 100);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        try {
            return om.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void special(ArrayNode a, String id, int type) {
        ObjectNode s = a.addObject().putObject("SpecialToken");
        s.put("id", id);
        s.put("type_id", type);
    }

    private static void sequence(ArrayNode a, String id, int type) {
        ObjectNode s = a.addObject().putObject("Sequence");
        s.put("id", id);
        s.put("type_id", type);
    }

    /** [CLS] text [SEP], truncated and padded to {@link #maxLength()}. */
    public Encoded encode(String text) {
        return pad(hf.encode(text));
    }

    /** [CLS] a [SEP] b [SEP] (types 0 then 1), longest-first truncation, padded to {@link #maxLength()}. */
    public Encoded encodePair(String a, String b) {
        return pad(hf.encode(a, b));
    }

    /** Encodes many texts at once (HF parallelises over the batch). */
    public Encoded[] encodeAll(List<String> texts) {
        Encoding[] es = hf.batchEncode(texts);
        Encoded[] out = new Encoded[es.length];
        for (int i = 0; i < es.length; i++) {
            out[i] = pad(es[i]);
        }
        return out;
    }

    /** The word pieces of a text, without special tokens (for inspection and tests). */
    public List<String> tokenize(String text) {
        return Arrays.asList(hf.encode(text, false, false).getTokens());
    }

    private Encoded pad(Encoding e) {
        long[] ids = e.getIds();
        long[] types = e.getTypeIds();
        int n = Math.min(ids.length, maxLength);
        int[] outIds = new int[maxLength];
        int[] outTypes = new int[maxLength];
        int[] mask = new int[maxLength];
        Arrays.fill(outIds, padId);
        for (int i = 0; i < n; i++) {
            outIds[i] = (int) ids[i];
            outTypes[i] = (int) types[i];
            mask[i] = 1;
        }
        return new Encoded(outIds, outTypes, mask);
    }

    /** The id of a token, or -1 when it is not in the vocabulary. */
    public int id(String token) {
        Integer id = vocab.get(token);
        return id == null ? -1 : id;
    }

    /** Number of distinct tokens in the vocabulary. */
    public int vocabSize() {
        return vocab.size();
    }

    /** The length every encoding is truncated and padded to. */
    public int maxLength() {
        return maxLength;
    }

    /** The id of [PAD] (0 when the vocabulary has none). */
    public int padId() {
        return padId;
    }

    /** Where the vocabulary came from. */
    public String source() {
        return source;
    }

    /** Whether text is lower-cased (and accents stripped) before WordPiece. */
    public boolean lowerCase() {
        return lowerCase;
    }

    /**
     * SHA-256 (hex) of the vocabulary's tokens in id order, one per line with a final newline:
     * for a {@code vocab.txt} without repeated tokens, the hash of the file itself.
     */
    public String vocabSha256() {
        String[] byId = new String[vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1];
        vocab.forEach((t, id) -> byId[id] = t);
        StringBuilder b = new StringBuilder();
        for (String t : byId) {
            b.append(t == null ? "" : t).append('\n');
        }
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What rebuilds this tokenizer ({@code vocab}, {@code vocab_sha256}, {@code lower_case},
     * {@code max_length}), as {@link org.pclora.core.model.TextEncoder#description()} states it.
     */
    public com.typesafe.config.Config description() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(org.pclora.core.model.TextEncoder.VOCAB, source);
        m.put(org.pclora.core.model.TextEncoder.VOCAB_SHA256, vocabSha256());
        m.put(org.pclora.core.model.TextEncoder.LOWER_CASE, lowerCase);
        m.put(org.pclora.core.model.TextEncoder.MAX_LENGTH, maxLength);
        return com.typesafe.config.ConfigFactory.parseMap(m);
    }

    @Override
    public void close() {
        hf.close();
    }
}
