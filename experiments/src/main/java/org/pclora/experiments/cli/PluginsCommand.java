package org.pclora.experiments.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.core.spi.PluginParameter;
import org.pclora.core.spi.PluginParameters;
import org.pclora.experiments.plugins.Origins;
import org.pclora.experiments.plugins.PluginGroups;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pclora plugins}: every discovered plugin by kind, name, version, origin and description,
 * and every plugin that could not be loaded, as {@code (broken)} with its class and the reason.
 */
@Command(name = "plugins", mixinStandardHelpOptions = true, versionProvider = PcLoraCli.Version.class,
        description = "List every discovered plugin: kind, name, version, origin, description.")
public final class PluginsCommand implements Callable<Integer> {
    @ParentCommand
    PcLoraCli root;

    /**
     * The declared parameters of a schedule or distillation loss with their defaults, e.g.
     * {@code  [schedule.rate = 5.0]}; model families and datasets have too many to show in a row.
     */
    private static String parameters(PluginRegistry.Kind kind, PluginRegistry.Entry e) {
        if (kind != PluginRegistry.Kind.SCHEDULE && kind != PluginRegistry.Kind.DISTILL) {
            return "";
        }
        PluginParameters ps = PluginGroups.parameters(e);
        if (!ps.declared() || ps.names().isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (PluginParameter p : ps.list()) {
            parts.add(kind.label() + "." + p.name() + (p.hasDefault() ? " = " + render(p.defaultValue()) : " (optional)"));
        }
        return " [" + String.join(", ", parts) + "]";
    }

    private static String render(Object v) {
        return com.typesafe.config.ConfigValueFactory.fromAnyRef(v).render(com.typesafe.config.ConfigRenderOptions.concise());
    }

    @Override
    public Integer call() {
        PluginRegistry registry = root.registryQuietly();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KIND", "NAME", "VERSION", "ORIGIN", "DESCRIPTION"});
        for (PluginRegistry.Kind kind : PluginRegistry.Kind.values()) {
            List<PluginRegistry.Entry> entries = registry.entries(kind);
            if (entries.isEmpty()) {
                rows.add(new String[] {kind.label(), "(none found)", "", "", ""});
            }
            for (PluginRegistry.Entry e : entries) {
                rows.add(new String[] {kind.label(), e.plugin().name(), e.plugin().version(),
                        Origins.describe(e.plugin().getClass()), e.plugin().description() + parameters(kind, e)});
            }
            for (PluginRegistry.Broken b : registry.broken(kind)) {
                rows.add(new String[] {kind.label(), "(broken)", "", b.origin(), b.className() + " " + b.reason()});
            }
        }
        int[] width = new int[4];
        for (String[] r : rows) {
            for (int i = 0; i < width.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < width.length; i++) {
                line.append(String.format("%-" + width[i] + "s  ", r[i]));
            }
            root.out().println(line.append(r[4]).toString().stripTrailing());
        }
        root.out().println(registry.searched());
        return 0;
    }
}
