package org.pclora.bert.data;

import java.util.Iterator;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.data.Batches;
import org.pclora.core.data.Dataset;
import org.pclora.core.model.Batch;

/**
 * A tokenized text-classification split held as unpadded int arrays; batches are padded to the
 * longest example of the batch (or to the fixed length with {@code padToMax}), with ids and
 * token types [B, L] int32, attention mask [B, L] float32 (1 real, 0 padding) and labels [B] int32.
 */
public final class TextDataset implements Dataset {
    private final int[][] ids;
    private final int[][] types;
    private final int[] labels;
    private final List<String> classNames;
    private final String source;
    private final int padId;
    private final int maxLength;
    private final boolean padToMax;
    private final com.typesafe.config.Config textEncoding;

    /**
     * @param ids     word-piece ids of each example with [CLS]/[SEP], unpadded
     * @param types   token types of each example, or null (all zero)
     * @param labels  class index of each example
     * @param textEncoding the tokenizer's description ({@link #textEncoding()}), or null
     */
    public TextDataset(int[][] ids, int[][] types, int[] labels, List<String> classNames, String source, int padId,
                       int maxLength, boolean padToMax, com.typesafe.config.Config textEncoding) {
        this.textEncoding = textEncoding;
        this.ids = ids;
        this.types = types;
        this.labels = labels;
        this.classNames = List.copyOf(classNames);
        this.source = source;
        this.padId = padId;
        this.maxLength = maxLength;
        this.padToMax = padToMax;
    }

    @Override
    public long size() {
        return ids.length;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public java.util.Optional<com.typesafe.config.Config> textEncoding() {
        return java.util.Optional.ofNullable(textEncoding);
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public boolean selectable() {
        return true;
    }

    @Override
    public Dataset select(int[] indices, String newSource) {
        int[][] i2 = new int[indices.length][];
        int[][] t2 = types == null ? null : new int[indices.length][];
        int[] l2 = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            i2[k] = ids[indices[k]];
            if (t2 != null) {
                t2[k] = types[indices[k]];
            }
            l2[k] = labels[indices[k]];
        }
        return new TextDataset(i2, t2, l2, classNames, newSource, padId, maxLength, padToMax, textEncoding);
    }

    /** Class index of example {@code i}. */
    @Override
    public int label(int i) {
        return labels[i];
    }

    /** Word-piece ids of example {@code i} (unpadded). */
    public int[] ids(int i) {
        return ids[i].clone();
    }

    @Override
    public Iterator<Batch> batches(int batchSize, boolean shuffle, long seed, boolean augment) {
        return Batches.iterate(ids.length, batchSize, shuffle, seed, this::batch);
    }

    private Batch batch(int[] order, int from, int b) {
        int len = 0;
        for (int k = 0; k < b; k++) {
            len = Math.max(len, ids[order[from + k]].length);
        }
        if (padToMax) {
            len = maxLength;
        }
        int[] outIds = new int[b * len];
        int[] outTypes = new int[b * len];
        float[] mask = new float[b * len];
        int[] outLabels = new int[b];
        java.util.Arrays.fill(outIds, padId);
        for (int k = 0; k < b; k++) {
            int e = order[from + k];
            int[] row = ids[e];
            System.arraycopy(row, 0, outIds, k * len, row.length);
            if (types != null) {
                System.arraycopy(types[e], 0, outTypes, k * len, row.length);
            }
            java.util.Arrays.fill(mask, k * len, k * len + row.length, 1f);
            outLabels[k] = labels[e];
        }
        return Batch.of(Nd4j.createFromArray(outIds).reshape(b, len), Nd4j.createFromArray(outLabels).castTo(DataType.INT))
                .with(org.pclora.bert.BertModel.ATTENTION_MASK, Nd4j.createFromArray(mask).reshape(b, len))
                .with(org.pclora.bert.BertModel.TOKEN_TYPES, Nd4j.createFromArray(outTypes).reshape(b, len));
    }
}
