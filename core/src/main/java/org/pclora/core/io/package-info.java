/**
 * File formats: safetensors (read and written, with metadata), {@code .npy}, state dicts of models
 * with dense or compressed layers, and atomic file writes.
 */
package org.pclora.core.io;
