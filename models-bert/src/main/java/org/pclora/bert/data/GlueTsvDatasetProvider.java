package org.pclora.bert.data;

import com.typesafe.config.Config;
import java.util.Set;

/**
 * GLUE-style tab-separated files with a header row (SST-2: {@code sentence\tlabel}); no quoting.
 * Keys: {@code path} (folder), {@code train} (default train.tsv), {@code test} (default dev.tsv,
 * as GLUE test files carry no labels), {@code text_column} (sentence), {@code pair_column}
 * (none), {@code label_column} (label).
 */
public final class GlueTsvDatasetProvider extends TextDatasetProvider {
    @Override
    public String name() {
        return "glue-tsv";
    }

    @Override
    public String description() {
        return "GLUE-style TSV with a header (SST-2: sentence, label); test split defaults to dev.tsv";
    }

    @Override
    protected Set<String> formatKeys() {
        return Set.of("path", "train", "test", "text_column", "pair_column", "label_column");
    }

    @Override
    protected TextExamples read(Config dataset, String split) {
        return TextReaders.delimited(splitFile(dataset, split, split.equals("train") ? "train.tsv" : "dev.tsv"), '\t',
                false, getString(dataset, "text_column", "sentence"), getString(dataset, "pair_column", null),
                getString(dataset, "label_column", "label"));
    }
}
