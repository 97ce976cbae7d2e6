package org.pclora.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.Pointer;
import org.pclora.core.Messages;
import org.pclora.core.PcLoraException;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.experiments.plugins.PluginGroups;
import org.pclora.experiments.plugins.Origins;
import org.pclora.experiments.plugins.PluginLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code pclora} command. Subcommands are listed once, in {@link #SUBCOMMANDS}. A user error
 * ({@link PcLoraException}) prints its one-line message to stderr and exits with status 2; with
 * {@code --debug} the stack trace follows.
 */
@Command(name = "pclora", mixinStandardHelpOptions = true, versionProvider = PcLoraCli.Version.class,
        description = "PC-LoRA: progressive compression with low-rank adapters and knowledge distillation.")
public final class PcLoraCli implements Callable<Integer> {

    /** Every subcommand, in the order {@code pclora --help} shows them: add new commands here. */
    static final List<Class<?>> SUBCOMMANDS = List.of(RunCommand.class, ReportCommand.class, CompressionCommand.class, InferCommand.class, BenchCommand.class, PluginsCommand.class,
            ScheduleCommand.class, SweepCommand.class, EnvCommand.class);

    /** Exit status of a user error (bad configuration, data, checkpoint or arguments). */
    public static final int USER_ERROR = 2;
    /** Exit status of an unexpected failure (a bug). */
    public static final int INTERNAL_ERROR = 1;

    @Option(names = "--debug", description = "Print stack traces of errors.")
    boolean debug;

    @Option(names = "--plugins", paramLabel = "<path>",
            description = "Plugin directories or jars, separated by the path separator (':'); searched before $"
                    + PluginLoader.ENV + " and $" + PluginLoader.HOME_ENV + "/" + PluginLoader.DEFAULT_DIR + ".")
    String pluginsOption;

    /** Set by {@link ConfigDirOption}: the {@code --config-dir} of the command, or null. */
    Path configDir;

    @Spec
    CommandSpec spec;

    private final Map<String, String> env;
    private final Path workingDir;
    private PluginRegistry registry;

    /** The command as started from a shell: the process environment and working directory. */
    public PcLoraCli() {
        this(System.getenv(), Path.of("").toAbsolutePath());
    }

    /** The command with an explicit environment and working directory (for tests and embedding). */
    public PcLoraCli(Map<String, String> env, Path workingDir) {
        this.env = env;
        this.workingDir = workingDir;
    }

    /** Where plugin jars are looked for: {@code --plugins}, {@code $PCLORA_PLUGINS}, {@code $PCLORA_HOME/plugins}. */
    public PluginLoader pluginLoader() {
        return PluginLoader.of(pluginsOption, env, workingDir);
    }

    /**
     * The registry of built-in and plugin-jar plugins, built on first use. Plugins that could not
     * be loaded are skipped with one warning line (selecting one fails with the registry's error);
     * {@code pclora plugins} lists them instead, through {@link #registryQuietly()}.
     */
    public PluginRegistry registry() {
        boolean first = registry == null;
        PluginRegistry r = registryQuietly();
        if (first && !r.broken().isEmpty()) {
            List<String> parts = new java.util.ArrayList<>();
            r.broken().forEach(b -> parts.add(b.describe()));
            err().println("[WARN] " + (parts.size() == 1 ? "a plugin could not be loaded and is skipped: "
                    : parts.size() + " plugins could not be loaded and are skipped: ") + String.join("; ", parts)
                    + " (see 'pclora plugins')");
            err().flush();
        }
        return r;
    }

    /** The registry as {@link #registry()}, without the warning about plugins that could not be loaded. */
    public PluginRegistry registryQuietly() {
        if (registry == null) {
            registry = pluginLoader().registry();
        }
        return registry;
    }

    /** The environment the command runs in (the process's, or a test's). */
    public Map<String, String> env() {
        return env;
    }

    /**
     * The {@code conf/} tree every command composes from and finds model names in:
     * {@code --config-dir} (from the working directory), else {@code $PCLORA_HOME/conf}, else
     * {@code ./conf}.
     */
    public Path confDir() {
        if (configDir != null) {
            return workingDir.resolve(configDir);
        }
        String home = env.get("PCLORA_HOME");
        return home != null && !home.isEmpty() ? Path.of(home, "conf") : workingDir.resolve("conf");
    }

    /** The working directory relative paths are resolved against. */
    public Path workingDir() {
        return workingDir;
    }

    /** Where commands print their results. */
    public PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Where commands print messages that are not results. */
    public PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(err());
        err().println("pclora: give a command, e.g. 'pclora plugins'");
        return USER_ERROR;
    }

    /** The picocli command line for {@code cli} with every subcommand and the error handling above. */
    public static CommandLine commandLine(PcLoraCli cli) {
        CommandLine cl = new CommandLine(cli);
        SUBCOMMANDS.forEach(cl::addSubcommand);
        cl.addSubcommand(new CommandLine.HelpCommand());
        addHelpOptions(cl);
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> handle(ex, cli, cmd.getErr()));
        return cl;
    }

    /**
     * Gives every subcommand (at any depth, also ones added later to {@link #SUBCOMMANDS}) the
     * options {@code -h} and {@code --help}: usage on stdout, exit 0. Names a command already uses
     * are left to it.
     */
    static void addHelpOptions(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            CommandSpec s = sub.getCommandSpec();
            if (s.options().stream().noneMatch(CommandLine.Model.OptionSpec::usageHelp)) {
                String[] free = java.util.stream.Stream.of("-h", "--help")
                        .filter(n -> !s.optionsMap().containsKey(n)).toArray(String[]::new);
                if (free.length > 0) {
                    s.addOption(CommandLine.Model.OptionSpec.builder(free).usageHelp(true)
                            .description("Show this help message and exit.").build());
                }
            }
            addHelpOptions(sub);
        }
    }

    /** Runs {@code pclora args} and returns the exit status. */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env, Path workingDir) {
        CommandLine cl = commandLine(new PcLoraCli(env, workingDir));
        cl.setOut(out);
        cl.setErr(err);
        int status;
        try {
            status = cl.execute(args);
        } catch (OutOfMemoryError e) { // picocli hands exceptions to handle(), errors pass through
            err.println(oneLine(e, null));
            status = USER_ERROR;
        }
        out.flush();
        err.flush();
        return status;
    }

    /** Entry point of the {@code pclora} launcher. */
    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int status = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true),
                System.getenv(), Path.of("").toAbsolutePath());
        System.exit(status);
    }

    /** {@code pclora --version}: the Implementation-Version of the packaged jar, or {@code dev} from source. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = PcLoraCli.class.getPackage() == null ? null : PcLoraCli.class.getPackage().getImplementationVersion();
            return new String[] {"pclora " + (v == null ? org.pclora.core.provenance.Provenance.projectVersion() : v)};
        }
    }

    private static int handle(Exception ex, PcLoraCli cli, PrintWriter err) {
        boolean debug = cli.debug;
        PcLoraException user = asUserError(ex, cli.registry);
        if (user != null) {
            err.println(line(user));
            if (debug) {
                ex.printStackTrace(err);
            }
            err.flush();
            return USER_ERROR;
        }
        if (debug) {
            ex.printStackTrace(err);
        } else {
            err.println("pclora: internal error: " + ex + " (run with --debug for the stack trace)");
        }
        err.flush();
        return INTERNAL_ERROR;
    }

    /**
     * A throwable as the one line a user sees: the user error in its cause chain, a plugin's
     * failure naming the plugin and its jar, or the exception's type and message.
     */
    public static String oneLine(Throwable t, PluginRegistry registry) {
        PcLoraException user = asUserError(t, registry);
        return user != null ? line(user) : PluginGroups.describe(t);
    }

    /** A user error's message on one line (a message may wrap, e.g. a config error's origin). */
    private static String line(PcLoraException user) {
        return Messages.oneLine(user.getMessage());
    }

    /**
     * What the user is told about {@code t}: the user error in its cause chain, a plugin's failure,
     * or running out of memory; null for anything else (an internal error).
     */
    private static PcLoraException asUserError(Throwable t, PluginRegistry registry) {
        PcLoraException user = userError(t);
        if (user == null) {
            user = pluginFailure(t, registry);
        }
        return user != null ? user : memoryError(t);
    }

    /**
     * Running out of memory as a user error naming the cap that was hit and the setting that
     * raises it: JavaCPP's cap on the process's resident memory ({@code PCLORA_PHYSICAL}), its cap
     * on native buffers ({@code PCLORA_OFFHEAP}), or the Java heap ({@code PCLORA_JAVA_OPTS}).
     * Null when {@code t}'s cause chain holds no {@link OutOfMemoryError}.
     */
    static PcLoraException memoryError(Throwable t) {
        OutOfMemoryError first = null;
        StringBuilder messages = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof OutOfMemoryError oom) {
                first = first == null ? oom : first;
                messages.append(c.getMessage()).append('\n');
            }
        }
        if (first == null) {
            return null;
        }
        double gib = 1L << 30;
        String machine = String.format(Locale.ROOT, "this machine has %.1f GiB",
                Pointer.totalPhysicalBytes() / gib);
        String m = messages.toString();
        String what;
        if (m.contains("Physical memory usage is too high")) {
            what = String.format(Locale.ROOT, "the process's resident memory passed the cap of %.1f GiB"
                    + " (PCLORA_PHYSICAL); raise PCLORA_PHYSICAL (e.g. PCLORA_PHYSICAL=16G; %s) or lower the batch size",
                    Pointer.maxPhysicalBytes() / gib, machine);
        } else if (m.contains("within limits")) {
            what = String.format(Locale.ROOT, "native buffers passed the cap of %.1f GiB (PCLORA_OFFHEAP);"
                    + " raise PCLORA_OFFHEAP (%s) or lower the batch size", Pointer.maxBytes() / gib,
                    machine);
        } else if (m.contains("Java heap space") || m.contains("GC overhead")) {
            what = String.format(Locale.ROOT, "the Java heap of %.1f GiB is full; raise it with PCLORA_JAVA_OPTS=-Xmx6g"
                    + " (%s) or lower the batch size", Runtime.getRuntime().maxMemory() / gib, machine);
        } else {
            what = String.format(Locale.ROOT, "%s; lower the batch size or free memory", machine);
        }
        return new PcLoraException("out of memory: " + what + " (" + PluginGroups.describe(first) + ")", t);
    }

    /**
     * The failure of code from a plugin jar, found by the class loader of the frames that threw:
     * one line naming the plugin (when {@code registry} knows its class), its jar and the method,
     * or null when no plugin code was involved.
     */
    static PcLoraException pluginFailure(Throwable t, PluginRegistry registry) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            for (StackTraceElement f : c.getStackTrace()) {
                if (!PluginLoader.LOADER_NAME.equals(f.getClassLoaderName())) {
                    continue;
                }
                String who = "plugin class " + f.getClassName();
                if (registry != null) {
                    for (PluginRegistry.Kind kind : PluginRegistry.Kind.values()) {
                        for (PluginRegistry.Entry e : registry.entries(kind)) {
                            Class<?> type = e.plugin().getClass();
                            if (f.getClassName().equals(type.getName()) || f.getClassName().startsWith(type.getName() + "$")) {
                                who = PluginGroups.label(kind, e.plugin());
                            } else if (who.startsWith("plugin class ") && Origins.fromPluginPath(type)) {
                                try { // a helper class of a plugin: name its jar
                                    Class<?> helper = Class.forName(f.getClassName(), false, type.getClassLoader());
                                    who = "plugin class " + f.getClassName() + " (" + Origins.describe(helper) + ")";
                                } catch (ClassNotFoundException | LinkageError ignored) {
                                    // keep the class name alone
                                }
                            }
                        }
                    }
                }
                return new PcLoraException(who + " failed in " + f.getMethodName() + "() ("
                        + (f.getFileName() == null ? f.getClassName() : f.getFileName()) + ":" + f.getLineNumber()
                        + "): " + PluginGroups.describe(c), t);
            }
        }
        return null;
    }

    /** The user error in the cause chain (plugins may wrap one, e.g. a ServiceLoader failure). */
    private static PcLoraException userError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof PcLoraException p) {
                return p;
            }
        }
        return null;
    }
}
