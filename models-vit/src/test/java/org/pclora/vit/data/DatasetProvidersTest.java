package org.pclora.vit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;
import org.pclora.core.data.Dataset;
import org.pclora.core.model.Batch;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.core.spi.DatasetProvider;

class DatasetProvidersTest {
    private static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path dir;

    private static Config arch(int size, int channels) {
        return ConfigFactory.parseMap(Map.of("image_size", size, "channels", channels));
    }

    private static DatasetProvider provider(String name) {
        return PluginRegistry.load().dataset(name);
    }

    @Test
    void registersTheFourImageFormats() {
        List<String> names = PluginRegistry.load().names(PluginRegistry.Kind.DATASET);
        assertTrue(names.containsAll(List.of("idx", "fashion-mnist", "cifar", "image-folder")), names.toString());
    }

    @Test
    void embeddedFashionMnistIsClassBalanced() {
        DatasetProvider p = provider("fashion-mnist");
        // The runner's conf/dataset/fashion-mnist.conf form: provider named, empty path.
        Dataset train = p.open(ConfigFactory.parseMap(Map.of("provider", "fashion-mnist", "path", "")), arch(28, 1),
                "train");
        Dataset test = p.open(ConfigFactory.empty(), arch(28, 1), "test");
        assertEquals(10_000, train.size());
        assertEquals(2_000, test.size());
        assertEquals(FashionMnistDatasetProvider.CLASSES, train.classNames());
        assertTrue(train.source().startsWith("embedded:"), train.source());
        int[] counts = new int[10];
        RawImages raw = ((ImageDataset) train).raw();
        for (int i = 0; i < raw.size(); i++) {
            counts[raw.label(i)]++;
        }
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, counts);
        counts = new int[10];
        raw = ((ImageDataset) test).raw();
        for (int i = 0; i < raw.size(); i++) {
            counts[raw.label(i)]++;
        }
        assertArrayEquals(new int[] {200, 200, 200, 200, 200, 200, 200, 200, 200, 200}, counts);
    }

    @Test
    void embeddedSubsetIsTheFirstImagesPerClassOfTheFullSet() {
        assumeTrue(Files.isDirectory(DEBIAN), "Debian dataset-fashion-mnist not installed");
        RawImages full = IdxReader.read(DEBIAN.resolve("t10k-images-idx3-ubyte.gz"),
                DEBIAN.resolve("t10k-labels-idx1-ubyte.gz"), FashionMnistDatasetProvider.CLASSES);
        RawImages sub = ((ImageDataset) provider("fashion-mnist").open(ConfigFactory.empty(), arch(28, 1), "test")).raw();
        // The subset keeps file order, so its first image is the full set's first one and its
        // last image of class 0 is the 200th class-0 image of the full set.
        assertArrayEquals(full.pixels(0), sub.pixels(0));
        int seen = 0;
        int lastFull = -1;
        for (int i = 0; i < full.size() && seen < 200; i++) {
            if (full.label(i) == 0) {
                seen++;
                lastFull = i;
            }
        }
        int lastSub = -1;
        for (int i = 0; i < sub.size(); i++) {
            if (sub.label(i) == 0) {
                lastSub = i;
            }
        }
        assertArrayEquals(full.pixels(lastFull), sub.pixels(lastSub));
    }

    @Test
    void fullFashionMnistThroughPath() {
        assumeTrue(Files.isDirectory(DEBIAN), "Debian dataset-fashion-mnist not installed");
        Dataset test = provider("fashion-mnist").open(ConfigFactory.parseMap(Map.of("path", DEBIAN.toString())),
                arch(28, 1), "test");
        assertEquals(10_000, test.size());
    }

    @Test
    void batchesHaveTheModelsShapeAndNormalisation() {
        Config cfg = ConfigFactory.parseMap(Map.of("limit", 5, "mean", 0.25, "std", 0.5));
        Dataset train = provider("fashion-mnist").open(cfg, arch(14, 3), "train");
        assertEquals(5, train.size());
        Batch b = train.batches(8, false, 0, false).next();
        assertArrayEquals(new long[] {5, 3, 14, 14}, b.inputs().shape());
        RawImages raw = ((ImageDataset) train).raw();
        // Output pixel (0,0) of a 28 -> 14 resize samples source (0.5, 0.5): the mean of the
        // four top-left pixels.
        byte[] px = raw.pixels(2);
        double v = ((px[0] & 0xff) + (px[1] & 0xff) + (px[28] & 0xff) + (px[29] & 0xff)) / 4.0 / 255.0;
        double expected = (v - 0.25) / 0.5;
        for (int c = 0; c < 3; c++) {
            assertEquals(expected, b.inputs().getDouble(2, c, 0, 0), 1e-6);
        }
        assertEquals(raw.label(2), b.labels().getInt(2));
    }

    @Test
    void limitsKeepASeededStratifiedSubsetPerSplit() {
        Config cfg = ConfigFactory.parseMap(Map.of("limit", 30, "test_limit", 7));
        DatasetProvider p = provider("fashion-mnist");
        ImageDataset train = (ImageDataset) p.open(cfg, arch(28, 1), "train");
        ImageDataset test = (ImageDataset) p.open(cfg, arch(28, 1), "test");
        assertEquals(30, train.size());
        assertEquals(7, test.size());
        RawImages all = ((ImageDataset) p.open(ConfigFactory.empty(), arch(28, 1), "train")).raw();
        // 1,000 images of each of 10 classes: 3 of each, the images HoldOut.subsetIndices picks, in file order
        int[] labels = new int[all.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = all.label(i);
        }
        int[] keep = org.pclora.core.data.HoldOut.subsetIndices(labels, 10, 30, 0);
        int[] counts = new int[10];
        for (int k = 0; k < 30; k++) {
            assertArrayEquals(all.pixels(keep[k]), train.raw().pixels(k));
            counts[train.raw().label(k)]++;
        }
        assertArrayEquals(new int[] {3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, counts);
        assertTrue(keep[29] > 29, "not the first 30: " + keep[29]);
        assertTrue(train.source().contains("subset 30 of 10000, seed 0"), train.source());
        ImageDataset other = (ImageDataset) p.open(cfg.withFallback(ConfigFactory.parseMap(Map.of("subset_seed", 1))),
                arch(28, 1), "train");
        int same = 0;
        for (int k = 0; k < 30; k++) {
            same += java.util.Arrays.equals(other.raw().pixels(k), train.raw().pixels(k)) ? 1 : 0;
        }
        assertTrue(same < 30, "subset_seed 1 draws another subset");
        assertThrows(PcLoraException.class, () -> p.open(ConfigFactory.parseMap(Map.of("limit", -1)), arch(28, 1),
                "train"));
    }

    @Test
    void imageFolderTakesItsOwnValFolderAsTheValidationSplit() throws IOException {
        Path root = dir.resolve("tree");
        for (String f : List.of("train/cat/a.png", "train/cat/b.png", "train/dog/c.png", "val/dog/d.png",
                "val/cat/e.png", "val/cat/f.png", "test/cat/g.png", "test/dog/h.png")) {
            ImageFolderReaderTest.png(root.resolve(f), new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB));
        }
        DatasetProvider p = provider("image-folder");
        Config fc = ConfigFactory.parseMap(Map.of("path", root.toString()));
        assertTrue(p.hasValidation(fc));
        ImageDataset val = (ImageDataset) p.open(fc, arch(4, 3), "validation");
        assertEquals(3, val.size());
        assertEquals(List.of("cat", "dog"), val.classNames());
        int[] counts = new int[2];
        for (int i = 0; i < 3; i++) {
            counts[val.label(i)]++;
        }
        assertArrayEquals(new int[] {2, 1}, counts, "val/'s own images: two cats, one dog");
        assertEquals(2, ((ImageDataset) p.open(fc.withFallback(ConfigFactory.parseMap(Map.of("val_limit", 2))),
                arch(4, 3), "validation")).size());
        // never the test split; without the folder no validation split (the runner holds a share out)
        PcLoraException t = assertThrows(PcLoraException.class, () -> p.open(fc.withFallback(
                ConfigFactory.parseMap(Map.of("val", "test"))), arch(4, 3), "validation"));
        assertTrue(t.getMessage().contains("test split"), t.getMessage());
        Config none = fc.withFallback(ConfigFactory.parseMap(Map.of("val", "dev")));
        assertTrue(!p.hasValidation(none));
        PcLoraException e = assertThrows(PcLoraException.class, () -> p.open(none, arch(4, 3), "validation"));
        assertTrue(e.getMessage().contains("train or test"), e.getMessage());
    }

    @Test
    void rejectsUnknownKeysNamingTheValidOnes() {
        PcLoraException e = assertThrows(PcLoraException.class, () -> provider("fashion-mnist")
                .open(ConfigFactory.parseMap(Map.of("pth", "/x")), arch(28, 1), "train"));
        assertTrue(e.getMessage().contains("'pth'") && e.getMessage().contains("path"), e.getMessage());
        assertThrows(PcLoraException.class, () -> provider("fashion-mnist").open(ConfigFactory.empty(),
                arch(28, 1), "validation"));
        assertThrows(PcLoraException.class, () -> provider("idx").open(ConfigFactory.empty(), arch(28, 1), "train"));
        assertThrows(PcLoraException.class, () -> provider("fashion-mnist").open(ConfigFactory.empty(),
                ConfigFactory.empty(), "train"));
    }

    @Test
    void idxFromAFolderWithRawFilesAndNumberedClasses() throws IOException {
        byte[] px = new byte[2 * 4];
        px[5] = (byte) 255;
        Files.write(dir.resolve("train-images-idx3-ubyte"), IdxReaderTest.images(0x803, 2, 2, 2, px));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), IdxReaderTest.labels(0x801, 2, new byte[] {2, 0}));
        Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), IdxReaderTest.gzip(IdxReaderTest.images(0x803, 1, 2, 2,
                new byte[4])));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), IdxReaderTest.gzip(IdxReaderTest.labels(0x801, 1,
                new byte[] {1})));
        Config cfg = ConfigFactory.parseMap(Map.of("path", dir.toString(), "mean", 0, "std", 1));
        Dataset train = provider("idx").open(cfg, arch(2, 1), "train");
        Dataset test = provider("idx").open(cfg, arch(2, 1), "test");
        assertEquals(List.of("0", "1", "2"), train.classNames());
        assertEquals(train.classNames(), test.classNames(), "classes come from the training labels");
        Batch b = train.batches(2, false, 0, false).next();
        assertEquals(1.0, b.inputs().getDouble(1, 0, 0, 1), 1e-6);
        assertEquals(2, b.labels().getInt(0));
    }

    @Test
    void cifarAndImageFolderThroughTheirProviders() throws IOException {
        Files.write(dir.resolve("data_batch_1.bin"), CifarReaderTest.record(0, 4));
        Files.write(dir.resolve("test_batch.bin"), CifarReaderTest.record(1, 6));
        Config cfg = ConfigFactory.parseMap(Map.of("path", dir.toString(), "train_files", List.of("data_batch_1.bin")));
        Dataset train = provider("cifar").open(cfg, arch(32, 3), "train");
        assertEquals(1, train.size());
        assertEquals(CifarDatasetProvider.CIFAR10_CLASSES, train.classNames());
        assertEquals(6, provider("cifar").open(cfg, arch(32, 3), "test").batches(1, false, 0, false).next()
                .labels().getInt(0));
        PcLoraException e = assertThrows(PcLoraException.class, () -> provider("cifar").open(cfg.withFallback(
                ConfigFactory.parseMap(Map.of("variant", "cifar-1000"))), arch(32, 3), "train"));
        assertTrue(e.getMessage().contains("cifar-100-coarse"), e.getMessage());

        Path root = dir.resolve("folder");
        ImageFolderReaderTest.png(root.resolve("train/cat/a.png"), new BufferedImage(3, 5, BufferedImage.TYPE_INT_RGB));
        Files.createDirectories(root.resolve("train/dog"));
        javax.imageio.ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "jpg",
                root.resolve("train/dog/b.jpg").toFile());
        ImageFolderReaderTest.png(root.resolve("test/cat/c.png"), new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB));
        Files.createDirectories(root.resolve("test/dog"));
        Config fc = ConfigFactory.parseMap(Map.of("path", root.toString()));
        Dataset ft = provider("image-folder").open(fc, arch(8, 3), "train");
        assertEquals(List.of("cat", "dog"), ft.classNames());
        assertArrayEquals(new long[] {2, 3, 8, 8}, ft.batches(4, false, 0, false).next().inputs().shape());
        Dataset fe = provider("image-folder").open(fc, arch(8, 3), "test");
        assertEquals(1, fe.size());
        assertEquals(List.of("cat", "dog"), fe.classNames());
    }

    /** A path that names a file (or nothing) is reported as such, with what each provider expects there. */
    @Test
    void aFileAsPathIsNamedAsAFileByEveryFolderProvider() throws IOException {
        Path file = Files.writeString(dir.resolve("passwd"), "root:x:0:0\n");
        Map<String, String> expects = Map.of("fashion-mnist", "train-images-idx3-ubyte.gz", "idx", "t10k-labels-idx1-ubyte.gz",
                "cifar", "data_batch_1.bin", "image-folder", "one folder per split");
        expects.forEach((name, want) -> {
            for (String split : List.of("train", "test")) {
                PcLoraException e = assertThrows(PcLoraException.class, () -> provider(name).open(
                        ConfigFactory.parseMap(Map.of("path", file.toString())), arch(28, 1), split));
                assertTrue(e.getMessage().startsWith("dataset " + name + ": path = " + file + " is a file, not a folder;"),
                        e.getMessage());
                assertTrue(e.getMessage().contains(want), e.getMessage());
            }
            PcLoraException missing = assertThrows(PcLoraException.class, () -> provider(name).open(
                    ConfigFactory.parseMap(Map.of("path", dir.resolve("nowhere").toString())), arch(28, 1), "train"));
            assertTrue(missing.getMessage().contains("nowhere does not exist; it must be a folder holding"), missing.getMessage());
        });
    }
}
