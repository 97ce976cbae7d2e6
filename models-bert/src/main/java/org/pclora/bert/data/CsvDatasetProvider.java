package org.pclora.bert.data;

import com.typesafe.config.Config;
import java.util.Set;
import org.pclora.core.PcLoraException;

/**
 * CSV files (RFC 4180 quoting) with a header row. Keys: {@code path} (folder), {@code train}
 * (default train.csv), {@code test} (default test.csv), {@code text_column} (text),
 * {@code pair_column} (none), {@code label_column} (label), {@code delimiter} (one character, ",").
 */
public final class CsvDatasetProvider extends TextDatasetProvider {
    @Override
    public String name() {
        return "csv";
    }

    @Override
    public String description() {
        return "CSV with a header row and text/label columns (text_column, label_column, delimiter)";
    }

    @Override
    protected Set<String> formatKeys() {
        return Set.of("path", "train", "test", "text_column", "pair_column", "label_column", "delimiter");
    }

    @Override
    protected TextExamples read(Config dataset, String split) {
        String d = getString(dataset, "delimiter", ",");
        if (d.length() != 1 || d.equals("\"")) {
            throw new PcLoraException("dataset key 'delimiter' '" + d + "' is not accepted: one character other than"
                    + " '\"'");
        }
        return TextReaders.delimited(splitFile(dataset, split, split + ".csv"), d.charAt(0), true,
                getString(dataset, "text_column", "text"), getString(dataset, "pair_column", null),
                getString(dataset, "label_column", "label"));
    }
}
