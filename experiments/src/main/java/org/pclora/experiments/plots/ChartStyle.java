package org.pclora.experiments.plots;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;

/**
 * The look every chart of the project shares: Okabe-Ito colours, and beyond eight series a dash
 * pattern and marker shape of their own, so that series 1 and 9 never look alike.
 */
public final class ChartStyle {
    /** Okabe-Ito colours, distinguishable with common colour-vision deficiencies. */
    private static final Color[] PALETTE = {
        new Color(0, 114, 178), new Color(213, 94, 0), new Color(0, 158, 115), new Color(204, 121, 167),
        new Color(230, 159, 0), new Color(86, 180, 233), new Color(0, 0, 0), new Color(240, 228, 66)};
    /** Solid, dashed, dotted, dash-dot: with 8 colours, 32 series that all differ. */
    private static final float[][] DASHES = {null, {9f, 5f}, {2f, 4f}, {10f, 4f, 2f, 4f}};

    private ChartStyle() {
    }

    /**
     * The teacher's accuracy as a dashed horizontal line, its label above the line at the right end, inside
     * the plot. A range marker does not widen the axis: the caller keeps {@code value} in range.
     */
    public static ValueMarker teacherLine(double value, String label) {
        ValueMarker m = new ValueMarker(value, Color.DARK_GRAY,
                new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {8f, 5f}, 0f));
        m.setLabel(label);
        m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        m.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
        return m;
    }

    /** Number of series that are told apart by colour alone. */
    public static int colours() {
        return PALETTE.length;
    }

    /** The colour of series {@code i}. */
    public static Color colour(int i) {
        return PALETTE[Math.floorMod(i, PALETTE.length)];
    }

    /** The line of series {@code i}: solid for the first eight, then a new dash pattern per eight. */
    public static Stroke stroke(int i, float width) {
        float[] dash = DASHES[Math.floorMod(i / PALETTE.length, DASHES.length)];
        return dash == null ? new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND)
                : new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, dash, 0f);
    }

    /** The marker of series {@code i}: circle, square, triangle, diamond, changing every eight series. */
    public static Shape marker(int i, double size) {
        double h = size / 2;
        return switch (Math.floorMod(i / PALETTE.length, 4)) {
            case 0 -> new Ellipse2D.Double(-h, -h, size, size);
            case 1 -> new Rectangle2D.Double(-h, -h, size, size);
            case 2 -> polygon(new double[] {0, h, -h}, new double[] {-h, h, h});
            default -> polygon(new double[] {0, h, 0, -h}, new double[] {-h, 0, h, 0});
        };
    }

    private static Shape polygon(double[] x, double[] y) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(x[0], y[0]);
        for (int k = 1; k < x.length; k++) {
            p.lineTo(x[k], y[k]);
        }
        p.closePath();
        return p;
    }

    /** White background, light grid, readable fonts; the x axis need not include zero. */
    public static void plain(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        if (chart.getTitle() != null) {
            chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        }
        if (chart.getPlot() instanceof XYPlot plot) {
            plain(plot);
        }
    }

    /** The plot part of {@link #plain(JFreeChart)}, for sub-plots of a combined chart. */
    public static void plain(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setOutlineVisible(false);
        ValueAxis x = plot.getDomainAxis();
        if (x instanceof NumberAxis n) {
            n.setAutoRangeIncludesZero(false);
        }
    }
}
