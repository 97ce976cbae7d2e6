package org.pclora.experiments.run.slurm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.pclora.core.PcLoraException;

/**
 * The SLURM commands the launcher uses ({@code sbatch --parsable}, {@code squeue}, {@code sacct},
 * {@code scancel}); an interface so that status and resubmission can be tested without a cluster.
 */
public interface Slurm {

    /** Submits {@code script} with extra options and returns the job id. */
    String sbatch(Path script, List<String> options);

    /**
     * Queue state of the given jobs, one entry per job or array task ({@code 12_3}) to its
     * state and reason; null when {@code squeue} is absent or does not answer.
     */
    Map<String, Queued> squeue(List<String> jobIds);

    /** Accounting states of finished jobs and tasks ({@code 12_3 -> TIMEOUT}); empty when sacct is unavailable. */
    Map<String, String> sacct(List<String> jobIds);

    /** Cancels jobs or array tasks. */
    void scancel(List<String> ids);

    /** A job or task in the queue. */
    record Queued(String state, String reason) {
    }

    /** The real commands, from {@code PATH}. */
    static Slurm commands() {
        return new Commands();
    }

    /** Runs the SLURM client programs. */
    final class Commands implements Slurm {
        private record Result(int status, String out, String err) {
        }

        private static Result exec(List<String> cmd) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            // both streams are small (job ids, queue lines); read err after out
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(cmd.get(0) + " did not answer in 60 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            return new Result(p.exitValue(), out, err);
        }

        @Override
        public String sbatch(Path script, List<String> options) {
            List<String> cmd = new ArrayList<>(List.of("sbatch", "--parsable"));
            cmd.addAll(options);
            cmd.add(script.toString());
            Result r;
            try {
                r = exec(cmd);
            } catch (IOException e) {
                throw new PcLoraException("cannot run sbatch (" + e.getMessage() + "): launcher=slurm needs SLURM's"
                        + " client commands on PATH; launcher.submit=false writes the scripts without submitting");
            }
            String id = r.out().trim().split(";")[0].trim();
            if (r.status() != 0 || !id.matches("\\d+")) {
                String msg = (r.err() + " " + r.out()).replace("sbatch: error: ", "").trim().replaceAll("\\s*\\n\\s*", "; ");
                throw new PcLoraException("sbatch " + script.getFileName() + " failed (exit " + r.status() + "): " + msg
                        + " (check the launcher.* settings: partition, time, account, qos)");
            }
            return id;
        }

        @Override
        public Map<String, Queued> squeue(List<String> jobIds) {
            if (jobIds.isEmpty()) {
                return Map.of();
            }
            try {
                // -r: one line per array task; --states=all keeps tasks that have just ended
                Result r = exec(List.of("squeue", "-h", "-r", "--states=all", "-j", String.join(",", jobIds), "-o", "%i|%T|%r"));
                if (r.status() != 0) {
                    // squeue rejects ids the controller has forgotten (MinJobAge): ask for each
                    if (r.err().contains("Invalid job id")) {
                        Map<String, Queued> all = new LinkedHashMap<>();
                        for (String id : jobIds) {
                            Result one = exec(List.of("squeue", "-h", "-r", "--states=all", "-j", id, "-o", "%i|%T|%r"));
                            if (one.status() == 0) {
                                all.putAll(parseQueue(one.out()));
                            }
                        }
                        return all;
                    }
                    return null;
                }
                return parseQueue(r.out());
            } catch (IOException e) {
                return null;
            }
        }

        static Map<String, Queued> parseQueue(String out) {
            Map<String, Queued> m = new LinkedHashMap<>();
            for (String line : out.split("\n")) {
                String[] f = line.trim().split("\\|", -1);
                if (f.length >= 3 && !f[0].isEmpty()) {
                    m.put(f[0], new Queued(f[1], f[2]));
                }
            }
            return m;
        }

        @Override
        public Map<String, String> sacct(List<String> jobIds) {
            if (jobIds.isEmpty()) {
                return Map.of();
            }
            try {
                Result r = exec(List.of("sacct", "-n", "-P", "-X", "-j", String.join(",", jobIds), "-o", "JobID,State"));
                Map<String, String> m = new LinkedHashMap<>();
                if (r.status() != 0) {
                    return m; // e.g. "Slurm accounting storage is disabled"
                }
                for (String line : r.out().split("\n")) {
                    String[] f = line.trim().split("\\|", -1);
                    if (f.length >= 2 && !f[0].isEmpty()) {
                        m.put(f[0], f[1].split(" ")[0]); // "CANCELLED by 0" -> CANCELLED
                    }
                }
                return m;
            } catch (IOException e) {
                return Map.of();
            }
        }

        @Override
        public void scancel(List<String> ids) {
            if (ids.isEmpty()) {
                return;
            }
            List<String> cmd = new ArrayList<>(List.of("scancel"));
            cmd.addAll(ids);
            try {
                exec(cmd);
            } catch (IOException e) {
                throw new PcLoraException("cannot run scancel: " + e.getMessage());
            }
        }
    }
}
