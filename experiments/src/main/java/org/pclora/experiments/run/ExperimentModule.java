package org.pclora.experiments.run;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.name.Named;
import com.typesafe.config.Config;
import java.util.List;
import org.pclora.core.PcLoraException;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.core.spi.AdapterFactory;
import org.pclora.core.spi.DatasetProvider;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.ModelFamily;
import org.pclora.core.train.Objective;
import org.pclora.core.train.TrainingSettings;
import org.pclora.experiments.plugins.PluginGroups;

/**
 * Binds the plugins a run's configuration selects by name (model family, dataset, decay schedule,
 * distillation losses, adapter) and the training settings. Tests override parts of it with
 * {@link com.google.inject.util.Modules#override} to inject fakes.
 */
public final class ExperimentModule extends AbstractModule {
    private final Config config;
    private final PluginRegistry registry;

    public ExperimentModule(Config config, PluginRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    /** The wired runner of one configuration: every plugin configured and every setting read and checked. */
    public static ExperimentRunner runner(Config config, PluginRegistry registry) {
        return Guice.createInjector(new ExperimentModule(config, registry)).getInstance(ExperimentRunner.class);
    }

    @Override
    protected void configure() {
        bind(Config.class).toInstance(config);
        bind(PluginRegistry.class).toInstance(registry);
    }

    @Provides
    @Singleton
    ModelFamily modelFamily() {
        return registry.modelFamily(Settings.string(config, "model.family"));
    }

    @Provides
    @Singleton
    DatasetProvider datasetProvider() {
        return registry.dataset(Settings.string(config, "dataset.provider"));
    }

    /**
     * The schedule {@code schedule.name} selects, configured from the other keys of {@code schedule};
     * whatever the plugin throws becomes one line naming it, its origin and the parameter.
     */
    @Provides
    @Singleton
    DecaySchedule decaySchedule() {
        return new PluginGroups(registry).schedule(config);
    }

    @Provides
    @Singleton
    AdapterFactory adapterFactory() {
        return registry.adapter(pcLoraSettings().adapter());
    }

    @Provides
    @Singleton
    Objective objective(ModelFamily family) {
        List<Objective.Term> terms = new PluginGroups(registry).losses(config);
        return Objective.of(taskWeight(lossSettings().alpha(), terms), terms, family);
    }

    /**
     * The task loss's weight: {@code loss.alpha}, or 1 when no term distils (every term reads no
     * features or has weight 0, e.g. {@code distill=none}): without distillation the task loss is
     * the whole objective, not {@code alpha} of it.
     */
    public static double taskWeight(double alpha, List<Objective.Term> terms) {
        boolean distils = terms.stream().anyMatch(t -> t.weight() > 0 && !t.loss().requires().isEmpty());
        return distils ? alpha : 1.0;
    }

    @Provides
    @Singleton
    PcLoraSettings pcLoraSettings() {
        return PcLoraSettings.of(config);
    }

    @Provides
    @Singleton
    RunSettings runSettings() {
        return RunSettings.of(config);
    }

    @Provides
    @Singleton
    ValidationSettings validationSettings() {
        return ValidationSettings.of(config);
    }

    @Provides
    @Singleton
    LossSettings lossSettings() {
        return LossSettings.of(config);
    }

    @Provides
    @Singleton
    AdapterSpec adapterSpec(PcLoraSettings settings) {
        return settings.spec();
    }

    @Provides
    @Singleton
    @Named("teacher")
    TrainingSettings teacherSettings() {
        return settings("teacher", Settings.number(config, "optimizer.teacher_lr"), TeacherCache.teacherSeed(config));
    }

    @Provides
    @Singleton
    @Named("student")
    TrainingSettings studentSettings() {
        return settings("student", Settings.number(config, "optimizer.lr"), Settings.longInteger(config, "seed"));
    }

    private TrainingSettings settings(String phase, double lr, long seed) {
        Settings.workers(config); // read by multiruns only, but refused here too so no run accepts a bad value
        Config o = config.getConfig("optimizer");
        try {
            return new TrainingSettings(Settings.integer(config, phase + ".epochs"),
                    Settings.integer(config, phase + ".batch_size"), lr, Settings.number(o, "min_lr"),
                    Settings.number(o, "warmup_ratio"), Settings.number(o, "weight_decay"), Settings.number(o, "beta1"),
                    Settings.number(o, "beta2"), Settings.number(o, "eps"), Settings.number(o, "clip_norm"),
                    seed, Settings.integer(config, "train.log_every"),
                    Settings.integer(config, "train.checkpoint_every"));
        } catch (org.pclora.core.PcLoraException e) {
            throw new org.pclora.core.PcLoraException(withKey(phase, e.getMessage()), e);
        }
    }

    /** Core's "epochs = 0 is not accepted: ..." with the configuration key the value came from. */
    static String withKey(String phase, String message) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\w+) = ").matcher(message);
        if (!m.find()) {
            return message;
        }
        String key = switch (m.group(1)) {
            case "epochs", "batch_size" -> phase + "." + m.group(1);
            case "lr" -> phase.equals("teacher") ? "optimizer.teacher_lr" : "optimizer.lr";
            case "log_every", "checkpoint_every" -> "train." + m.group(1);
            default -> "optimizer." + m.group(1);
        };
        return key + message.substring(m.group(1).length());
    }
}
