package org.pclora.experiments.plots;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.pclora.core.PcLoraException;

/**
 * Renders charts to PNG bytes and SVG documents (headless) and writes them atomically.
 */
public final class ChartFiles {
    private ChartFiles() {
    }

    /** The chart as a {@code width} x {@code height} PNG. */
    public static byte[] png(JFreeChart chart, int width, int height) {
        // No display is needed or wanted: JFreeChart draws with Java2D into an off-screen image.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChartUtils.writeChartAsPNG(out, chart, width, height);
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding into memory failed", e);
        }
        return out.toByteArray();
    }

    /**
     * The chart as a {@code width} x {@code height} SVG document (vector: text stays text, lines
     * stay lines, for papers), drawn by JFreeChart into JFreeSVG's {@code SVGGraphics2D}.
     */
    public static byte[] svg(JFreeChart chart, int width, int height) {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        org.jfree.svg.SVGGraphics2D g2 = new org.jfree.svg.SVGGraphics2D(width, height);
        chart.draw(g2, new java.awt.Rectangle(width, height));
        return g2.getSVGDocument().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Writes PNG bytes to {@code target} (a temporary sibling, then a rename, so a reader never sees
     * half a file), creating its directory. The temporary file is created like any other file, so
     * the PNG gets the mode the umask gives (createTempFile's owner-only mode would stick to it).
     */
    public static void write(Path target, byte[] png) {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path temp = null;
        try {
            Files.createDirectories(dir);
            temp = dir.resolve("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
            Files.write(temp, png, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
        } catch (IOException e) {
            throw new PcLoraException("cannot write plot '" + target + "': " + e.getMessage()
                    + "; give a path in a writable directory", e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the original error is the one worth reporting
                }
            }
        }
    }
}
