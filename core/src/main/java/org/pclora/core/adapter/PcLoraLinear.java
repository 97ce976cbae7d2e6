package org.pclora.core.adapter;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pclora.core.PcLoraException;
import org.pclora.core.kernels.Kernels;
import org.pclora.core.nn.Init;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.LowRank;
import org.pclora.core.nn.Parameter;

/**
 * The PC-LoRA adapted linear layer {@code y = lambda * (W0 x + b0) + s * B (A x) + b_A}
 * (HF layout: x [rows, in], W0 [out, in], A [r, in], B [out, r], b_A [out]).
 *
 * <p>W0 and b0 are the frozen pre-trained dense layer; A, B and b_A are trainable, B and b_A start
 * at zero so that at step 0 the layer equals the dense layer. When lambda is 0 the frozen path is
 * not computed at all, neither forward nor backward: that is where the training speed-up lies.
 *
 * <p>The same class is the plain LoRA baseline ({@link #lora}): there the frozen path keeps
 * weight 1 whatever {@link #setLambda} is given, so LoRA + KD runs through the same code.
 */
public final class PcLoraLinear implements AdapterLayer, LowRank.Layer {
    private final String name;
    private final Linear dense;
    private final Parameter a;
    private final Parameter b;
    private final Parameter biasA;
    private final double scaling;
    private final boolean plainLora;
    private double lambda = 1.0;

    // State kept by a training forward for the one backward that follows.
    private INDArray lastInput;
    private INDArray lastHidden;
    private double lastLambda;
    private INDArray ones;

    private PcLoraLinear(Linear dense, AdapterSpec spec, boolean plainLora) {
        spec.checkFits(dense.name(), dense.inFeatures(), dense.outFeatures());
        this.name = dense.name();
        this.plainLora = plainLora;
        this.scaling = spec.scaling();
        this.dense = frozenCopyOf(dense);
        DataType dtype = dense.weight().value().dataType();
        int in = dense.inFeatures();
        int out = dense.outFeatures();
        int r = spec.rank();
        SplittableRandom rng = new SplittableRandom(layerSeed(spec.seed(), name));
        INDArray aInit = switch (spec.init()) {
            // kaiming_uniform_(a=sqrt(5)) as PEFT: gain sqrt(2/(1+5)), bound = gain*sqrt(3/fan_in) = 1/sqrt(in)
            case KAIMING_UNIFORM -> Init.uniform(rng, 1.0 / Math.sqrt(in), dtype, r, in);
            // PEFT's "gaussian" init: N(0, (1/r)^2)
            case GAUSSIAN -> Init.normal(rng, 1.0 / r, dtype, r, in);
        };
        this.a = Parameter.trainable(name + ".lora_A.weight", aInit, true);
        this.b = Parameter.trainable(name + ".lora_B.weight", Nd4j.zeros(dtype, out, r), true);
        this.biasA = spec.bias() == AdapterSpec.BiasPolicy.ADAPTER
                ? Parameter.trainable(name + ".lora_B.bias", Nd4j.zeros(dtype, out), false)
                : null;
    }

    /** A PC-LoRA layer around {@code dense}, whose parameters are frozen; lambda starts at 1. */
    public static PcLoraLinear pcLora(Linear dense, AdapterSpec spec) {
        return new PcLoraLinear(dense, spec, false);
    }

    /** A plain LoRA layer around {@code dense}: the frozen path always has weight 1. */
    public static PcLoraLinear lora(Linear dense, AdapterSpec spec) {
        return new PcLoraLinear(dense, spec, true);
    }

    /** Freezes the caller's dense parameters and returns a dense layer over the same values, frozen. */
    private static Linear frozenCopyOf(Linear dense) {
        Parameter w = Parameter.frozen(dense.weight().name(), dense.weight().value());
        dense.weight().freeze();
        Parameter bias = null;
        if (dense.bias() != null) {
            bias = Parameter.frozen(dense.bias().name(), dense.bias().value());
            dense.bias().freeze();
        }
        return new Linear(dense.name(), w, bias);
    }

    /** One seed per layer, so that layers sharing a spec seed get different A. */
    private static long layerSeed(long seed, String layer) {
        return seed * 0x9E3779B97F4A7C15L + layer.hashCode();
    }

    @Override
    public String name() {
        return name;
    }

    /** Ignored by the plain LoRA variant, whose frozen path keeps weight 1. */
    @Override
    public void setLambda(double lambda) {
        checkLambda(lambda);
        if (!plainLora) {
            this.lambda = lambda;
        }
    }

    /** The one check of the decay factor: lambda must lie in [0, 1]. */
    public static double checkLambda(double lambda) {
        if (!(lambda >= 0 && lambda <= 1)) {
            throw new PcLoraException("decay factor lambda = " + lambda + " is out of range: it must be in [0, 1]"
                    + " (a decay schedule must give values there)");
        }
        return lambda;
    }

