package org.pclora.core.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.nn.Parameter;
import org.pclora.core.optim.AdamW;

class StepWorkspaceTest {
    @Test
    void stepArraysComeFromOneReusedBlock() {
        try (StepWorkspace ws = new StepWorkspace("STEP_WORKSPACE_TEST")) {
            INDArray outside = Nd4j.create(DataType.FLOAT, 4);
            assertFalse(outside.isAttached());
            long size = -1;
            for (int step = 0; step < 4; step++) {
                try (StepWorkspace.Scope ignored = ws.step()) {
                    INDArray a = Nd4j.rand(DataType.FLOAT, 256, 256);
                    INDArray b = a.mul(2.0);
                    assertTrue(b.isAttached(), "allocations inside a step are workspace memory");
                    if (step > 0) {
                        assertTrue(ws.usedBytes() >= 2L * 256 * 256 * 4,
                                "after the learning step arrays come from the block: " + ws.usedBytes());
                    }
                    assertEquals(2 * a.sumNumber().doubleValue(), b.sumNumber().doubleValue(), 1e-2);
                }
                if (step == 0) {
                    assertTrue(ws.sizeBytes() >= 2L * 256 * 256 * 4, "the block is allocated after the learning step");
                }
                if (step == 1) {
                    size = ws.sizeBytes();
                    assertTrue(size >= 2L * 256 * 256 * 4, "the block holds one step's arrays: " + size);
                }
            }
            assertEquals(size, ws.sizeBytes(), "the same block serves later steps");
        }
    }

    @Test
    void optimizerMomentsCreatedInsideAStepOutliveIt() {
        // Mixed dtypes keep AdamW on its per-parameter path, whose moments are created lazily at the
        // first step, here inside the workspace. The values are AdamWTest's hand-computed ones.
        Parameter p = Parameter.trainable("w", Nd4j.create(new double[] {1, -2}), true);
        Parameter q = Parameter.trainable("q", Nd4j.create(new float[] {1f}), true);
        AdamW opt = new AdamW(List.of(p, q), 0.9, 0.999, 1e-8, 0.01);
        double[][] grads = {{0.5, -1}, {-0.25, 2}};
        try (StepWorkspace ws = new StepWorkspace("STEP_WORKSPACE_ADAMW")) {
            for (double[] g : grads) {
                try (StepWorkspace.Scope ignored = ws.step()) {
                    Nd4j.rand(DataType.DOUBLE, 64, 64).muli(1e6); // scribble over workspace memory
                    p.grad().assign(Nd4j.create(g));
                    opt.step(0.1);
                }
            }
        }
        assertArrayEquals(new double[] {0.8714672987058463, -1.9327123534710748}, p.value().toDoubleVector(), 1e-12);
        assertArrayEquals(new double[] {0.02, 0.11}, opt.state().get("w.exp_avg").toDoubleVector(), 1e-15);
    }

    @Test
    void backwardInsideAStepEqualsBackwardOutsideBitForBit() {
        // Blocks run their backward in a nested workspace inside a step; nothing may change.
        org.pclora.core.model.TransformerStack m = new org.pclora.core.model.TransformerStack(3, 32, 2, 64, 5, 3, 7,
                DataType.FLOAT);
        org.pclora.core.model.Batch b = org.pclora.core.model.Batch.images(
                org.pclora.core.testing.GradientCheck.random(3, 4, 5, 32).castTo(DataType.FLOAT),
                Nd4j.createFromArray(0, 1, 2, 1));
        List<float[]> plain = gradients(m, b, null);
        try (StepWorkspace ws = new StepWorkspace("STEP_WORKSPACE_BACKWARD")) {
            for (int i = 0; i < 3; i++) { // the nested workspaces learn their size, then are reused
                List<float[]> inside = gradients(m, b, ws);
                for (int k = 0; k < plain.size(); k++) {
                    assertArrayEquals(plain.get(k), inside.get(k), "parameter " + k + ", step " + i);
                }
            }
        }
    }

    private static List<float[]> gradients(org.pclora.core.model.TransformerStack m, org.pclora.core.model.Batch b,
                                           StepWorkspace ws) {
        MemoryWorkspace plainScope = ws == null ? Nd4j.getWorkspaceManager().scopeOutOfWorkspaces() : null;
        try (StepWorkspace.Scope ignored = ws == null ? plainScope::close : ws.step()) {
            m.parameters().forEach(Parameter::zeroGrad);
            var f = m.forward(b, true, java.util.Set.of());
            var ce = org.pclora.core.nn.SoftmaxCrossEntropy.lossAndGradient(f.get("logits"), b.labels());
            m.backward(new org.pclora.core.model.Features().put("logits", ce.dLogits()));
        }
        return m.parameters().stream().map(p -> p.grad().dup().ravel().toFloatVector()).toList();
    }
}
