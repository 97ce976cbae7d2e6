package org.pclora.core.io;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The content of a safetensors file.
 *
 * @param tensors  tensors by name in file order (ascending data offset); floating-point tensors
 *                 (F32, F16, BF16, F64) as float32, integer tensors (I32, I64) as INT32 / INT64
 * @param metadata the {@code __metadata__} string map (empty when absent)
 */
public record SafetensorsFile(Map<String, INDArray> tensors, Map<String, String> metadata) {
}
