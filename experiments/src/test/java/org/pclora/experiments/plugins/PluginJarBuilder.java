package org.pclora.experiments.plugins;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.pclora.core.spi.DecaySchedule;

/**
 * Builds a plugin jar the way a plugin author's own project would: Java sources compiled against
 * the core classes only, plus a META-INF/services file, packed with {@link JarOutputStream}.
 */
final class PluginJarBuilder {
    private PluginJarBuilder() {
    }

    /** Where a class was loaded from (a classes directory or a jar), for javac's class path. */
    static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Compiles {@code sources} (fully qualified class name to source text) against pclora-core
     * (and the Typesafe Config API its SPI signatures use), and writes {@code jar} holding the
     * classes and a services file listing {@code services} for {@code spi}.
     */
    static Path build(Path workDir, Path jar, Map<String, String> sources, Class<?> spi, List<String> services)
            throws IOException {
        Path src = Files.createDirectories(workDir.resolve("src"));
        Path classes = Files.createDirectories(workDir.resolve("classes"));
        List<String> files = new ArrayList<>();
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path f = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            files.add(f.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("no system Java compiler: run the tests on a JDK, not a JRE");
        }
        String classPath = location(DecaySchedule.class) + java.io.File.pathSeparator + location(Config.class);
        List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString(), "-classpath", classPath));
        args.addAll(files);
        int status = javac.run(null, null, null, args.toArray(String[]::new));
        if (status != 0) {
            throw new IllegalStateException("javac failed with status " + status);
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, "1.2.3");
        Files.createDirectories(jar.getParent());
        try (OutputStream file = Files.newOutputStream(jar);
             JarOutputStream out = new JarOutputStream(file, manifest);
             Stream<Path> walk = Files.walk(classes)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(p));
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("META-INF/services/" + spi.getName()));
            out.write((String.join("\n", services) + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }

    /** Source of a schedule {@code pkg.cls} named {@code name} with {@code lambda = 1 - t^2}. */
    static String quadraticSchedule(String pkg, String cls, String name) {
        return "package " + pkg + ";\n\n"
                + "import org.pclora.core.spi.DecaySchedule;\n\n"
                + "/** lambda = 1 - t^2, written outside the pclora repository. */\n"
                + "public final class " + cls + " implements DecaySchedule {\n"
                + "    @Override public String name() { return \"" + name + "\"; }\n"
                + "    @Override public String description() { return \"lambda = 1 - t^2 (external plugin)\"; }\n"
                + "    @Override public double lambda(long step, long decayEndStep) {\n"
                + "        double t = DecaySchedule.progress(step, decayEndStep);\n"
                + "        return 1.0 - t * t;\n"
                + "    }\n"
                + "}\n";
    }

    /**
     * Source of a schedule {@code lambda = 1 - t^power} that declares its parameter {@code power}
     * (default 2, a number) and rejects power &lt;= 0 with its own one-line error.
     */
    static String declaredPowerSchedule(String pkg, String cls, String name) {
        return "package " + pkg + ";\n\n"
                + "import com.typesafe.config.Config;\n"
                + "import org.pclora.core.PcLoraException;\n"
                + "import org.pclora.core.spi.DecaySchedule;\n"
                + "import org.pclora.core.spi.PluginParameter;\n"
                + "import org.pclora.core.spi.PluginParameters;\n\n"
                + "public final class " + cls + " implements DecaySchedule {\n"
                + "    private final double power;\n"
                + "    public " + cls + "() { this(2.0); }\n"
                + "    private " + cls + "(double power) { this.power = power; }\n"
                + "    @Override public String name() { return \"" + name + "\"; }\n"
                + "    @Override public String description() { return \"lambda = 1 - t^power\"; }\n"
                + "    @Override public PluginParameters parameters() {\n"
                + "        return PluginParameters.of(PluginParameter.number(\"power\", 2.0, \"> 0\"));\n"
                + "    }\n"
                + "    @Override public double lambda(long step, long decayEndStep) {\n"
                + "        return 1.0 - Math.pow(DecaySchedule.progress(step, decayEndStep), power);\n"
                + "    }\n"
                + "    @Override public DecaySchedule configure(Config params) {\n"
                + "        double p = params.hasPath(\"power\") ? params.getDouble(\"power\") : 2.0;\n"
                + "        if (!(p > 0)) {\n"
                + "            throw new PcLoraException(\"schedule '" + name + "' parameter 'power' must be > 0, got \" + p);\n"
                + "        }\n"
                + "        return new " + cls + "(p);\n"
                + "    }\n"
                + "}\n";
    }

    /**
     * Source of the same schedule written against the SPI before parameters were declared: it
     * reads {@code power} with {@code getDouble}, which throws Typesafe Config's own exception for a
     * string, and says nothing about unknown keys.
     */
    static String undeclaredPowerSchedule(String pkg, String cls, String name) {
        return "package " + pkg + ";\n\n"
                + "import com.typesafe.config.Config;\n"
                + "import org.pclora.core.spi.DecaySchedule;\n\n"
                + "public final class " + cls + " implements DecaySchedule {\n"
                + "    private final double power;\n"
                + "    public " + cls + "() { this(2.0); }\n"
                + "    private " + cls + "(double power) { this.power = power; }\n"
                + "    @Override public String name() { return \"" + name + "\"; }\n"
                + "    @Override public String description() { return \"lambda = 1 - t^power (no declared parameters)\"; }\n"
                + "    @Override public double lambda(long step, long decayEndStep) {\n"
                + "        if (power == 13) { throw new ArithmeticException(\"unlucky power\"); }\n"
                + "        return 1.0 - Math.pow(DecaySchedule.progress(step, decayEndStep), power);\n"
                + "    }\n"
                + "    @Override public DecaySchedule configure(Config params) {\n"
                + "        return new " + cls + "(params.hasPath(\"power\") ? params.getDouble(\"power\") : 2.0);\n"
                + "    }\n"
                + "}\n";
    }
}