    @Override
    public double lambda() {
        return lambda;
    }

    /** True for the plain LoRA baseline (frozen path fixed at weight 1). */
    public boolean isPlainLora() {
        return plainLora;
    }

    /** The LoRA scaling s = alpha / r. */
    public double scaling() {
        return scaling;
    }

    /** A [r, in]. */
    public Parameter a() {
        return a;
    }

    /** B [out, r], without the scaling. */
    public Parameter b() {
        return b;
    }

    /** b_A [out], or null under {@link AdapterSpec.BiasPolicy#NONE}. */
    public Parameter adapterBias() {
        return biasA;
    }

    @Override
    public int rank() {
        return (int) a.value().size(0);
    }

    @Override
    public int inFeatures() {
        return dense.inFeatures();
    }

    @Override
    public int outFeatures() {
        return dense.outFeatures();
    }

    @Override
    public Linear dense() {
        return dense;
    }

    /** Whether the frozen path W0 x + b0 is computed at the current lambda. */
    private boolean frozenPathActive(double lam) {
        return lam != 0.0;
    }

    /** A training forward's output is fresh and not kept (backward reads x and the rank-r hidden). */
    @Override
    public boolean outputDisposable() {
        return true;
    }

    @Override
    public INDArray forward(INDArray x, boolean training) {
        double lam = lambda;
        long rows = x.size(0);
        if (!training && !frozenPathActive(lam)) {
            // the compressed layer's arithmetic exactly, so that compress() changes no output bit
            LowRank.Factors f = lowRankFactors();
            try {
                return LowRank.apply(x, f, false, null);
            } finally {
                f.release();
            }
        }
        INDArray y = Nd4j.createUninitialized(x.dataType(), rows, outFeatures());
        boolean frozenPath = frozenPathActive(lam);
        // Adapter path: hs = s * x A^T [rows, r] (s fused into alpha).
        INDArray hs = Nd4j.createUninitialized(x.dataType(), rows, rank());
        Nd4j.gemm(x, a.value(), hs, false, true, scaling, 0.0);
        float[] fusedBias = Kernels.supports(x, y) ? biasRowFloats(lam) : null;
        INDArray kept;
        if (fusedBias != null) {
            // lambda b0 + b_A written into y first, then both products added with beta 1: no separate
            // bias pass and no [hs | 1] copy; backward takes d b_A as the column sums of dy.
            Kernels.fillRows(y, fusedBias);
            if (frozenPath) {
                Nd4j.gemm(x, dense.weight().value(), y, false, true, lam, 1.0);
            }
            Nd4j.gemm(hs, b.value(), y, false, true, 1.0, 1.0);
            kept = hs;
        } else {
            if (frozenPath) {
                // Frozen path first: y = lambda * x W0^T (lambda fused into gemm's alpha).
                Nd4j.gemm(x, dense.weight().value(), y, false, true, lam, 0.0);
            }
            INDArray biasRow = biasRow(lam);
            double beta = frozenPath ? 1.0 : 0.0;
            if (biasRow == null) {
                Nd4j.gemm(hs, b.value(), y, false, true, 1.0, beta);
                kept = hs;
            } else {
                // The bias rides in the same gemm as a ones column: y (+)= [hs | 1] [B | bias]^T, so no
                // separate pass over y; backward gets d b_A from the same column.
                kept = Nd4j.hstack(hs, onesColumn(x.dataType(), rows));
                release(hs);
                INDArray bAug = Nd4j.hstack(b.value(), biasRow.reshape(outFeatures(), 1));
                Nd4j.gemm(kept, bAug, y, false, true, 1.0, beta);
                release(bAug);
            }
        }
        if (training) {
            lastInput = x;
            lastHidden = kept;
            lastLambda = lam;
        } else {
            release(kept);
        }
        return y;
    }

    /** lambda * b0 + b_A as floats (zeros when the layer adds no bias at this lambda). */
    private float[] biasRowFloats(double lam) {
        float[] row = biasA == null ? new float[outFeatures()] : biasA.value().toFloatVector();
        if (frozenPathActive(lam) && dense.bias() != null) {
            float[] b0 = dense.bias().value().toFloatVector();
            float l = (float) lam;
            for (int j = 0; j < row.length; j++) {
                row[j] = l * b0[j] + row[j];
            }
        }
        return row;
    }

    /**
     * At lambda 0 the inference forward is {@code (x A^T)(s B)^T + b_A}: A, a temporary {@code s B}
     * (the product {@link #compress} stores) and b_A; null while the frozen path is active.
     */
    @Override
    public LowRank.Factors lowRankFactors() {
        if (frozenPathActive(lambda)) {
            return null;
        }
        return new LowRank.Factors(a.value(), b.value().mul(scaling), biasA == null ? null : biasA.value(), true);
    }

