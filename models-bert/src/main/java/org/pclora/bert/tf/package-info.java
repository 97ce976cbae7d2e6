/**
 * Google's TF BERT checkpoints: tensor bundles, SavedModels, jars and {@code maven:} coordinates,
 * read into HF names and offered to core's checkpoint chain.
 */
package org.pclora.bert.tf;
