package org.pclora.core.provenance;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.pclora.core.PcLoraException;

/** SHA-256 content hashes of files, folders of files and the code a class was loaded from. */
public final class Hashes {
    private Hashes() {
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Hex SHA-256 of a string's UTF-8 bytes. */
    public static String of(String text) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Hex SHA-256 of a file's bytes. */
    public static String file(Path file) {
        MessageDigest md = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStreamSink.INSTANCE);
        } catch (IOException e) {
            throw new PcLoraException("cannot read " + file + " to hash it: " + e.getMessage());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * Hex SHA-256 of every regular file at {@code path} (a file, or a folder walked recursively),
     * by path relative to it ({@code ""} for a single file), in name order.
     */
    public static Map<String, String> files(Path path) {
        Map<String, String> out = new TreeMap<>();
        if (Files.isRegularFile(path)) {
            out.put(path.toString(), file(path));
            return out;
        }
        if (!Files.isDirectory(path)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(path)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                out.put(path.resolve(path.relativize(f)).toString(), file(f));
            }
        } catch (IOException e) {
            throw new PcLoraException("cannot list " + path + " to hash its files: " + e.getMessage());
        }
        return out;
    }

    /**
     * One hex SHA-256 over the code the given classes were loaded from: each jar's entries
     * (names and contents, not their timestamps) or each class folder's files, in name order.
     * Changes when the code changes, not when it is merely rebuilt.
     */
    public static String code(Collection<Class<?>> classes) {
        MessageDigest md = sha256();
        List<Path> roots = new ArrayList<>();
        for (Class<?> c : classes) {
            CodeSource cs = c.getProtectionDomain() == null ? null : c.getProtectionDomain().getCodeSource();
            if (cs == null || cs.getLocation() == null) {
                continue;
            }
            try {
                Path p = Path.of(cs.getLocation().toURI());
                if (!roots.contains(p)) {
                    roots.add(p);
                }
            } catch (URISyntaxException | IllegalArgumentException e) {
                // not a file location: nothing to hash
            }
        }
        roots.sort(null);
        for (Path root : roots) {
            Map<String, String> entries = new TreeMap<>();
            if (Files.isDirectory(root)) {
                files(root).forEach((k, v) -> entries.put(root.relativize(Path.of(k)).toString(), v));
            } else if (Files.isRegularFile(root)) {
                try (ZipFile zip = new ZipFile(root.toFile())) {
                    for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                        if (!e.isDirectory() && !e.getName().startsWith("META-INF/maven/")
                                && !e.getName().equals("META-INF/MANIFEST.MF")) {
                            MessageDigest d = sha256();
                            try (InputStream in = new DigestInputStream(zip.getInputStream(e), d)) {
                                in.transferTo(OutputStreamSink.INSTANCE);
                            }
                            entries.put(e.getName(), HexFormat.of().formatHex(d.digest()));
                        }
                    }
                } catch (IOException e) {
                    throw new PcLoraException("cannot read " + root + " to hash the code: " + e.getMessage());
                }
            }
            entries.forEach((k, v) -> md.update((k + "\u0000" + v + "\n").getBytes(StandardCharsets.UTF_8)));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Discards what is written (the digest stream does the work). */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
