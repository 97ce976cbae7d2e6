package org.pclora.core.adapter;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.LowRank;
import org.pclora.core.nn.Parameter;

/**
 * The compressed form of an adapted layer: {@code y = (x A^T) B^T + b} with A [r, in],
 * B [out, r] (scaling already folded in) and an optional bias [out]. Stored as
 * {@code name.lora_A.weight}, {@code name.lora_B.weight}, {@code name.lora_B.bias}.
 */
public final class CompressedLinear implements LowRank.Layer {
    private final String name;
    private final Parameter a;
    private final Parameter b;
    private final Parameter bias;
    private INDArray lastInput;
    private INDArray lastHidden;

    public CompressedLinear(String name, Parameter a, Parameter b, Parameter bias) {
        this.name = name;
        this.a = a;
        this.b = b;
        this.bias = bias;
    }

    public String name() {
        return name;
    }

    public Parameter a() {
        return a;
    }

    public Parameter b() {
        return b;
    }

    /** The bias or null. */
    public Parameter bias() {
        return bias;
    }

    public int rank() {
        return (int) a.value().size(0);
    }

    public int inFeatures() {
        return (int) a.value().size(1);
    }

    public int outFeatures() {
        return (int) b.value().size(0);
    }

    /** Always low-rank: A, B and the bias as they are. */
    @Override
    public LowRank.Factors lowRankFactors() {
        return new LowRank.Factors(a.value(), b.value(), bias == null ? null : bias.value(), false);
    }

    @Override
    public INDArray forward(INDArray x, boolean training) {
        if (!training) {
            // the code a PC-LoRA layer's inference forward at lambda 0 runs too: compressing changes no bit
            return LowRank.apply(x, lowRankFactors(), false, null);
        }
        INDArray h = Nd4j.createUninitialized(x.dataType(), x.size(0), rank());
        Nd4j.gemm(x, a.value(), h, false, true, 1.0, 0.0);
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.size(0), b.value().size(0));
        Linear.gemmPlusBias(h, b.value(), bias == null ? null : bias.value(), y);
        lastInput = x;
        lastHidden = h;
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (lastInput == null) {
            throw new IllegalStateException(name + ": backward without a training forward");
        }
        if (b.isTrainable()) {
            Nd4j.gemm(dy, lastHidden, b.grad(), true, false, 1.0, 1.0);
        }
        if (bias != null && bias.isTrainable()) {
            bias.grad().addi(dy.sum(0));
        }
        INDArray dh = Nd4j.createUninitialized(dy.dataType(), dy.size(0), rank());
        Nd4j.gemm(dy, b.value(), dh, false, false, 1.0, 0.0);
        if (a.isTrainable()) {
            Nd4j.gemm(dh, lastInput, a.grad(), true, false, 1.0, 1.0);
        }
        INDArray dx = Nd4j.createUninitialized(dy.dataType(), dy.size(0), inFeatures());
        Nd4j.gemm(dh, a.value(), dx, false, false, 1.0, 0.0);
        lastInput = null;
        lastHidden = null;
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(3);
        ps.add(a);
        ps.add(b);
        if (bias != null) {
            ps.add(bias);
        }
        return ps;
    }
}
