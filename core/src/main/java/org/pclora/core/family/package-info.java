/**
 * The model kit's family base: {@code TransformerFamily} resolves configs against named
 * architectures, reads checkpoints through the chain, checks their sizes, renames tensors and
 * replaces heads, so that a family is a short declaration.
 */
package org.pclora.core.family;
