package org.pclora.core.checkpoint;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.nio.file.Path;
import org.pclora.core.PcLoraException;

/** Reads a HF {@code config.json} (or Google's {@code bert_config.json}) as a Typesafe config. */
public final class HfConfig {
    private HfConfig() {
    }

    /** The JSON file as a config; unreadable JSON raises one line naming the file. */
    public static Config read(Path json) {
        try {
            return ConfigFactory.parseFile(json.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON)
                    .setAllowMissing(false));
        } catch (ConfigException e) {
            throw new PcLoraException("checkpoint config " + json + " cannot be read as JSON (" + e.getMessage()
                    + "): expected a HF config.json");
        }
    }
}
