package org.pclora.experiments.run.slurm;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import org.pclora.core.Messages;
import org.pclora.core.PcLoraException;

/**
 * The {@code launcher.*} keys of {@code conf/launcher/slurm.conf}, checked: each bad value is a
 * one-line error naming the key and what it accepts, raised before anything is written or submitted.
 *
 * @param partition   {@code --partition}, empty for the cluster's default
 * @param time        {@code --time} per task
 * @param cpusPerTask {@code --cpus-per-task}
 * @param mem         {@code --mem}, empty for the cluster's default
 * @param gpus        {@code --gpus-per-task}, 0 for none
 * @param qos         {@code --qos}, empty for none
 * @param account     {@code --account}, empty for none
 * @param extra       further {@code #SBATCH} options, each starting with {@code -}
 * @param maxParallel the array's {@code %N} throttle, 0 for none
 * @param submit      false writes the scripts without calling sbatch
 * @param command     the shell command that runs pclora on the nodes, empty for this JVM's
 */
public record SlurmSettings(String partition, String time, int cpusPerTask, String mem, int gpus, String qos,
                            String account, List<String> extra, int maxParallel, boolean submit, String command) {

    private static final String TIME = "\\d+|\\d+:\\d{1,2}|\\d+:\\d{1,2}:\\d{1,2}|\\d+-\\d+(:\\d{1,2}(:\\d{1,2})?)?";
    private static final String NAME = "[A-Za-z0-9_.+\\-,]*";

    public SlurmSettings {
        check("launcher.time", time, time.matches(TIME) && !time.matches("0+(:0+)*"),
                "a positive SLURM time: minutes, MM:SS, HH:MM:SS or D-HH[:MM[:SS]]");
        check("launcher.cpus_per_task", Integer.toString(cpusPerTask), cpusPerTask >= 1, "an integer >= 1");
        check("launcher.mem", mem, mem.isEmpty() || mem.matches("[1-9]\\d*[KMGTkmgt]?"),
                "\"\" or a positive number with an optional K, M, G or T suffix (e.g. 8G)");
        check("launcher.gpus", Integer.toString(gpus), gpus >= 0, "an integer >= 0");
        check("launcher.max_parallel", Integer.toString(maxParallel), maxParallel >= 0, "an integer >= 0 (0 = no limit)");
        check("launcher.partition", partition, partition.matches(NAME), "a partition name (letters, digits, _ . - + ,)");
        check("launcher.qos", qos, qos.matches(NAME), "a QOS name (letters, digits, _ . - + ,)");
        check("launcher.account", account, account.matches(NAME), "an account name (letters, digits, _ . - + ,)");
        for (String e : extra) {
            check("launcher.extra", e, e.startsWith("-") && !e.contains("\n") && !e.contains("\r"),
                    "a list of sbatch options such as [\"--constraint=avx512\"], each starting with - and on one line");
        }
        check("launcher.command", command, !command.contains("\n"), "one line of shell, or \"\" for this JVM");
        extra = List.copyOf(extra);
    }

    /** Reads and checks {@code launcher.*} of a composed configuration. */
    public static SlurmSettings of(Config c) {
        Config l = c.getConfig("launcher");
        try {
            List<String> extra = new ArrayList<>(l.hasPath("extra") ? l.getStringList("extra") : List.of());
            return new SlurmSettings(str(l, "partition"), str(l, "time"), l.getInt("cpus_per_task"), str(l, "mem"),
                    l.getInt("gpus"), str(l, "qos"), str(l, "account"), extra, l.getInt("max_parallel"),
                    l.getBoolean("submit"), str(l, "command"));
        } catch (ConfigException.WrongType e) {
            throw new PcLoraException("launcher: " + Messages.oneLine(e.getMessage())
                    + " (see conf/launcher/slurm.conf for each key's type)");
        } catch (ConfigException.Missing e) {
            throw new PcLoraException("launcher: " + Messages.oneLine(e.getMessage())
                    + " (launcher=slurm defines every key; was the launcher group replaced?)");
        }
    }

    private static String str(Config l, String key) {
        return l.hasPath(key) ? l.getString(key).trim() : "";
    }

    private static void check(String key, String value, boolean ok, String accepted) {
        if (!ok) {
            throw new PcLoraException(key + " = '" + value + "' is not accepted: expected " + accepted);
        }
    }

    /** The {@code #SBATCH} options every job of the sweep gets (besides name, output and array). */
    public List<String> options() {
        List<String> o = new ArrayList<>();
        if (!partition.isEmpty()) {
            o.add("--partition=" + partition);
        }
        o.add("--time=" + time);
        o.add("--cpus-per-task=" + cpusPerTask);
        if (!mem.isEmpty()) {
            o.add("--mem=" + mem);
        }
        if (gpus > 0) {
            o.add("--gpus-per-task=" + gpus);
        }
        if (!qos.isEmpty()) {
            o.add("--qos=" + qos);
        }
        if (!account.isEmpty()) {
            o.add("--account=" + account);
        }
        o.addAll(extra);
        return o;
    }
}
