package org.pclora.core.provenance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a result was made, written into {@code summary.json} and into every export's safetensors
 * metadata ({@code pclora.provenance}) and shown by {@code pclora infer}.
 *
 * @param code        code version: commit, dirty flag, code hash
 * @param seed        the run's seed
 * @param plugins     every plugin used, under one version scheme
 * @param config      the resolved configuration (HOCON, concise)
 * @param data        SHA-256 of every data file read, by path ({@code embedded:} data is part of the code)
 * @param teacher     SHA-256 of the teacher checkpoint the student was distilled from, or null
 * @param environment Java, ND4J, BLAS, CPU and OS, as names and values
 */
public record Provenance(CodeVersion code, long seed, List<PluginVersion> plugins, String config,
                         Map<String, String> data, String teacher, Map<String, Object> environment) {

    /**
     * One plugin: kind, name and version. The version is the jar's Implementation-Version, else
     * the project version this build of core carries (so built-in plugins read the same in a jar
     * and in a class folder).
     */
    public record PluginVersion(String kind, String name, String version) {
    }

    /** The same provenance with the teacher checkpoint's hash. */
    public Provenance withTeacher(String sha256) {
        return new Provenance(code, seed, plugins, config, data, sha256, environment);
    }

    /**
     * As the ordered map written to JSON, with summary.json's field names ({@code git_commit},
     * {@code seed}, {@code plugins} as kind/name to version, the environment fields, {@code config})
     * and the newer {@code dirty}, {@code code_sha256}, {@code data_sha256}, {@code teacher_sha256}.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("git_commit", code.label());
        p.put("dirty", code.dirty());
        p.put("code_sha256", code.sha256());
        p.put("seed", seed);
        Map<String, String> ps = new LinkedHashMap<>();
        plugins.forEach(v -> ps.put(v.kind() + "/" + v.name(), v.version()));
        p.put("plugins", ps);
        p.putAll(environment);
        p.put("data_sha256", new LinkedHashMap<>(data));
        if (teacher != null) {
            p.put("teacher_sha256", teacher);
        }
        p.put("config", config);
        return p;
    }

    /** {@link #toMap()} as JSON. */
    public String toJson() {
        try {
            return new ObjectMapper().writeValueAsString(toMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One line for {@code infer}: commit, plugins and data of a provenance JSON (as stored in an export). */
    @SuppressWarnings("unchecked")
    public static String describe(String json) {
        try {
            Map<String, Object> m = new ObjectMapper().readValue(json, Map.class);
            Object data = m.get("data_sha256");
            int files = data instanceof Map<?, ?> d ? d.size() : 0;
            return "made by pclora " + m.getOrDefault("git_commit", "unknown") + ", seed " + m.getOrDefault("seed", "?")
                    + ", plugins " + m.getOrDefault("plugins", Map.of()) + ", " + files + " data file(s) hashed"
                    + (m.containsKey("teacher_sha256") ? ", teacher sha256 " + m.get("teacher_sha256") : "");
        } catch (JsonProcessingException e) {
            return "provenance metadata is not valid JSON";
        }
    }

    /** The version of this build of core (Maven's project version), or {@code dev}. */
    public static String projectVersion() {
        try (var in = Provenance.class.getResourceAsStream("/org/pclora/core/version.properties")) {
            if (in != null) {
                java.util.Properties p = new java.util.Properties();
                p.load(in);
                String v = p.getProperty("version", "");
                if (!v.isEmpty() && !v.startsWith("$")) {
                    return v;
                }
            }
        } catch (java.io.IOException e) {
            // fall through
        }
        return "dev";
    }
}
