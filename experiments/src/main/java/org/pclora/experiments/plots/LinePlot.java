package org.pclora.experiments.plots;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYItemRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A line chart of named (x, y) series written as a PNG with JFreeChart, headless, and atomically
 * ({@link ChartFiles#write}) so a reader never sees half a file.
 */
public final class LinePlot {
    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final Map<String, XYSeries> series = new LinkedHashMap<>();

    /** An empty plot with a title and axis labels. */
    public LinePlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Adds one curve; {@code x} and {@code y} have the same length. */
    public LinePlot add(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values but " + y.length + " y values");
        }
        XYSeries s = new XYSeries(name, false, true);
        for (int i = 0; i < x.length; i++) {
            s.add(x[i], y[i]);
        }
        series.put(name, s);
        return this;
    }

    /** Plain white background, light grid, 2-pixel lines; colours and then dash patterns keep series apart. */
    private static void style(JFreeChart chart) {
        ChartStyle.plain(chart);
        XYPlot plot = chart.getXYPlot();
        XYItemRenderer renderer = plot.getRenderer();
        for (int i = 0; i < plot.getDataset().getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, ChartStyle.colour(i));
            renderer.setSeriesStroke(i, ChartStyle.stroke(i, 2f));
        }
        if (plot.getDomainAxis() instanceof NumberAxis x) {
            x.setLowerMargin(0);
            x.setUpperMargin(0);
        }
    }

    /** Writes the chart as a {@code width} x {@code height} PNG to {@code target}, creating its directory. */
    public void writePng(Path target, int width, int height) {
        XYSeriesCollection data = new XYSeriesCollection();
        series.values().forEach(data::addSeries);
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        style(chart);
        ChartFiles.write(target, ChartFiles.png(chart, width, height));
    }
}
