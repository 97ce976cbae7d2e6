package org.pclora.experiments.run;

import com.google.inject.Inject;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.pclora.core.provenance.CodeVersion;
import org.pclora.core.provenance.Hashes;
import org.pclora.core.provenance.Provenance;
import org.pclora.core.spi.AdapterFactory;
import org.pclora.core.spi.DatasetProvider;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.ModelFamily;
import org.pclora.core.train.Objective;
import org.pclora.core.train.Trainer;

/**
 * How a run was made (Tribuo's provenance): the resolved configuration, the seed, the plugins
 * and their versions, the code, the hashes of the data files, the environment; and the teacher
 * cache key, which hashes the part of it that determines the teacher. Each part is computed once.
 */
public final class RunProvenance {
    private final Config config;
    private final ModelFamily family;
    private final DatasetProvider datasets;
    private final DecaySchedule schedule;
    private final AdapterFactory adapterFactory;
    private final Objective objective;
    private final long seed;
    private Map<String, String> data;
    private Provenance provenance;

    @Inject
    public RunProvenance(Config config, RunSettings settings, ModelFamily family, DatasetProvider datasets,
                         DecaySchedule schedule, AdapterFactory adapterFactory, Objective objective) {
        this.config = config;
        this.family = family;
        this.datasets = datasets;
        this.schedule = schedule;
        this.adapterFactory = adapterFactory;
        this.objective = objective;
        this.seed = settings.seed();
    }

    /** The resolved configuration the run records ({@code config.conf}). */
    public Config configuration() {
        return config;
    }

    /** The teacher cache key of this configuration's teacher (configuration, code, data). */
    public String teacherKey() {
        return TeacherCache.key(config, teacherCode(), data());
    }

    /** The part of the configuration that determines the teacher, as the cache entry records it. */
    public Config teacherDefinition() {
        return TeacherCache.teacherDefinition(config);
    }

    /** The code that determines a teacher: core (engine, training), the model family, the dataset provider. */
    private Set<Class<?>> teacherCode() {
        return new LinkedHashSet<>(List.of(Trainer.class, family.getClass(), datasets.getClass()));
    }

    /**
     * SHA-256 of every data file the configuration names: each string under {@code dataset}
     * (and {@code model.vocab}, {@code teacher.checkpoint}) that is an existing file or folder.
     * Embedded data is part of the code and hashed with it.
     */
    public Map<String, String> data() {
        if (data == null) {
            data = new TreeMap<>();
            for (Map.Entry<String, ConfigValue> e : config.getConfig("dataset").entrySet()) {
                hashIfFile(e.getValue());
            }
            for (String k : List.of("model.vocab", "teacher.checkpoint")) {
                if (config.hasPath(k)) {
                    hashIfFile(config.getValue(k));
                }
            }
        }
        return data;
    }

    private void hashIfFile(ConfigValue v) {
        if (v.valueType() != ConfigValueType.STRING) {
            return;
        }
        String s = (String) v.unwrapped();
        if (s.isEmpty() || s.contains(":") && !s.startsWith("/")) {
            return; // embedded:..., maven:... and empty values name no local file
        }
        try {
            Path path = Path.of(s);
            if (Files.exists(path)) {
                data.putAll(Hashes.files(path));
            }
        } catch (InvalidPathException ignored) {
            // not a path
        }
    }

    /** The run's provenance: plugins and versions, code, seed, configuration, data, environment. */
    public Provenance get() {
        if (provenance == null) {
            List<Provenance.PluginVersion> used = new ArrayList<>();
            used.add(new Provenance.PluginVersion("model", family.name(), family.version()));
            used.add(new Provenance.PluginVersion("dataset", datasets.name(), datasets.version()));
            used.add(new Provenance.PluginVersion("schedule", schedule.name(), schedule.version()));
            used.add(new Provenance.PluginVersion("adapter", adapterFactory.name(), adapterFactory.version()));
            objective.terms().forEach(t -> used.add(new Provenance.PluginVersion("distill", t.loss().name(),
                    t.loss().version())));
            Set<Class<?>> code = teacherCode();
            code.add(schedule.getClass());
            code.add(adapterFactory.getClass());
            objective.terms().forEach(t -> code.add(t.loss().getClass()));
            String home = System.getenv().getOrDefault("PCLORA_HOME", ".");
            provenance = new Provenance(CodeVersion.of(Path.of(home), code), seed, used,
                    ConfigFactory.empty().withFallback(config).root().render(ConfigRenderOptions.concise()), data(),
                    null, RunEnvironment.collect());
        }
        return provenance;
    }
}
