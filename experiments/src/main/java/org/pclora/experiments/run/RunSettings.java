package org.pclora.experiments.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Locale;
import org.pclora.core.PcLoraException;

/**
 * The run-level keys, read and checked once: {@code name}, {@code seed}, {@code teacher.checkpoint},
 * the {@code student} group, {@code output.teacher_cache} and {@code train.eval_batch_size}.
 *
 * @param name              the experiment's name
 * @param seed              seed of initialisation, data order and adapters
 * @param teacherCheckpoint the pre-trained checkpoint the teacher starts from, or "" (trained from scratch)
 * @param teacherCache      the teacher cache directory (made absolute by the sweeper)
 * @param evalBatchSize     batch size of every evaluation
 * @param student           the {@code student} group
 * @param model             the {@code model} group, handed to the model family
 * @param dataset           the {@code dataset} group, handed to the dataset provider
 */
public record RunSettings(String name, long seed, String teacherCheckpoint, Path teacherCache, int evalBatchSize,
                          Student student, Config model, Config dataset) {

    /** Where the student's weights start. */
    public enum Init {
        TEACHER, PRETRAINED, RANDOM;

        /** The word the configuration uses ({@code teacher}, {@code pretrained}, {@code random}). */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The {@code student} group.
     *
     * @param init             where its weights start
     * @param freezeEmbeddings whether its embedding tables are frozen
     * @param adapters         whether its target layers get adapters (false: the small-dense-model row)
     * @param model            its own architecture as keys over {@code model} (empty: the teacher's)
     */
    public record Student(Init init, boolean freezeEmbeddings, boolean adapters, Config model) {
    }

    /** Reads the keys from a run's configuration. */
    public static RunSettings of(Config config) {
        String init = Settings.string(config, "student.init");
        Init parsed = switch (init) {
            case "teacher" -> Init.TEACHER;
            case "pretrained" -> Init.PRETRAINED;
            case "random" -> Init.RANDOM;
            default -> throw new PcLoraException("student.init = '" + init
                    + "' is not accepted: use teacher, pretrained or random");
        };
        // Runs saved before these keys existed resume with the behaviour they had.
        boolean freeze = config.hasPath("student.freeze_embeddings") && Settings.bool(config, "student.freeze_embeddings");
        boolean adapters = !config.hasPath("student.adapters") || Settings.bool(config, "student.adapters");
        Config model = config.hasPath("student.model") ? config.getConfig("student.model") : ConfigFactory.empty();
        return new RunSettings(Settings.string(config, "name"), Settings.longInteger(config, "seed"),
                Settings.string(config, "teacher.checkpoint"), Path.of(Settings.string(config, "output.teacher_cache")),
                Settings.integer(config, "train.eval_batch_size"), new Student(parsed, freeze, adapters, model),
                config.getConfig("model"), config.getConfig("dataset"));
    }
}
