package org.pclora.experiments.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

/** One in-process run of the pclora command with captured output, for tests. */
public record CliRun(int status, String out, String err) {

    /** Runs {@code pclora args} in {@code workingDir} with environment {@code env}. */
    public static CliRun of(Map<String, String> env, Path workingDir, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = PcLoraCli.run(args, new PrintWriter(out), new PrintWriter(err), env, workingDir);
        return new CliRun(status, out.toString(), err.toString());
    }

    /** Runs {@code pclora args} with no environment, in {@code workingDir}. */
    public static CliRun of(Path workingDir, String... args) {
        return of(Map.of(), workingDir, args);
    }
}
