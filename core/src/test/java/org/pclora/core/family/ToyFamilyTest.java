package org.pclora.core.family;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.model.Batch;
import org.pclora.core.testing.FamilyChecks;
import org.pclora.core.testing.ToyFamily;

/** A third family declared in under 100 lines passes the checks ViT and BERT pass. */
class ToyFamilyTest {
    private final ToyFamily family = new ToyFamily();

    @TempDir
    Path dir;

    @Test
    void backwardMatchesFiniteDifferencesForEveryParameterAndTap() {
        // One block keeps the check quick; key gradients are small (softmax ignores a shift of the
        // scores), so float64 rounding alone gives relative errors near 1e-5 there: 1e-4 still
        // separates a right backward from a wrong one (errors of order 1).
        Config a = family.resolve(ConfigFactory.parseMap(Map.of("arch", "toy-2", "depth", 1)));
        ToyFamily.ToyModel m = new ToyFamily.ToyModel(a, 1, DataType.DOUBLE);
        FamilyChecks.randomise(m, 100);
        Batch b = Batch.of(Nd4j.createFromArray(new int[][] {{1, 5, 2}, {6, 0, 3}}), null);
        assertEquals(java.util.List.of(), FamilyChecks.gradientFailures(m, b, 1e-4, n -> true));
    }

    @Test
    void compressedExportLoadsBackAndWrongSizesAreRefused() {
        Config a = family.resolve(ConfigFactory.parseMap(Map.of("arch", "toy-2")));
        Config deeper = family.resolve(ConfigFactory.parseMap(Map.of("arch", "toy-2", "depth", 3)));
        FamilyChecks.stateDictRoundTrip(family, a, deeper, dir);
    }

    @Test
    void resolveValidatesKeysAndNames() {
        assertEquals(4, family.resolve(ConfigFactory.parseMap(Map.of("arch", "toy-2"))).getInt("width"));
        PcLoraException e = assertThrows(PcLoraException.class,
                () -> family.resolve(ConfigFactory.parseMap(Map.of("arch", "toy-2", "hidden", 3))));
        assertTrue(e.getMessage().contains("'hidden'") && e.getMessage().contains("width"), e.getMessage());
        e = assertThrows(PcLoraException.class, () -> family.resolve(ConfigFactory.parseMap(Map.of("arch", "toy-9"))));
        assertTrue(e.getMessage().contains("toy-2"), e.getMessage());
    }

    @Test
    void aFreshHeadFollowsTheHeadSeedAndLoadedWeightsDoNot() {
        Config two = family.resolve(ConfigFactory.parseMap(Map.of("arch", "toy-2", "num_classes", 2)));
        Config three = family.resolve(ConfigFactory.parseMap(Map.of("arch", "toy-2", "num_classes", 3)));
        Path f = dir.resolve("two.safetensors");
        org.pclora.core.io.StateDict.save(f, family.create(two, 5), null);
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> a = org.pclora.core.io.StateDict.export(family.load(f, three, false, 1));
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> a2 = org.pclora.core.io.StateDict.export(family.load(f, three, false, 1));
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> b = org.pclora.core.io.StateDict.export(family.load(f, three, false, 2));
        int fresh = 0;
        for (String k : a.keySet()) {
            assertEquals(a.get(k), a2.get(k), k + ": the same head seed gives the same model");
            boolean loaded = org.pclora.core.io.StateDict.export(family.create(two, 5)).containsKey(k)
                    && java.util.Arrays.equals(a.get(k).shape(), org.pclora.core.io.StateDict.export(family.create(two, 5)).get(k).shape());
            if (loaded) {
                assertEquals(a.get(k), b.get(k), k + " comes from the checkpoint, whatever the seed");
            } else if (a.get(k).length() > 0 && a.get(k).amaxNumber().doubleValue() > 0) {
                assertTrue(!a.get(k).equals(b.get(k)), k + " is initialised fresh: another head seed, another head");
                fresh++;
            }
        }
        assertTrue(fresh >= 1, "the 3-class head is fresh");
    }
}
