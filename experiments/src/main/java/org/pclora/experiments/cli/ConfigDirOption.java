package org.pclora.experiments.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --config-dir}, for the commands that read the {@code conf/} tree (compose a run, find a
 * model name): mixed into a command with {@code @Mixin}; the value goes to the root command,
 * whose {@link PcLoraCli#confDir()} is the one place that finds the tree.
 */
final class ConfigDirOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--config-dir", paramLabel = "<dir>", description = "The conf/ tree (default: $PCLORA_HOME/conf, else ./conf).")
    void configDir(Path dir) {
        ((PcLoraCli) mixee.root().userObject()).configDir = dir;
    }
}
