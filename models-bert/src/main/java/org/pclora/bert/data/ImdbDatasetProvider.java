package org.pclora.bert.data;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.pclora.core.PcLoraException;

/**
 * The IMDb movie-review set in its original layout: key {@code path} is the {@code aclImdb} folder
 * holding {@code {train,test}/{neg,pos}/*.txt}; classes {@code neg}, {@code pos}.
 */
public final class ImdbDatasetProvider extends TextDatasetProvider {
    @Override
    public String name() {
        return "imdb";
    }

    @Override
    public String description() {
        return "IMDb reviews, aclImdb/{train,test}/{neg,pos}/*.txt (path=<aclImdb folder>)";
    }

    @Override
    protected Set<String> formatKeys() {
        return Set.of("path");
    }

    @Override
    protected List<String> formatClasses(Config dataset) {
        return List.of("neg", "pos");
    }

    @Override
    protected TextExamples read(Config dataset, String split) {
        if (!dataset.hasPath("path")) {
            throw new PcLoraException("dataset imdb needs 'path': the aclImdb folder holding train/ and test/");
        }
        return TextReaders.imdb(org.pclora.core.data.DatasetPaths.folder(name(), "path", getString(dataset, "path", null),
                "the aclImdb layout train/{neg,pos}/*.txt and test/{neg,pos}/*.txt"), split);
    }
}
