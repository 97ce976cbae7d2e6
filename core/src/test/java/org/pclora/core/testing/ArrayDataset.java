package org.pclora.core.testing;

import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.data.Batches;
import org.pclora.core.data.Dataset;
import org.pclora.core.model.Batch;

/** An in-memory dataset of feature rows [N, F] and int labels, for trainer tests. */
public final class ArrayDataset implements Dataset {
    private final INDArray x;
    private final int[] labels;
    private final List<String> classes;

    public ArrayDataset(INDArray x, int[] labels, int numClasses) {
        this.x = x;
        this.labels = labels;
        this.classes = IntStream.range(0, numClasses).mapToObj(i -> "c" + i).toList();
    }

    /**
     * Two Gaussian-free, linearly separable classes: label = 1 when the feature sum is positive.
     * Features are uniform in [-1, 1), seeded.
     */
    public static ArrayDataset separable(int n, int features, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] v = new float[n][features];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < features; j++) {
                v[i][j] = (float) (r.nextDouble() * 2 - 1);
                s += v[i][j];
            }
            y[i] = s > 0 ? 1 : 0;
        }
        return new ArrayDataset(Nd4j.create(v), y, 2);
    }

    @Override
    public long size() {
        return labels.length;
    }

    @Override
    public List<String> classNames() {
        return classes;
    }

    @Override
    public Iterator<Batch> batches(int batchSize, boolean shuffle, long seed, boolean augment) {
        return Batches.iterate(labels.length, batchSize, shuffle, seed, (order, from, count) -> {
            int[] idx = java.util.Arrays.copyOfRange(order, from, from + count);
            int[] lab = new int[count];
            for (int i = 0; i < count; i++) {
                lab[i] = labels[idx[i]];
            }
            return Batch.images(x.getRows(idx).castTo(x.dataType()), Nd4j.createFromArray(lab).castTo(DataType.INT));
        });
    }

    @Override
    public String source() {
        return "memory";
    }

    @Override
    public boolean selectable() {
        return true;
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    @Override
    public Dataset select(int[] indices, String source) {
        int[] l = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            l[i] = labels[indices[i]];
        }
        return new ArrayDataset(x.getRows(indices).dup(), l, classes.size());
    }

    /** The same examples with every label flipped (class c to 1 - c): a validation set that disagrees. */
    public ArrayDataset flipped() {
        int[] l = new int[labels.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = 1 - labels[i];
        }
        return new ArrayDataset(x, l, classes.size());
    }
}
