package org.pclora.benchmarks.peer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.adapter.CompressedLinear;
import org.pclora.core.adapter.PcLoraLinear;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.Parameter;

/**
 * The peer of a project model on libtorch, through DJL's NDArray operations (each one libtorch's
 * own kernel: {@code linear} = addmm on oneMKL, {@code layer_norm}, {@code gelu} (erf form),
 * {@code softmax}, batched {@code matmul}, {@code conv2d} on oneDNN) and libtorch's autograd.
 *
 * <p>It is built from the project model's own tensors, so both sides compute the same function on
 * the same values: a pre-LayerNorm encoder (ViT, or the bare benchmark stack over given token
 * vectors), final LayerNorm over all tokens, classifier on token 0. Each linear slot is what the
 * project model holds there: a dense layer, a PC-LoRA layer {@code lambda (x W0^T + b0) + s (x A^T)
 * B^T + b_A} with W0 and b0 frozen (no gradient) and its W0 product skipped when lambda is 0, or a
 * compressed layer {@code (x A^T) B^T + b}. Trainable are the tensors trainable in the project model.
 */
final class TorchModel {
    /** One linear slot on libtorch. */
    private interface Slot {
        NDArray forward(NDArray x);
    }

    private record Block(Slot q, Slot k, Slot v, Slot o, Slot fc1, Slot fc2, NDArray ln1w, NDArray ln1b,
                         NDArray ln2w, NDArray ln2b) {
    }

    private final List<Block> blocks = new ArrayList<>();
    private final List<NDArray> trainable = new ArrayList<>();
    private final Map<NDArray, String> names = new java.util.IdentityHashMap<>();
    private final int heads;
    private final int width;
    private final float eps;
    private final NDArray finalW;
    private final NDArray finalB;
    private final NDArray headW;
    private final NDArray headB;
    // ViT embeddings, or null for the bare stack over token vectors
    private final NDArray patchW;
    private final NDArray patchB;
    private final NDArray cls;
    private final NDArray pos;
    private final int patch;

    /**
     * @param model    the project model (its tensors are copied)
     * @param manager  where the tensors live
     * @param training whether the project's trainable tensors get gradients
     */
    TorchModel(ClassifierModel model, NDManager manager, boolean training) {
        Map<String, Parameter> byName = new HashMap<>();
        for (Parameter p : model.parameters()) {
            byName.put(p.name(), p);
        }
        var arch = model.architecture();
        heads = arch.getInt("heads");
        width = arch.getInt("width");
        eps = arch.hasPath("layer_norm_eps") ? (float) arch.getDouble("layer_norm_eps") : 1e-12f;
        List<LinearSlot> slots = model.linearSlots();
        for (int i = 0; i + 5 < slots.size(); i += 6) {
            String prefix = slots.get(i + 4).name().replace("intermediate.dense", "");
            blocks.add(new Block(slot(slots.get(i), manager, training), slot(slots.get(i + 1), manager, training),
                    slot(slots.get(i + 2), manager, training), slot(slots.get(i + 3), manager, training),
                    slot(slots.get(i + 4), manager, training), slot(slots.get(i + 5), manager, training),
                    tensor(byName, prefix + "layernorm_before.weight", manager, training),
                    tensor(byName, prefix + "layernorm_before.bias", manager, training),
                    tensor(byName, prefix + "layernorm_after.weight", manager, training),
                    tensor(byName, prefix + "layernorm_after.bias", manager, training)));
        }
        boolean vit = byName.containsKey("vit.layernorm.weight");
        String fin = vit ? "vit.layernorm" : "layernorm";
        finalW = tensor(byName, fin + ".weight", manager, training);
        finalB = tensor(byName, fin + ".bias", manager, training);
        headW = tensor(byName, "classifier.weight", manager, training);
        headB = tensor(byName, "classifier.bias", manager, training);
        if (vit) {
            String e = "vit.embeddings.";
            patchW = tensor(byName, e + "patch_embeddings.projection.weight", manager, training);
            patchB = tensor(byName, e + "patch_embeddings.projection.bias", manager, training);
            cls = tensor(byName, e + "cls_token", manager, training);
            pos = tensor(byName, e + "position_embeddings", manager, training);
            patch = arch.getInt("patch_size");
        } else {
            patchW = null;
            patchB = null;
            cls = null;
            pos = null;
            patch = 0;
        }
    }

    /** The tensors that get gradients, in the project model's parameter order of appearance here. */
    List<NDArray> trainable() {
        return trainable;
    }

    /** The project's name of a trainable tensor (the optimizer's state key). */
    String name(NDArray t) {
        return names.get(t);
    }

    private NDArray tensor(Map<String, Parameter> byName, String name, NDManager manager, boolean training) {
        Parameter p = byName.get(name);
        if (p == null) {
            throw new IllegalStateException("peer: the project model has no tensor " + name);
        }
        return copy(p.value(), name, p.isTrainable() && training, manager);
    }

    private NDArray copy(INDArray value, String name, boolean grad, NDManager manager) {
        NDArray t = manager.create(value.dup('c').reshape(value.length()).toFloatVector(), new Shape(value.shape()));
        if (grad) {
            t.setRequiresGradient(true);
            trainable.add(t);
            names.put(t, name);
        }
        return t;
    }

