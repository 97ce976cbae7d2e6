package org.pclora.core.provenance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;

/**
 * The version of the code that made a result.
 *
 * @param commit  HEAD of the project's git checkout, or {@code unknown}
 * @param dirty   whether tracked files differed from that commit
 * @param sha256  content hash of the code that computes the result (see {@link Hashes#code})
 */
public record CodeVersion(String commit, boolean dirty, String sha256) {

    /** The git state of {@code checkout} and the hash of the code the given classes came from. */
    public static CodeVersion of(Path checkout, Collection<Class<?>> code) {
        String commit = "unknown";
        boolean dirty = false;
        try {
            Process pr = new ProcessBuilder("git", "-C", checkout.toString(), "rev-parse", "HEAD")
                    .redirectErrorStream(true).start();
            String out = new String(pr.getInputStream().readAllBytes()).trim();
            if (pr.waitFor() == 0 && out.matches("[0-9a-f]{40}")) {
                commit = out;
                Process st = new ProcessBuilder("git", "-C", checkout.toString(), "status", "--porcelain",
                        "--untracked-files=no").redirectErrorStream(true).start();
                dirty = !new String(st.getInputStream().readAllBytes()).trim().isEmpty();
                st.waitFor();
            }
        } catch (IOException e) {
            // no git: the commit stays unknown, the code hash still identifies the code
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new CodeVersion(commit, dirty, Hashes.code(code));
    }

    /** The commit with a {@code -dirty} suffix for a modified checkout (the old {@code git_commit} field). */
    public String label() {
        return dirty ? commit + "-dirty" : commit;
    }
}
