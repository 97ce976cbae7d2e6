package org.pclora.core.model;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;

/**
 * What a model reads: its named inputs, primary first, so that commands (infer, bench) check
 * and synthesise inputs without knowing the model family.
 *
 * @param inputs the inputs; the first is the primary one (a batch's {@link Batch#inputs()})
 */
public record InputSpec(List<Input> inputs) {
    /** Value kind of an input. */
    public enum Kind {
        /** float32 values (images, token vectors). */
        FLOAT,
        /** integer ids (int32 or int64) in [0, bound). */
        IDS
    }

    /**
     * One input.
     *
     * @param name      the HF name ({@code pixel_values}, {@code input_ids}, {@code attention_mask} ...)
     * @param kind      float values or integer ids
     * @param shape     the full shape with -1 for the batch; for the primary input of a sequence
     *                  model, dimension 1 is the usual length (see {@code maxLength})
     * @param maxLength when positive, dimension 1 may be any length from 1 to this (sequences)
     * @param bound     ids must lie in [0, bound) (IDS only)
     * @param required  whether every batch must carry it (optional inputs take the primary's shape)
     * @param meaning   a few words for help texts and errors
     */
    public record Input(String name, Kind kind, long[] shape, long maxLength, long bound, boolean required,
                        String meaning) {
        /** A float input of a fixed shape. */
        public static Input floats(String name, String meaning, long... shape) {
            return new Input(name, Kind.FLOAT, shape, 0, 0, true, meaning);
        }

        /** Required token ids [B, L] with L in [1, maxLength] (usual length {@code length}). */
        public static Input ids(String name, String meaning, long length, long maxLength, long bound) {
            return new Input(name, Kind.IDS, new long[] {-1, length}, maxLength, bound, true, meaning);
        }

        /** Optional ids shaped like the primary input. */
        public static Input optionalIds(String name, String meaning, long bound) {
            return new Input(name, Kind.IDS, null, 0, bound, false, meaning);
        }

        private String expected(long[] like) {
            String type = kind == Kind.FLOAT ? "float32 " : "int32 or int64 ";
            if (like != null) {
                return type + Arrays.toString(like);
            }
            StringBuilder s = new StringBuilder(type).append("[B");
            for (int i = 1; i < shape.length; i++) {
                s.append(", ").append(i == 1 && maxLength > 0 ? "L <= " + maxLength : Long.toString(shape[i]));
            }
            return s.append("] (").append(meaning).append(")").toString();
        }
    }

    /** The primary input. */
    public Input primary() {
        return inputs.get(0);
    }

    /** The input of that name, or null. */
    public Input input(String name) {
        return inputs.stream().filter(i -> i.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * Checks one input read from {@code source} against this spec; {@code primary} is the batch's
     * primary input (null when {@code x} is the primary). Returns {@code x} as the model reads it
     * (ids as int32); a wrong type, shape or id raises one {@link PcLoraException} line.
     */
    public INDArray check(Input in, INDArray x, INDArray primary, String source) {
        long[] like = in.shape() == null && primary != null ? primary.shape() : null;
        boolean typeOk = in.kind() == Kind.FLOAT ? x.dataType() == DataType.FLOAT
                : x.dataType() == DataType.INT || x.dataType() == DataType.LONG;
        boolean shapeOk;
        if (like != null) {
            shapeOk = Arrays.equals(like, x.shape());
        } else {
            shapeOk = x.rank() == in.shape().length;
            for (int i = 1; shapeOk && i < in.shape().length; i++) {
                shapeOk = i == 1 && in.maxLength() > 0 ? x.size(1) >= 1 && x.size(1) <= in.maxLength()
                        : x.size(i) == in.shape()[i];
            }
        }
        if (!typeOk || !shapeOk) {
            throw new PcLoraException(in.name() + " " + source + " is " + x.dataType().name().toLowerCase() + " "
                    + Arrays.toString(x.shape()) + ": this model needs " + in.expected(like));
        }
        if (in.kind() == Kind.IDS) {
            double min = x.minNumber().doubleValue();
            double max = x.maxNumber().doubleValue();
            if (min < 0 || max >= in.bound()) {
                throw new PcLoraException(in.name() + " " + source + " has values in [" + (long) min + ", " + (long) max
                        + "]: they must lie in [0, " + (in.bound() - 1) + "]");
            }
            return x.castTo(DataType.INT);
        }
        return x;
    }

    /**
     * Random inputs for benchmarks: standard-normal floats (from ND4J's generator seeded with
     * {@code seed}) or uniform ids, in the primary input's usual shape; optional inputs are left
     * out. Labels are uniform in [0, classes).
     */
    public Batch synthetic(int batch, long seed, int classes) {
        INDArray labels = Nd4j.createFromArray(new SplittableRandom(seed).ints(batch, 0, classes).toArray());
        Input p = primary();
        long[] shape = p.shape().clone();
        shape[0] = batch;
        if (p.kind() == Kind.FLOAT) {
            Nd4j.getRandom().setSeed(seed);
            return Batch.of(Nd4j.randn(DataType.FLOAT, shape), labels);
        }
        SplittableRandom r = new SplittableRandom(seed);
        int[][] ids = new int[batch][(int) shape[1]];
        for (int[] row : ids) {
            Arrays.setAll(row, j -> r.nextInt((int) p.bound()));
        }
        return Batch.of(Nd4j.createFromArray(ids), labels);
    }
}
