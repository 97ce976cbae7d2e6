package org.pclora.benchmarks;

import java.util.Arrays;
import org.pclora.core.nn.TransformerBlock;

/**
 * The two model sizes the benchmarks run at, named by their JMH {@code model} parameter value:
 * ViT-B/16 at 224x224 (196 patches + CLS = 197 tokens, pre-LayerNorm) and BERT-base at 128
 * tokens (post-LayerNorm, padded batches), both at batch 8.
 */
public enum ModelSize {
    /** ViT-B/16: B = 8, T = 197, D = 768, 12 heads, MLP 3072, PRE norm, no padding. */
    VIT_B("vit-b", 8, 197, 768, 12, 3072, TransformerBlock.Norm.PRE, false),
    /** BERT-base: B = 8, T = 128, D = 768, 12 heads, MLP 3072, POST norm, padding mask. */
    BERT_BASE("bert-base", 8, 128, 768, 12, 3072, TransformerBlock.Norm.POST, true);

    private final String key;
    private final int batch;
    private final int tokens;
    private final int width;
    private final int heads;
    private final int mlp;
    private final TransformerBlock.Norm norm;
    private final boolean padded;

    ModelSize(String key, int batch, int tokens, int width, int heads, int mlp, TransformerBlock.Norm norm,
              boolean padded) {
        this.key = key;
        this.batch = batch;
        this.tokens = tokens;
        this.width = width;
        this.heads = heads;
        this.mlp = mlp;
        this.norm = norm;
        this.padded = padded;
    }

    /** The size named by a JMH {@code model} parameter value ({@code vit-b} or {@code bert-base}). */
    public static ModelSize of(String key) {
        for (ModelSize m : values()) {
            if (m.key.equals(key)) {
                return m;
            }
        }
        throw new IllegalArgumentException("model size " + key + " is unknown; accepted: "
                + Arrays.stream(values()).map(ModelSize::key).toList());
    }

    /** The JMH parameter value. */
    public String key() {
        return key;
    }

    /** Sequences (images) per batch. */
    public int batch() {
        return batch;
    }

    /** Tokens per sequence. */
    public int tokens() {
        return tokens;
    }

    /** Rows of the flattened activations, batch x tokens. */
    public int rows() {
        return batch * tokens;
    }

    /** Hidden width D. */
    public int width() {
        return width;
    }

    /** Attention heads. */
    public int heads() {
        return heads;
    }

    /** MLP (intermediate) width. */
    public int mlp() {
        return mlp;
    }

    /** LayerNorm placement of the model's blocks. */
    public TransformerBlock.Norm norm() {
        return norm;
    }

    /** Whether batches carry a padding mask (BERT: sequences of different lengths). */
    public boolean padded() {
        return padded;
    }
}
