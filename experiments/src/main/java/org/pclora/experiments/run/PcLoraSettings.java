package org.pclora.experiments.run;

import com.typesafe.config.Config;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.pclora.core.PcLoraException;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.train.RunSeeds;

/**
 * The {@code pclora} group, read and checked once: adapter plugin, rank, LoRA alpha, the
 * decay-end ratio q, bias and initialisation policies and the target layers. The rank's and
 * alpha's ranges are checked where every adapter spec is made ({@link AdapterSpec}).
 *
 * @param adapter   adapter plugin name ({@code pclora}, {@code lora})
 * @param spec      rank, LoRA alpha, bias and init policies, seed of A
 * @param ratio     fraction of the student's steps at which lambda reaches 0, in (0, 1]
 * @param targets   regular expression over linear-slot names, or empty for the family's default
 */
public record PcLoraSettings(String adapter, AdapterSpec spec, double ratio, String targets) {

    /** Checks the ratio and the target pattern. */
    public PcLoraSettings {
        if (!(ratio > 0 && ratio <= 1)) {
            throw new PcLoraException("pclora.ratio = " + ratio + " is out of range: the decay-end ratio q must be in (0, 1]");
        }
        try {
            Pattern.compile(targets);
        } catch (PatternSyntaxException e) {
            throw new PcLoraException("pclora.targets = '" + targets + "' is not a valid regular expression: "
                    + e.getDescription());
        }
    }

    /** Reads the group from a run's configuration (A from the run seed's {@code adapter.init} stream). */
    public static PcLoraSettings of(Config config) {
        String bias = Settings.string(config, "pclora.bias").toLowerCase(Locale.ROOT);
        AdapterSpec.BiasPolicy bp = switch (bias) {
            case "adapter" -> AdapterSpec.BiasPolicy.ADAPTER;
            case "none" -> AdapterSpec.BiasPolicy.NONE;
            default -> throw new PcLoraException("pclora.bias = '" + bias + "' is not accepted: use adapter or none");
        };
        String init = Settings.string(config, "pclora.init").toLowerCase(Locale.ROOT);
        AdapterSpec.InitPolicy ip = switch (init) {
            case "kaiming-uniform" -> AdapterSpec.InitPolicy.KAIMING_UNIFORM;
            case "gaussian" -> AdapterSpec.InitPolicy.GAUSSIAN;
            default -> throw new PcLoraException("pclora.init = '" + init
                    + "' is not accepted: use kaiming-uniform or gaussian");
        };
        double ratio = Settings.number(config, "pclora.ratio");
        AdapterSpec spec = new AdapterSpec(Settings.integer(config, "pclora.rank"),
                Settings.number(config, "pclora.lora_alpha"), bp, ip, new RunSeeds(Settings.longInteger(config, "seed")).of(RunSeeds.ADAPTER_INIT));
        return new PcLoraSettings(Settings.string(config, "pclora.adapter"), spec, ratio,
                config.hasPath("pclora.targets") ? Settings.string(config, "pclora.targets") : "");
    }

    /** The target pattern, with the family's default for an empty one. */
    public String targetsOr(String familyDefault) {
        return targets.isEmpty() ? familyDefault : targets;
    }
}
