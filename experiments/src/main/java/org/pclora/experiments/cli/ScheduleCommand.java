package org.pclora.experiments.cli;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pclora.core.PcLoraException;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.experiments.plots.LinePlot;
import org.pclora.experiments.plugins.PluginGroups;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pclora schedule name=<schedule>[,<schedule>...] steps=<N> [ratio=0.8] [param=value ...]
 * [png=<file>]}: prints lambda for steps 0..N as CSV ({@code step,lambda} for one schedule,
 * {@code step,<name>,...} for several) and optionally plots the curves on one chart.
 *
 * <p>A plain {@code param=value} goes to every named schedule; {@code <schedule>.param=value} to
 * that one only (e.g. {@code name=linear,exponential exponential.rate=3}).
 */
@Command(name = "schedule", mixinStandardHelpOptions = true, versionProvider = PcLoraCli.Version.class,
        description = {
            "Print lambda(n) of decay schedules as CSV for steps 0..N and optionally plot them.",
            "Example: pclora schedule name=linear,sine,cosine steps=100 ratio=0.8 png=lambda.png"})
public final class ScheduleCommand implements Callable<Integer> {
    /** Upper bound on steps: the curve is held in memory and printed line by line. */
    static final long MAX_STEPS = 10_000_000L;
    private static final String ACCEPTED = "name, steps, ratio, png, and the schedule's own parameters";

    @ParentCommand
    PcLoraCli root;

    @Parameters(paramLabel = "key=value", arity = "0..*",
            description = "name=<schedule>[,<schedule>...] steps=<N> [ratio=0.8] [png=<file>] [<param>=<value> ...]")
    List<String> arguments = new ArrayList<>();

    @Override
    public Integer call() {
        KeyValueArguments args = KeyValueArguments.parse("schedule", arguments, ACCEPTED);
        List<String> names = names(args.require("name", "schedule[,schedule...]"));
        String stepsText = args.require("steps", "number of training steps");
        long steps;
        try {
            steps = Long.parseLong(stepsText);
        } catch (NumberFormatException e) {
            throw args.invalid("steps", stepsText, "an integer in [1, " + MAX_STEPS + "] (number of training steps)");
        }
        if (steps < 1 || steps > MAX_STEPS) {
            throw args.invalid("steps", stepsText, "an integer in [1, " + MAX_STEPS + "] (number of training steps)");
        }
        String ratioText = args.take("ratio");
        double ratio = 0.8;
        if (ratioText != null) {
            try {
                ratio = Double.parseDouble(ratioText);
            } catch (NumberFormatException e) {
                throw args.invalid("ratio", ratioText, "a number in (0, 1] (the fraction of steps at which lambda reaches 0)");
            }
            if (!(ratio > 0 && ratio <= 1)) {
                throw args.invalid("ratio", ratioText, "a number in (0, 1] (the fraction of steps at which lambda reaches 0)");
            }
        }
        String png = args.take("png");
        Map<String, DecaySchedule> schedules = configure(names, args);

        long decayEndStep = DecaySchedule.decayEndStep(ratio, steps);
        double[] x = new double[(int) steps + 1];
        Map<String, double[]> lambdas = new LinkedHashMap<>();
        schedules.forEach((n, s) -> lambdas.put(n, new double[x.length]));
        StringBuilder csv = new StringBuilder(names.size() == 1 ? "step,lambda" : "step," + String.join(",", names));
        csv.append('\n');
        for (int step = 0; step <= steps; step++) {
            x[step] = step;
            csv.append(step);
            for (Map.Entry<String, DecaySchedule> e : schedules.entrySet()) {
                double l = e.getValue().lambda(step, decayEndStep);
                lambdas.get(e.getKey())[step] = l;
                csv.append(',').append(l);
            }
            csv.append('\n');
        }
        root.out().print(csv);
        root.out().flush();
        if (png != null) {
            Path target = root.workingDir().resolve(png);
            LinePlot plot = new LinePlot("lambda(n), " + steps + " steps, decay ends at step " + decayEndStep
                    + " (ratio " + ratio + ")", "step n", "lambda");
            lambdas.forEach((n, y) -> plot.add(n, x, y));
            plot.writePng(target, 900, 540);
            root.err().println("wrote " + target);
        }
        return 0;
    }

    private static List<String> names(String value) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (String n : value.split(",")) {
            String name = n.trim();
            if (name.isEmpty() || !names.add(name)) {
                throw new PcLoraException("schedule argument 'name' must be distinct schedule names separated by commas, got '"
                        + value + "'");
            }
        }
        return List.copyOf(names);
    }

    /** Looks up each schedule by name and configures it from the plain and its own prefixed parameters. */
    private Map<String, DecaySchedule> configure(List<String> names, KeyValueArguments args) {
        Map<String, String> shared = new LinkedHashMap<>();
        Map<String, Map<String, String>> own = new LinkedHashMap<>();
        names.forEach(n -> own.put(n, new LinkedHashMap<>()));
        for (Map.Entry<String, String> e : args.remaining().entrySet()) {
            String key = e.getKey();
            int dot = key.indexOf('.');
            if (dot < 0) {
                shared.put(key, e.getValue());
                continue;
            }
            String target = key.substring(0, dot);
            if (!own.containsKey(target)) {
                throw new PcLoraException("schedule argument '" + key + "' is addressed to schedule '" + target
                        + "', which is not among name=" + String.join(",", names));
            }
            own.get(target).put(key.substring(dot + 1), e.getValue());
        }
        Map<String, DecaySchedule> out = new LinkedHashMap<>();
        PluginGroups groups = new PluginGroups(root.registry());
        for (String name : names) {
            Map<String, String> params = new LinkedHashMap<>(shared);
            params.putAll(own.get(name));
            Config config = args.toConfig(params);
            out.put(name, groups.schedule(name, config, names.size() == 1 ? "" : name));
        }
        return out;
    }
}
