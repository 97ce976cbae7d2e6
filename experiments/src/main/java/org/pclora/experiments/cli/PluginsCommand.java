package org.pclora.experiments.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.experiments.plugins.Origins;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code pclora plugins}: every discovered plugin by kind, name, version, origin and description. */
@Command(name = "plugins", mixinStandardHelpOptions = true, versionProvider = PcLoraCli.Version.class,
        description = "List every discovered plugin: kind, name, version, origin, description.")
public final class PluginsCommand implements Callable<Integer> {
    @ParentCommand
    PcLoraCli root;

    @Override
    public Integer call() {
        PluginRegistry registry = root.registry();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KIND", "NAME", "VERSION", "ORIGIN", "DESCRIPTION"});
        for (PluginRegistry.Kind kind : PluginRegistry.Kind.values()) {
            List<PluginRegistry.Entry> entries = registry.entries(kind);
            if (entries.isEmpty()) {
                rows.add(new String[] {kind.label(), "(none found)", "", "", ""});
            }
            for (PluginRegistry.Entry e : entries) {
                rows.add(new String[] {kind.label(), e.plugin().name(), e.plugin().version(),
                        Origins.describe(e.plugin().getClass()), e.plugin().description()});
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
