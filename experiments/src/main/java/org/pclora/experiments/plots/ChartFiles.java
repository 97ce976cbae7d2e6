package org.pclora.experiments.plots;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.AtomicFiles;

/** Renders charts to PNG bytes (headless) and writes them atomically. */
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

    /** Writes PNG bytes to {@code target} (a temporary sibling, then a rename), creating its directory. */
    public static void write(Path target, byte[] png) {
        try {
            java.nio.file.Files.createDirectories(target.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new PcLoraException("cannot write plot '" + target + "': " + e.getMessage()
                    + "; give a path in a writable directory");
        }
        AtomicFiles.write(target, out -> out.write(png));
    }
}