    private Slot slot(LinearSlot s, NDManager m, boolean training) {
        if (s.layer() instanceof PcLoraLinear p) {
            NDArray w0 = copy(p.dense().weight().value(), p.dense().weight().name(), false, m);
            NDArray b0 = p.dense().bias() == null ? null : copy(p.dense().bias().value(), "b0", false, m);
            NDArray a = copy(p.a().value(), p.a().name(), training, m);
            NDArray b = copy(p.b().value(), p.b().name(), training, m);
            NDArray bias = p.adapterBias() == null ? null
                    : copy(p.adapterBias().value(), p.adapterBias().name(), training, m);
            float lambda = (float) p.lambda();
            float s0 = (float) p.scaling();
            return x -> {
                // s (x A^T) B^T + b_A: s applied to the [rows, r] hidden, the cheapest place
                NDArray h = Linear.linear(x, a).singletonOrThrow().muli(s0);
                NDArray y = bias == null ? Linear.linear(h, b).singletonOrThrow() : Linear.linear(h, b, bias).singletonOrThrow();
                if (lambda != 0f) {
                    // the frozen path only when lambda != 0, as the project's layer
                    NDArray frozen = b0 == null ? Linear.linear(x, w0).singletonOrThrow()
                            : Linear.linear(x, w0, b0).singletonOrThrow();
                    y = y.add(frozen.muli(lambda));
                }
                return y;
            };
        }
        if (s.layer() instanceof CompressedLinear c) {
            NDArray a = copy(c.a().value(), c.a().name(), training && c.a().isTrainable(), m);
            NDArray b = copy(c.b().value(), c.b().name(), training && c.b().isTrainable(), m);
            NDArray bias = c.bias() == null ? null : copy(c.bias().value(), c.bias().name(), training, m);
            return x -> {
                NDArray h = Linear.linear(x, a).singletonOrThrow();
                return bias == null ? Linear.linear(h, b).singletonOrThrow() : Linear.linear(h, b, bias).singletonOrThrow();
            };
        }
        if (s.layer() instanceof org.pclora.core.nn.Linear d) {
            NDArray w = copy(d.weight().value(), d.weight().name(), training && d.weight().isTrainable(), m);
            NDArray b = d.bias() == null ? null
                    : copy(d.bias().value(), d.bias().name(), training && d.bias().isTrainable(), m);
            return x -> b == null ? Linear.linear(x, w).singletonOrThrow() : Linear.linear(x, w, b).singletonOrThrow();
        }
        throw new IllegalStateException("peer: slot " + s.name() + " holds a " + s.layer().getClass().getSimpleName()
                + ", which the peer does not mirror");
    }

    /**
     * Logits [B, classes] of images [B, C, H, W] (ViT) or token vectors [B, T, D] (bare stack).
     */
    NDArray logits(NDArray input) {
        NDArray x;
        if (patchW != null) {
            long b = input.getShape().get(0);
            NDArray p = Conv2d.conv2d(input, patchW, patchB, new Shape(patch, patch)).singletonOrThrow();
            p = p.reshape(b, width, -1).transpose(0, 2, 1);                        // [B, N, D]
            // results live in the manager of an operation's first operand: the broadcast token
            // joins the step's manager, so that everything of the step is freed with it
            NDArray c = cls.broadcast(b, 1, width);
            c.attach(input.getManager());
            x = c.concat(p, 1).add(pos);                                            // [B, T, D]
        } else {
            x = input;
        }
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        // Each block's temporaries are freed when the block is done, as Python frees them when their
        // last reference goes (autograd keeps its own references to what backward needs): libtorch's
        // allocator then reuses memory instead of taking fresh pages for a whole forward.
        NDManager outer = x.getManager();
        for (Block k : blocks) {
            try (NDManager bm = outer.newSubManager()) {
                if (x != input) {
                    x.attach(bm);
                }
                NDArray h = x.add(attention(layerNorm(x, k.ln1w, k.ln1b), k, b, t));
                NDArray m = k.fc2.forward(Activation.gelu(k.fc1.forward(layerNorm(h, k.ln2w, k.ln2b))));
                NDArray y = h.add(m);
                y.attach(outer);
                x = y;
            }
        }
        NDArray hidden = layerNorm(x, finalW, finalB);
        NDArray first = hidden.get(new NDIndex(":, 0, :"));
        return Linear.linear(first, headW, headB).singletonOrThrow();
    }

    /** Mean cross-entropy of {@code logits} against one-hot {@code labels} [B, classes]. */
    static NDArray crossEntropy(NDArray logits, NDArray oneHot) {
        return logits.logSoftmax(1).mul(oneHot).sum().neg().div(logits.getShape().get(0));
    }

    private NDArray layerNorm(NDArray x, NDArray w, NDArray b) {
        return LayerNorm.layerNorm(x, new Shape(width), w, b, eps).singletonOrThrow();
    }

    private NDArray attention(NDArray x, Block k, long b, long t) {
        int dh = width / heads;
        float scale = (float) (1.0 / Math.sqrt(dh));
        // q scaled before the product, as the project does (T*D multiplications instead of H*T*T)
        NDArray q = k.q.forward(x).mul(scale).reshape(b, t, heads, dh).transpose(0, 2, 1, 3);
        NDArray kk = k.k.forward(x).reshape(b, t, heads, dh).transpose(0, 2, 3, 1);
        NDArray v = k.v.forward(x).reshape(b, t, heads, dh).transpose(0, 2, 1, 3);
        NDArray p = q.matMul(kk).softmax(-1);
        NDArray ctx = p.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, width);
        return k.o.forward(ctx);
    }

    static NDArray toTorch(INDArray a, NDManager m) {
        if (a.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT) {
            return m.create(a.dup('c').reshape(a.length()).toFloatVector(), new Shape(a.shape()));
        }
        return m.create(a.dup('c').reshape(a.length()).toFloatVector(), new Shape(a.shape())).toType(DataType.FLOAT32, false);
    }
}
