package org.pclora.experiments.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.pclora.core.data.Dataset;
import org.pclora.core.io.Safetensors;
import org.pclora.core.io.SafetensorsFile;
import org.pclora.core.io.StateDict;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.spi.DatasetProvider;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.spi.ModelFamily;
import org.pclora.core.testing.ArrayDataset;
import org.pclora.core.testing.TinyModel;

/** A model family and dataset of the core test kit, injected in place of ViT/BERT to test the runner. */
final class FakeFamily implements ModelFamily {
    @Override
    public String name() {
        return "tiny";
    }

    @Override
    public String description() {
        return "test family";
    }

    @Override
    public List<String> architectures() {
        return List.of("tiny");
    }

    @Override
    public Config resolve(Config model) {
        return ConfigFactory.parseString("in = 4, hidden = 16, num_classes = 2").withFallback(ConfigFactory.empty())
                .withValue("num_classes", model.hasPath("num_classes") ? model.getValue("num_classes")
                        : ConfigFactory.parseString("v = 2").getValue("v"));
    }

    @Override
    public ClassifierModel create(Config a, long seed) {
        return new TinyModel(a.getInt("in"), a.getInt("hidden"), a.getInt("num_classes"), seed, DataType.FLOAT);
    }

    @Override
    public ClassifierModel load(Path checkpoint, Config architecture, boolean strict) {
        SafetensorsFile f = Safetensors.read(checkpoint);
        Config a = architecture != null ? architecture
                : ConfigFactory.parseString(f.metadata().get(StateDict.ARCHITECTURE_KEY));
        ClassifierModel m = create(a, 0);
        StateDict.load(m, f.tensors(), strict);
        return m;
    }

    @Override
    public Set<FeatureKind> taps() {
        return Set.of(FeatureKind.BLOCK_OUTPUT, FeatureKind.ADAPTED_LAYER_OUTPUT, FeatureKind.LOGITS);
    }

    @Override
    public String defaultTargets() {
        return "block\\..*";
    }

    /** Separable 4-feature data: 256 train, 128 test examples. */
    static final class Data implements DatasetProvider {
        @Override
        public String name() {
            return "separable";
        }

        @Override
        public String description() {
            return "test data";
        }

        @Override
        public Dataset open(Config dataset, Config architecture, String split) {
            return split.equals("train") ? ArrayDataset.separable(256, 4, 1) : ArrayDataset.separable(128, 4, 2);
        }
    }
}
