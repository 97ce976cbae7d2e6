package org.pclora.vit.data;

import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.data.Batches;
import org.pclora.core.data.Dataset;
import org.pclora.core.model.Batch;

/**
 * A split of labelled images held as raw bytes and preprocessed batch by batch: each batch is
 * float32 inputs [B, C, S, S] and int32 labels [B]. Only one batch of floats exists at a time.
 */
public final class ImageDataset implements Dataset {
    /** Mixed into the seed for augmentation draws so that they differ from the shuffling draws. */
    private static final long AUGMENT_SALT = 0x5DEECE66DL;

    private final RawImages raw;
    private final ImagePreprocessor preprocessor;
    private final boolean augmentable;
    private final String source;

    /**
     * @param raw          the decoded split
     * @param preprocessor resize, channel and normalisation settings for the model
     * @param augmentable  whether {@code batches(..., augment=true)} applies crop and flip (the
     *                     dataset's {@code augment} setting)
     * @param source       provenance string (path or {@code embedded:...})
     */
    public ImageDataset(RawImages raw, ImagePreprocessor preprocessor, boolean augmentable, String source) {
        this.raw = raw;
        this.preprocessor = preprocessor;
        this.augmentable = augmentable;
        this.source = source;
    }

    @Override
    public long size() {
        return raw.size();
    }

    @Override
    public List<String> classNames() {
        return raw.classNames();
    }

    @Override
    public String source() {
        return source;
    }

    /** The raw images behind this split. */
    public RawImages raw() {
        return raw;
    }

    @Override
    public boolean selectable() {
        return true;
    }

    @Override
    public Dataset select(int[] indices, String newSource) {
        return new ImageDataset(raw.select(indices), preprocessor, augmentable, newSource);
    }

    /** Label of example {@code i} (in file order). */
    @Override
    public int label(int i) {
        return raw.label(i);
    }

    @Override
    public Iterator<Batch> batches(int batchSize, boolean shuffle, long seed, boolean augment) {
        SplittableRandom augmentRng = augment && augmentable ? new SplittableRandom(seed ^ AUGMENT_SALT) : null;
        return Batches.iterate(raw.size(), batchSize, shuffle, seed, (order, from, b) -> {
            int len = preprocessor.imageLength();
            float[] x = new float[b * len];
            int[] y = new int[b];
            for (int k = 0; k < b; k++) {
                int i = order[from + k];
                preprocessor.process(raw, i, augmentRng, x, k * len);
                y[k] = raw.label(i);
            }
            int s = preprocessor.size();
            INDArray inputs = Nd4j.create(x, new long[] {b, preprocessor.channels(), s, s}, 'c');
            INDArray labels = Nd4j.createFromArray(y).castTo(DataType.INT32);
            return Batch.images(inputs, labels);
        });
    }
}
