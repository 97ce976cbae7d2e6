/**
 * The model kit: the {@code ClassifierModel} the trainer sees, its named-input {@code Batch} and
 * {@code InputSpec}, the distillation taps ({@code FeatureKind}, {@code Features}), and the
 * encoder written once ({@code Encoder}, {@code TransformerClassifier}, {@code FirstTokenHead},
 * {@code TokenEmbeddings}) that every family builds on.
 */
package org.pclora.core.model;
