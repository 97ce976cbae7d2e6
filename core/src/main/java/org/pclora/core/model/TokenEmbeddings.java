package org.pclora.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.nn.Dropout;
import org.pclora.core.nn.Embedding;
import org.pclora.core.nn.LayerNorm;
import org.pclora.core.nn.Parameter;

/**
 * The text input layer of the kit: word rows, plus learned position rows and token-type rows
 * when the family has them, then optionally a LayerNorm and dropout (BERT's
 * {@code embeddings.{word,position,token_type}_embeddings, LayerNorm}). Reads the batch's primary
 * input as ids [B, L] and the optional {@link #ATTENTION_MASK} and {@link #TOKEN_TYPES} inputs.
 */
public final class TokenEmbeddings implements Embeddings {
    /** Name of the padding-mask input (1 real token, 0 padding). */
    public static final String ATTENTION_MASK = "attention_mask";
    /** Name of the segment-id input. */
    public static final String TOKEN_TYPES = "token_type_ids";

    private final String label;
    private final int width;
    private final DataType dtype;
    private final Embedding words;
    private final Embedding positions;
    private final Embedding tokenTypes;
    private final LayerNorm norm;
    private final Dropout dropout;
    private int batch;
    private int tokens;

    /**
     * Tables drawn N(0, std^2) from {@code rng} in the order words, positions, token types, then
     * the dropout seed.
     *
     * @param label        the family name, for messages
     * @param prefix       name prefix, e.g. {@code bert.embeddings.}
     * @param maxPositions rows of the position table, or 0 for none
     * @param typeVocab    rows of the token-type table, or 0 for none
     * @param layerNormEps epsilon of the LayerNorm, or 0 for none (then no dropout either)
     */
    public TokenEmbeddings(String label, String prefix, int vocab, int maxPositions, int typeVocab, int width,
                           double layerNormEps, double dropoutP, double std, DataType dtype, SplittableRandom rng) {
        this.label = label;
        this.width = width;
        this.dtype = dtype;
        words = Embedding.random(prefix + "word_embeddings", vocab, width, std, dtype, rng);
        positions = maxPositions > 0 ? Embedding.random(prefix + "position_embeddings", maxPositions, width, std, dtype,
                rng) : null;
        tokenTypes = typeVocab > 0 ? Embedding.random(prefix + "token_type_embeddings", typeVocab, width, std, dtype,
                rng) : null;
        norm = layerNormEps > 0 ? new LayerNorm(prefix + "LayerNorm", width, layerNormEps, dtype) : null;
        dropout = layerNormEps > 0 ? new Dropout(dropoutP, rng.nextLong()) : null;
    }

    /** The word table (also the masked-LM decoder in pre-training). */
    public Embedding words() {
        return words;
    }

    @Override
    public Embedded forward(Batch batch, boolean training) {
        INDArray ids = batch.inputs();
        if (ids.rank() != 2) {
            throw new PcLoraException(label + " input ids have shape " + java.util.Arrays.toString(ids.shape())
                    + ": expected token ids [batch, length]");
        }
        int b = (int) ids.size(0);
        int t = (int) ids.size(1);
        if (positions != null && t > positions.vocab()) {
            throw new PcLoraException(label + " input length " + t + " exceeds max_positions " + positions.vocab()
                    + ": truncate inputs to at most that");
        }
        INDArray mask = batch.input(ATTENTION_MASK);
        checkShape(mask, b, t, "attention mask");
        INDArray types = batch.input(TOKEN_TYPES);
        checkShape(types, b, t, "token types");
        INDArray x = words.forward(ids);
        if (tokenTypes != null) {
            x.addi(tokenTypes.forward(types != null ? types : Nd4j.zeros(DataType.INT, b, t)));
        }
        if (positions != null) {
            // The first t position rows, added to every example.
            INDArray pos = positions.forward(Nd4j.arange(t).castTo(DataType.INT));
            x.reshape(b, (long) t * width).addiRowVector(pos.reshape(1, (long) t * width));
        }
        if (norm != null) {
            x = dropout.forward(norm.forward(x, training), training);
        }
        this.batch = b;
        this.tokens = t;
        return new Embedded(x, b, t, mask == null ? null : mask.castTo(dtype));
    }

    private void checkShape(INDArray a, int b, int t, String what) {
        if (a != null && (a.rank() != 2 || a.size(0) != b || a.size(1) != t)) {
            throw new PcLoraException(label + " " + what + " have shape " + java.util.Arrays.toString(a.shape())
                    + ": expected [" + b + ", " + t + "] like the input ids");
        }
    }

    @Override
    public void backward(INDArray dRows) {
        INDArray de = norm == null ? dRows : norm.backward(dropout.backward(dRows));
        words.backward(de);
        if (tokenTypes != null) {
            tokenTypes.backward(de);
        }
        if (positions != null) {
            positions.backward(de.reshape(batch, (long) tokens * width).sum(0).reshape(tokens, width));
        }
    }

    @Override
    public List<Dropout> dropouts() {
        return dropout == null ? List.of() : List.of(dropout);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(words.parameters());
        for (Object o : new Object[] {positions, tokenTypes}) {
            if (o != null) {
                ps.addAll(((Embedding) o).parameters());
            }
        }
        if (norm != null) {
            ps.addAll(norm.parameters());
        }
        return ps;
    }

    /** Look-ups and LayerNorms are no matrix products. */
    @Override
    public Map<String, Long> macs() {
        return Map.of();
    }
}
