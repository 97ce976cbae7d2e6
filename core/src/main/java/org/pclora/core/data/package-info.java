/**
 * Datasets as the trainer sees them: a labelled split streamed in seeded batches ({@code Dataset},
 * {@code Batches}).
 */
package org.pclora.core.data;
