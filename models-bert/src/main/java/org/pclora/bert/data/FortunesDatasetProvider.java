package org.pclora.bert.data;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Set;

/**
 * The embedded topic-classification set built from Debian's fortunes package (six categories:
 * computers, food, law, love, sports, startrek; 767 train and 190 test entries; see the
 * ATTRIBUTION file beside it). Needs no files, so runs work on a fresh clone.
 */
public final class FortunesDatasetProvider extends TextDatasetProvider {
    @Override
    public String name() {
        return "fortunes";
    }

    @Override
    public String description() {
        return "embedded topic set from Debian fortunes (6 classes, 767 train / 190 test)";
    }

    @Override
    protected Set<String> formatKeys() {
        // An empty path is accepted so that conf/dataset files can share one layout.
        return Set.of("path");
    }

    @Override
    protected List<String> formatClasses(Config dataset) {
        return TextReaders.fortunesClasses();
    }

    @Override
    protected TextExamples read(Config dataset, String split) {
        if (dataset.hasPath("path") && !dataset.getString("path").isEmpty()) {
            throw new org.pclora.core.PcLoraException("dataset fortunes is embedded and takes no path (got '"
                    + dataset.getString("path") + "'): leave path empty or use the jsonl format");
        }
        return TextReaders.fortunes(split);
    }
}
