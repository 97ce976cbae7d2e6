package org.pclora.bert.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.pclora.core.PcLoraException;

/**
 * Readers of the text-classification layouts: IMDb directories, GLUE-style TSV, CSV and JSON
 * lines with configurable columns, and the embedded fortunes set. All files are decoded as strict
 * UTF-8: malformed bytes are an error naming the file, never silently replaced.
 */
public final class TextReaders {
    /** Classpath folder of the embedded fortunes set. */
    public static final String FORTUNES = "/org/pclora/bert/data/fortunes/";

    private TextReaders() {
    }

    /** Decodes bytes as strict UTF-8; {@code name} is used in the error message. A BOM is dropped. */
    public static String decodeUtf8(byte[] bytes, String name) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            return s.startsWith("\uFEFF") ? s.substring(1) : s;
        } catch (CharacterCodingException e) {
            throw new PcLoraException("text file " + name + " is not valid UTF-8 (" + e.getMessage()
                    + "): expected UTF-8 text");
        }
    }

    /** Reads a whole file as strict UTF-8. */
    public static String readUtf8(Path file) {
        try {
            return decodeUtf8(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new PcLoraException("text file " + file + " cannot be read (" + e + "): expected a readable file");
        }
    }

    /**
     * The IMDb layout {@code root/<split>/{neg,pos}/*.txt} (labels {@code neg}, {@code pos});
     * files in name order; HTML line breaks ({@code <br />}) become spaces.
     */
    public static TextExamples imdb(Path root, String split) {
        Path dir = root.resolve(split);
        List<String> texts = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<String> where = new ArrayList<>();
        for (String label : List.of("neg", "pos")) {
            Path d = dir.resolve(label);
            if (!Files.isDirectory(d)) {
                throw new PcLoraException("IMDb folder " + d + " does not exist: expected the aclImdb layout "
                        + "<path>/{train,test}/{neg,pos}/*.txt");
            }
            List<Path> files;
            try (Stream<Path> s = Files.list(d)) {
                files = s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
            } catch (IOException e) {
                throw new PcLoraException("IMDb folder " + d + " cannot be listed (" + e + ")");
            }
            for (Path f : files) {
                texts.add(readUtf8(f).replace("<br />", " ").strip());
                labels.add(label);
                where.add(f.toString());
            }
        }
        if (texts.isEmpty()) {
            throw new PcLoraException("IMDb folder " + dir + " holds no .txt reviews under neg/ and pos/");
        }
        return new TextExamples(texts, null, labels, where, dir.toString());
    }

    /**
     * A delimited file with a header row naming the columns. With {@code quoted} false (GLUE TSV),
     * every line is one row split on the delimiter; with {@code quoted} true (CSV, RFC 4180),
     * fields may be enclosed in double quotes, with doubled quotes and line breaks inside.
     *
     * @param pairColumn the second text's column, or null for single-text tasks
     */
    public static TextExamples delimited(Path file, char delimiter, boolean quoted, String textColumn,
                                         String pairColumn, String labelColumn) {
        String content = readUtf8(file);
        List<List<String>> rows = quoted ? parseQuoted(content, delimiter, file) : parsePlain(content, delimiter);
        if (rows.isEmpty()) {
            throw new PcLoraException("data file " + file + " is empty: expected a header row naming the columns");
        }
        List<String> header = rows.get(0);
        int ti = column(header, textColumn, file);
        int pi = pairColumn == null ? -1 : column(header, pairColumn, file);
        int li = column(header, labelColumn, file);
        List<String> texts = new ArrayList<>();
        List<String> pairs = pi < 0 ? null : new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<String> where = new ArrayList<>();
        for (int r = 1; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            if (row.size() == 1 && row.get(0).isEmpty()) {
                continue;
            }
            if (row.size() != header.size()) {
                throw new PcLoraException("data file " + file + " row " + (r + 1) + " has " + row.size()
                        + " fields: the header has " + header.size());
            }
            texts.add(row.get(ti));
            if (pairs != null) {
                pairs.add(row.get(pi));
            }
            labels.add(row.get(li).strip());
            where.add(file + " row " + (r + 1));
        }
        return new TextExamples(texts, pairs, labels, where, file.toString());
    }

    private static int column(List<String> header, String name, Path file) {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new PcLoraException("data file " + file + " has no column '" + name + "': its columns are "
                    + header);
        }
        return i;
    }

    private static List<List<String>> parsePlain(String content, char delimiter) {
        List<List<String>> rows = new ArrayList<>();
        for (String line : content.split("\r?\n")) {
            List<String> row = new ArrayList<>();
            int start = 0;
            for (int i = 0; i <= line.length(); i++) {
                if (i == line.length() || line.charAt(i) == delimiter) {
                    row.add(line.substring(start, i));
                    start = i + 1;
                }
            }
            rows.add(row);
        }
        return rows;
    }

    private static List<List<String>> parseQuoted(String s, char delimiter, Path file) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean inQuotes = false;
        boolean any = false;
        int line = 1; // physical line of the character at i
        int quoteLine = 0; // where the open quoted field began
        int quoteRecord = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            any = true;
            if (c == '\n') {
                line++;
            }
            if (inQuotes) {
                if (c == '"') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        inQuotes = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.length() == 0) {
                inQuotes = true;
                quoteLine = line;
                quoteRecord = rows.size() + 1;
            } else if (c == delimiter) {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    i++;
                }
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                any = false;
            } else {
                field.append(c);
            }
        }
        if (inQuotes) {
            throw new PcLoraException("data file " + file + " ends inside a quoted field that opens in row " + quoteRecord
                    + " (line " + quoteLine + "; the header is row 1): expected a closing '\"' (a quote inside a quoted"
                    + " field is written \"\")");
        }
        if (any) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }

    /**
     * JSON lines: one object a line with the text (and optional pair) column as strings and the
     * label as a string or integer. Blank lines are skipped.
     */
    public static TextExamples jsonl(Path file, String textColumn, String pairColumn, String labelColumn) {
        return jsonl(readUtf8(file), file.toString(), textColumn, pairColumn, labelColumn);
    }

    static TextExamples jsonl(String content, String name, String textColumn, String pairColumn,
                              String labelColumn) {
        ObjectMapper om = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        List<String> pairs = pairColumn == null ? null : new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<String> where = new ArrayList<>();
        String[] lines = content.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String at = name + " line " + (i + 1);
            JsonNode node;
            try {
                node = om.readTree(lines[i]);
            } catch (IOException e) {
                throw new PcLoraException("data file " + at + " is not a JSON object: expected one object a line");
            }
            texts.add(text(node, textColumn, at));
            if (pairs != null) {
                pairs.add(text(node, pairColumn, at));
            }
            JsonNode l = node.get(labelColumn);
            if (l == null || !(l.isTextual() || l.isIntegralNumber())) {
                throw new PcLoraException("data file " + at + " has no string or integer '" + labelColumn
                        + "' field: expected the label column there");
            }
            labels.add(l.asText());
            where.add(at);
        }
        return new TextExamples(texts, pairs, labels, where, name);
    }

    private static String text(JsonNode node, String column, String at) {
        JsonNode t = node == null ? null : node.get(column);
        if (t == null || !t.isTextual()) {
            throw new PcLoraException("data file " + at + " has no string '" + column
                    + "' field: expected the text column there");
        }
        return t.asText();
    }

    /** A split of the embedded fortunes topic set. */
    public static TextExamples fortunes(String split) {
        String name = "embedded:fortunes/" + split + ".jsonl";
        return jsonl(resource(FORTUNES + split + ".jsonl"), name, "text", null, "label");
    }

    /** The class names of the embedded fortunes set, in label order. */
    public static List<String> fortunesClasses() {
        return resource(FORTUNES + "classes.txt").lines().filter(l -> !l.isBlank()).toList();
    }

    /** A classpath resource as strict UTF-8. */
    public static String resource(String path) {
        try (InputStream in = TextReaders.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("resource " + path + " is missing from the models-bert jar");
            }
            return decodeUtf8(in.readAllBytes(), "embedded:" + path);
        } catch (IOException e) {
            throw new IllegalStateException("resource " + path + " cannot be read", e);
        }
    }
}
