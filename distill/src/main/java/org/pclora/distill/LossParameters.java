package org.pclora.distill;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigRenderOptions;
import java.util.Set;
import java.util.TreeSet;
import org.pclora.core.PcLoraException;

/** Reads and validates the parameters of one distillation loss, with the same one-line errors for all. */
final class LossParameters {
    private final String loss;
    private final Config params;

    private LossParameters(String loss, Config params) {
        this.loss = loss;
        this.params = params;
    }

    /** Checks that {@code params} holds only the {@code accepted} top-level names. */
    static LossParameters of(String loss, Config params, String... accepted) {
        Set<String> allowed = Set.of(accepted);
        for (String key : new TreeSet<>(params.root().keySet())) {
            if (!allowed.contains(key)) {
                String list = accepted.length == 0 ? "none (it takes no parameters)"
                        : String.join(", ", new TreeSet<>(allowed));
                throw new PcLoraException("distill loss '" + loss + "' has no parameter '" + key
                        + "'; accepted parameters: " + list);
            }
        }
        return new LossParameters(loss, params);
    }

    /** A finite number strictly greater than 0, or {@code fallback} when absent. */
    double positive(String key, double fallback) {
        if (!params.hasPath(key)) {
            return fallback;
        }
        String shown = params.getValue(key).render(ConfigRenderOptions.concise());
        double v;
        try {
            v = params.getDouble(key);
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            throw new PcLoraException("distill loss '" + loss + "' parameter '" + key + "' must be a number, got " + shown);
        }
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new PcLoraException("distill loss '" + loss + "' parameter '" + key
                    + "' must be a finite number > 0, got " + shown);
        }
        return v;
    }
}
