package org.pclora.experiments.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Locale;
import org.pclora.core.PcLoraException;

/**
 * The run-level keys, read and checked once: {@code name}, {@code seed}, {@code teacher.checkpoint},
 * the {@code student} group, {@code output.teacher_cache}, {@code train.eval_batch_size} and
 * {@code train.keep_checkpoints}.
 *
 * @param name              the experiment's name
 * @param seed              seed of initialisation, data order and adapters
 * @param teacherSeed       the teacher's seed: {@code teacher.seed}, or {@code seed} when that is ""
 * @param teacherCheckpoint the pre-trained checkpoint the teacher starts from, or "" (trained from scratch)
 * @param teacherCache      the teacher cache directory (made absolute by the sweeper)
 * @param evalBatchSize     batch size of every evaluation
 * @param student           the {@code student} group
 * @param model             the {@code model} group, handed to the model family
 * @param dataset           the {@code dataset} group, handed to the dataset provider (without
 *                          {@code val_fraction}, which the run reads)
 * @param keepCheckpoints   checkpoints kept per phase ({@code train.keep_checkpoints}, at least 1)
 */
public record RunSettings(String name, long seed, long teacherSeed, String teacherCheckpoint, Path teacherCache,
                          int evalBatchSize, Student student, Config model, Config dataset, int keepCheckpoints) {

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
                TeacherCache.teacherSeed(config),
                Settings.string(config, "teacher.checkpoint"), Path.of(Settings.string(config, "output.teacher_cache")),
                Settings.integer(config, "train.eval_batch_size"), new Student(parsed, freeze, adapters, model),
                config.getConfig("model"), config.getConfig("dataset").withoutPath("val_fraction"),
                keepCheckpoints(config));
    }

    /** {@code train.keep_checkpoints} (configurations saved before it existed: the default). */
    static int keepCheckpoints(Config config) {
        int keep = config.hasPath("train.keep_checkpoints") ? Settings.integer(config, "train.keep_checkpoints")
                : org.pclora.core.train.CheckpointStore.DEFAULT_KEEP;
        if (keep < 1) {
            throw new PcLoraException("train.keep_checkpoints = " + keep + " is not accepted: keep at least"
                    + " 1 checkpoint per phase (2, the default, survives one damaged file)");
        }
        return keep;
    }
}
