package org.pclora.bert.data;

import com.typesafe.config.Config;
import java.util.Set;

/**
 * JSON lines, one object an example. Keys: {@code path} (folder), {@code train} (default
 * train.jsonl), {@code test} (default test.jsonl), {@code text_column} (text), {@code pair_column}
 * (none), {@code label_column} (label; string or integer).
 */
public final class JsonlDatasetProvider extends TextDatasetProvider {
    @Override
    public String name() {
        return "jsonl";
    }

    @Override
    public String description() {
        return "JSON lines with text/label fields (text_column, label_column)";
    }

    @Override
    protected Set<String> formatKeys() {
        return Set.of("path", "train", "test", "text_column", "pair_column", "label_column");
    }

    @Override
    protected TextExamples read(Config dataset, String split) {
        return TextReaders.jsonl(splitFile(dataset, split, split + ".jsonl"), getString(dataset, "text_column", "text"),
                getString(dataset, "pair_column", null), getString(dataset, "label_column", "label"));
    }
}
