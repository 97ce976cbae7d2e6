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
        return Set.of();
    }

    @Override
    protected List<String> formatClasses(Config dataset) {
        return TextReaders.fortunesClasses();
    }

    @Override
    protected TextExamples read(Config dataset, String split) {
        return TextReaders.fortunes(split);
    }
}
