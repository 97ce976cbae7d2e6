package org.pclora.core.nn;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;

/**
 * A lookup table [vocab, width] (word, position or token-type embeddings). Forward gathers the
 * rows of the given ids; backward adds the incoming row gradients into the table's gradient,
 * summing repeated ids.
 */
public final class Embedding {
    private final String name;
    private final Parameter weight;
    private int[] lastIds;

    /**
     * @param name  parameter prefix; the table is {@code name + ".weight"}
     * @param table [vocab, width], becomes a trainable parameter without weight decay
     */
    public Embedding(String name, INDArray table) {
        if (table.rank() != 2) {
            throw new IllegalArgumentException(name + ": embedding table must be [vocab, width], got "
                    + Arrays.toString(table.shape()));
        }
        this.name = name;
        // HF AdamW recipes exclude only biases and LayerNorm from decay; embeddings decay.
        this.weight = Parameter.trainable(name + ".weight", table, true);
    }

    /** A table with entries ~ N(0, std^2) drawn from {@code rng}. */
    public static Embedding random(String name, int vocab, int width, double std, DataType dtype,
                                   SplittableRandom rng) {
        return new Embedding(name, Init.normal(rng, std, dtype, vocab, width));
    }

    /** Parameter prefix. */
    public String name() {
        return name;
    }

    /** The table parameter {@code name.weight}. */
    public Parameter weight() {
        return weight;
    }

    /** Number of rows. */
    public int vocab() {
        return (int) weight.value().size(0);
    }

    /** Row width. */
    public int width() {
        return (int) weight.value().size(1);
    }

    /**
     * Gathers rows: ids of any shape (integer values) give [ids.length, width], one row per id in
     * c-order. An id outside [0, vocab) is a data error.
     */
    public INDArray forward(INDArray ids) {
        int[] idx = ids.reshape(ids.length()).toIntVector();
        int vocab = vocab();
        for (int id : idx) {
            if (id < 0 || id >= vocab) {
                throw new PcLoraException("embedding " + name + ": token id " + id
                        + " is out of range; accepted ids are 0.." + (vocab - 1));
            }
        }
        lastIds = idx;
        return Nd4j.pullRows(weight.value(), 1, idx, 'c');
    }

    /**
     * Adds {@code dy} [ids.length, width] of the last forward into the table gradient. Rows of
     * repeated ids are summed on the JVM first so that the native scatter sees unique indices
     * (deterministic, no write races).
     */
    public void backward(INDArray dy) {
        if (lastIds == null) {
            throw new IllegalStateException(name + ": backward without a forward");
        }
        int[] ids = lastIds;
        lastIds = null;
        if (!weight.isTrainable()) {
            return;
        }
        int width = width();
        double[] rows = dy.dup('c').data().asDouble();
        int[] slotOf = new int[vocab()];
        Arrays.fill(slotOf, -1);
        int[] unique = new int[ids.length];
        int count = 0;
        for (int id : ids) {
            if (slotOf[id] < 0) {
                slotOf[id] = count;
                unique[count++] = id;
            }
        }
        double[] summed = new double[count * width];
        for (int i = 0; i < ids.length; i++) {
            int base = slotOf[ids[i]] * width;
            int src = i * width;
            for (int j = 0; j < width; j++) {
                summed[base + j] += rows[src + j];
            }
        }
        INDArray grad = weight.grad();
        INDArray updates = Nd4j.create(summed, new long[] {count, width}, DataType.DOUBLE).castTo(grad.dataType());
        INDArray indices = Nd4j.createFromArray(Arrays.copyOf(unique, count));
        Nd4j.exec(DynamicCustomOp.builder("scatter_add")
                .addInputs(grad, indices, updates)
                .addOutputs(grad)
                .build());
    }

    /** The table parameter as a list, for optimizers and state dicts. */
    public List<Parameter> parameters() {
        return List.of(weight);
    }
}