    /** lambda * b0 + b_A, or null when the layer adds no bias at this lambda. */
    private INDArray biasRow(double lam) {
        INDArray row = biasA == null ? null : biasA.value();
        if (frozenPathActive(lam) && dense.bias() != null) {
            INDArray b0 = dense.bias().value().mul(lam);
            row = row == null ? b0 : b0.addi(row);
        }
        return row;
    }

    @Override
    public INDArray backward(INDArray dy) {
        return backward(dy, null);
    }

    /** Adds dL/dx into {@code dx}: the input-gradient products accumulate into it (GEMM beta 1). */
    @Override
    public void backwardAdding(INDArray dy, INDArray dx) {
        backward(dy, dx);
    }

    private INDArray backward(INDArray dy, INDArray dxSum) {
        if (lastInput == null) {
            throw new IllegalStateException(name + ": backward without a training forward");
        }
        INDArray x = lastInput;
        INDArray kept = lastHidden; // hs = s * x A^T, or [hs | 1] when a bias row was added
        long rows = dy.size(0);
        int r = rank();
        if (kept.size(1) == r) {
            // dB += dy^T hs  (= s * dy^T h); d b_A = column sums of dy when the bias was fused
            Nd4j.gemm(dy, kept, b.grad(), true, false, 1.0, 1.0);
            if (biasA != null) {
                if (Kernels.supports(dy, biasA.grad())) {
                    Kernels.addColumnSums(dy, biasA.grad());
                } else {
                    biasA.grad().addi(dy.sum(0));
                }
            }
        } else {
            // g = dy^T [hs | 1]: the first r columns are dB, the last one d b_A (column sums of dy).
            INDArray g = Nd4j.createUninitialized(dy.dataType(), outFeatures(), r + 1);
            Nd4j.gemm(dy, kept, g, true, false, 1.0, 0.0);
            b.grad().addi(g.get(NDArrayIndex.all(), NDArrayIndex.interval(0, r)));
            if (biasA != null) {
                biasA.grad().addi(g.get(NDArrayIndex.all(), NDArrayIndex.point(r)));
            }
            release(g);
        }
        // dh = s * dy B [rows, r]; dA += dh^T x
        INDArray dh = Nd4j.createUninitialized(dy.dataType(), rows, r);
        Nd4j.gemm(dy, b.value(), dh, false, false, scaling, 0.0);
        Nd4j.gemm(dh, x, a.grad(), true, false, 1.0, 1.0);
        INDArray dx = dxSum != null ? dxSum : Nd4j.createUninitialized(dy.dataType(), rows, inFeatures());
        boolean accumulate = dxSum != null;
        boolean frozenPath = frozenPathActive(lastLambda);
        if (frozenPath) {
            // Frozen path: dx (+)= lambda * dy W0 (no gradient for the frozen W0 and b0).
            Nd4j.gemm(dy, dense.weight().value(), dx, false, false, lastLambda, accumulate ? 1.0 : 0.0);
        }
        // dx (+)= dh A
        Nd4j.gemm(dh, a.value(), dx, false, false, 1.0, frozenPath || accumulate ? 1.0 : 0.0);
        release(dh);
        release(kept);
        lastInput = null;
        lastHidden = null;
        return dx;
    }

    /** A [rows, 1] column of ones, kept between calls outside any workspace. */
    private INDArray onesColumn(DataType dtype, long rows) {
        if (ones == null || ones.size(0) != rows || ones.dataType() != dtype) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                ones = Nd4j.ones(dtype, rows, 1);
            }
        }
        return ones;
    }

    /** Frees a temporary's native memory now rather than at garbage collection (not inside workspaces). */
    private static void release(INDArray temporary) {
        if (temporary.closeable()) {
            temporary.close();
        }
    }

    /**
     * The adapter-only layer {@code y = (x A^T)(s B)^T + b_A}: copies of A, s * B and b_A, trainable.
     * Its output equals this layer's forward at lambda 0, whatever lambda is now (for the plain
     * LoRA variant it is the adapter part alone).
     */
    @Override
    public CompressedLinear compress() {
        Parameter ca = Parameter.trainable(a.name(), a.value().dup(), true);
        Parameter cb = Parameter.trainable(b.name(), b.value().mul(scaling), true);
        Parameter cbias = biasA == null ? null : Parameter.trainable(biasA.name(), biasA.value().dup(), false);
        return new CompressedLinear(name, ca, cb, cbias);
    }

    /** Frozen W0 and b0 (if any), then A, B and b_A (if any). */
    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(dense.parameters());
        ps.add(a);
        ps.add(b);
        if (biasA != null) {
            ps.add(biasA);
        }
        return ps;
    }

    @Override
    public String toString() {
        return (plainLora ? "LoRA" : "PC-LoRA") + "(" + name + ", " + outFeatures() + "x" + inFeatures()
                + ", r=" + rank() + ", s=" + scaling + ", lambda=" + lambda + ")";
    }
}
