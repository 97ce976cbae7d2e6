package org.pclora.core.model;

import org.pclora.core.nn.TransformerBlock;

/**
 * The shape and naming of a stack of transformer blocks, as a family declares it.
 *
 * @param depth            number of blocks
 * @param width            hidden size D
 * @param heads            attention heads (divide D)
 * @param mlp              inner size of the MLP
 * @param norm             LayerNorm placement (PRE for ViT, POST for BERT)
 * @param qkvBias          whether query, key and value have biases (the other linears always do)
 * @param layerNormEps     epsilon of the blocks' LayerNorms
 * @param hiddenDropout    dropout on the sub-layer outputs
 * @param attentionDropout dropout on the attention probabilities
 * @param initStd          standard deviation of the N(0, std^2) initial weights
 * @param names            the checkpoint names of one block's layers
 */
public record EncoderSpec(int depth, int width, int heads, int mlp, TransformerBlock.Norm norm, boolean qkvBias,
                          double layerNormEps, double hiddenDropout, double attentionDropout, double initStd,
                          LayerNames names) {

    /**
     * Checkpoint names of block {@code i}'s layers: {@code prefix + i + "." + suffix}.
     *
     * @param prefix          e.g. {@code vit.encoder.layer.}
     * @param query           e.g. {@code attention.attention.query}
     * @param key             key projection
     * @param value           value projection
     * @param attentionOutput attention output projection
     * @param intermediate    MLP in
     * @param output          MLP out
     * @param norm1           first LayerNorm (PRE: before attention; POST: after it)
     * @param norm2           second LayerNorm
     */
    public record LayerNames(String prefix, String query, String key, String value, String attentionOutput,
                             String intermediate, String output, String norm1, String norm2) {
        /** HF's layout for a self-attention sub-module called {@code self} ({@code attention.<self>.query}). */
        public static LayerNames hf(String prefix, String self, String norm1, String norm2) {
            String a = "attention." + self + ".";
            return new LayerNames(prefix, a + "query", a + "key", a + "value", "attention.output.dense",
                    "intermediate.dense", "output.dense", norm1, norm2);
        }

        /** A regular expression over slot names matching every block linear. */
        public String allLinears() {
            return java.util.regex.Pattern.quote(prefix) + "\\d+\\.("
                    + String.join("|", java.util.stream.Stream.of(query, key, value, attentionOutput, intermediate,
                            output).map(java.util.regex.Pattern::quote).toList()) + ")";
        }
    }
}
