package org.pclora.vit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;

class ImageFolderReaderTest {
    @TempDir
    Path dir;

    static void png(Path file, BufferedImage img) throws IOException {
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void readsRgbAndGreyPngsWithSortedClassFolders() throws IOException {
        BufferedImage rgb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(0, 0, 0x102030);
        rgb.setRGB(1, 0, 0xA0B0C0);
        png(dir.resolve("zebra/x.png"), rgb);
        BufferedImage grey = new BufferedImage(1, 2, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 77);
        grey.getRaster().setSample(0, 1, 0, 200);
        png(dir.resolve("apple/g.PNG"), grey);
        Files.writeString(dir.resolve("apple/notes.txt"), "ignored");
        RawImages r = ImageFolderReader.read(dir);
        assertEquals(List.of("apple", "zebra"), r.classNames());
        assertEquals(2, r.size());
        assertEquals(0, r.label(0));
        assertEquals(1, r.label(1));
        // Grey 1x2 replicated into three planes.
        assertArrayEquals(new byte[] {77, (byte) 200, 77, (byte) 200, 77, (byte) 200}, r.pixels(0));
        assertEquals(2, r.height(0));
        // RGB 2x1 in planar order: R R G G B B.
        assertArrayEquals(new byte[] {0x10, (byte) 0xA0, 0x20, (byte) 0xB0, 0x30, (byte) 0xC0}, r.pixels(1));
        assertEquals(List.of("apple", "zebra"), ImageFolderReader.classNames(dir));
    }

    @Test
    void rejectsMissingEmptyUndecodableAndMismatchedFolders() throws IOException {
        assertThrows(PcLoraException.class, () -> ImageFolderReader.read(dir.resolve("missing")));
        PcLoraException e = assertThrows(PcLoraException.class, () -> ImageFolderReader.read(dir));
        assertTrue(e.getMessage().contains("no class sub-folders"), e.getMessage());
        Files.createDirectories(dir.resolve("a"));
        e = assertThrows(PcLoraException.class, () -> ImageFolderReader.read(dir));
        assertTrue(e.getMessage().contains("holds no"), e.getMessage());
        Path broken = dir.resolve("a/broken.png");
        Files.write(broken, new byte[] {1, 2, 3, 4});
        e = assertThrows(PcLoraException.class, () -> ImageFolderReader.read(dir));
        assertTrue(e.getMessage().contains(broken.toString()), e.getMessage());
        Files.delete(broken);
        png(dir.resolve("a/ok.png"), new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB));
        e = assertThrows(PcLoraException.class, () -> ImageFolderReader.read(dir, List.of("a", "b")));
        assertTrue(e.getMessage().contains("[a, b]"), e.getMessage());
    }
}
