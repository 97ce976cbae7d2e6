package org.pclora.core.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * FLOP counts against numbers worked out by hand (small shapes) and multiplied out separately
 * for the benchmark shapes (the products are exact in double: all are below 2^53).
 */
class UsefulFlopsTest {

    @Test
    void smallShapesByHand() {
        // x [2,3] W^T [3,4]: 2*3*4 = 24 multiply-adds = 48 flops
        assertEquals(48, UsefulFlops.gemm(2, 3, 4));
        // frozen dense fwd+bwd: y and dx, 2 * 48
        assertEquals(96, UsefulFlops.frozenLinearForwardBackward(2, 3, 4));
        // trainable: y, dW, dx
        assertEquals(144, UsefulFlops.trainableLinearForwardBackward(2, 3, 4));
        // rank 1 adapter: 6 * 2 rows * 1 * (3 + 4) = 84; lambda > 0 adds 96
        assertEquals(180, UsefulFlops.pcLoraForwardBackward(2, 3, 4, 1, 0.5));
        assertEquals(84, UsefulFlops.pcLoraForwardBackward(2, 3, 4, 1, 0.0));
        // B 1, T 2, D 4 (any heads): q k^T is 2*2 scores of 4-long dots = 16 multiply-adds = 32 flops
        assertEquals(32, UsefulFlops.attentionProduct(1, 2, 4));
        assertEquals(64, UsefulFlops.attentionCoreForward(1, 2, 4));
        assertEquals(192, UsefulFlops.attentionCoreForwardBackward(1, 2, 4));
        // + four [4,4] projections over 2 rows: 4 * (2*2*4*4 = 64) = 256 forward, twice that with dx
        assertEquals(64 + 256, UsefulFlops.frozenAttentionForward(1, 2, 4));
        assertEquals(192 + 512, UsefulFlops.frozenAttentionForwardBackward(1, 2, 4));
    }

    @Test
    void smallBlockIsTheSumOfItsParts() {
        // B 1, T 2, D 4, mlp 8, rows 2. Core fwd+bwd 192.
        // dense-frozen: 4 * (4*2*4*4 = 128) + fc1 4*2*4*8 = 256 + fc2 256 -> 192 + 512 + 512 = 1216
        assertEquals(1216, UsefulFlops.blockForwardBackward(1, 2, 4, 8, 0, 1.0));
        // rank 1, lambda 0: adapters 6*2*1*(4+4) = 96 (x4) and 6*2*1*(4+8) = 144 (x2): 192 + 384 + 288
        assertEquals(864, UsefulFlops.blockForwardBackward(1, 2, 4, 8, 1, 0.0));
        // lambda 0.5 adds the frozen paths of the dense-frozen block: 864 + 1024
        assertEquals(1888, UsefulFlops.blockForwardBackward(1, 2, 4, 8, 1, 0.5));
    }

    @Test
    void trainingStepOfAStackByHand() {
        // 1 block, D 4, mlp 8, 2 tokens, 3 classes, batch 1, rows 2; all six linears dense and trainable:
        // 4 * 6*2*4*4 = 768, fc1 and fc2 6*2*4*8 = 384 each; other MACs per example: attention 2*T^2*D = 32
        // and the classifier 4*3 = 12, each times 6 * batch.
        org.pclora.core.model.TransformerStack m = new org.pclora.core.model.TransformerStack(1, 4, 2, 8, 2, 3, 1,
                org.nd4j.linalg.api.buffer.DataType.FLOAT);
        assertEquals(768 + 384 + 384 + 6 * 32 + 6 * 12, UsefulFlops.trainingStep(m, 1, 0.5));
    }
}
