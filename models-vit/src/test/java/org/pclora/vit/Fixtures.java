package org.pclora.vit;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Access to the torch fixture made by {@code src/test/python/make_vit_fixture.py}. */
final class Fixtures {
    private Fixtures() {
    }

    /** A file of the tiny-ViT fixture folder. */
    static Path tiny(String file) {
        URL url = Fixtures.class.getResource("/fixtures/vit_tiny/" + file);
        if (url == null) {
            throw new IllegalStateException("fixture " + file + " missing; run make_vit_fixture.py");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A float32 .npy array of the fixture. */
    static INDArray npy(String file) {
        return Nd4j.createFromNpyFile(tiny(file).toFile());
    }

    /** Largest absolute difference. */
    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).sub(b.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE))
                .amaxNumber().doubleValue();
    }
}
