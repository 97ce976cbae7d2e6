/**
 * The one checkpoint-reader chain: a location (file, folder, jar, {@code maven:} coordinate)
 * becomes a {@code Checkpoint} of named tensors through core's safetensors reader and the readers
 * model families add; a location no reader takes is described in one line.
 */
package org.pclora.core.checkpoint;
