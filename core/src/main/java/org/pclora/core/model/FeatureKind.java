package org.pclora.core.model;

/**
 * The intermediate outputs a model family can tap for distillation. Feature names in a
 * {@link Features} map follow the patterns given here.
 */
public enum FeatureKind {
    /** Output hidden state of each transformer block, [batch, tokens, width]; names {@code block.<i>}. */
    BLOCK_OUTPUT("block."),
    /** Attention probabilities of each block, [batch, heads, tokens, tokens]; names {@code attention.<i>}. */
    ATTENTION_PROBS("attention."),
    /** Output of each adapted linear layer, [batch*tokens, out]; names {@code layer.<param-prefix>}. */
    ADAPTED_LAYER_OUTPUT("layer."),
    /** Classifier logits, [batch, classes]; the single name {@code logits}. */
    LOGITS("logits"),
    /**
     * The encoder's last hidden state, [batch, tokens, width] (HF's {@code last_hidden_state}:
     * after ViT's final LayerNorm, BERT's last layer output); the single name {@code hidden}.
     */
    LAST_HIDDEN("hidden");

    private final String prefix;

    FeatureKind(String prefix) {
        this.prefix = prefix;
    }

    /** Prefix (or, for LOGITS and LAST_HIDDEN, the whole name) of the feature names of this kind. */
    public String prefix() {
        return prefix;
    }

    /** Whether a feature name belongs to this kind. */
    public boolean matches(String featureName) {
        return single() ? featureName.equals(prefix) : featureName.startsWith(prefix);
    }

    /** Whether this kind has one feature only (its name is {@link #prefix()}). */
    public boolean single() {
        return this == LOGITS || this == LAST_HIDDEN;
    }
}
