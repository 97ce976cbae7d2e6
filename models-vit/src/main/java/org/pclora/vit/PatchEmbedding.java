package org.pclora.vit;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.nn.Parameter;

/**
 * HF's {@code patch_embeddings.projection}: a P x P convolution with stride P, computed as one
 * matrix product. Non-overlapping patches make im2col a reshape and permute of the image
 * ([B, C, g, P, g, P] to [B, g, g, C, P, P]), so the conv weight [D, C, P, P] is used as a
 * [D, C*P*P] matrix without copying. Output rows are patches in row-major grid order, as HF's
 * {@code flatten(2).transpose(1, 2)}.
 */
public final class PatchEmbedding {
    private final int patch;
    private final int channels;
    private final Parameter weight;
    private final Parameter bias;
    private INDArray lastPatches;
    private int lastBatch;
    private int lastGrid;

    /**
     * @param weight conv weight [D, C, P, P] ({@code ...projection.weight})
     * @param bias   conv bias [D] ({@code ...projection.bias})
     */
    public PatchEmbedding(Parameter weight, Parameter bias) {
        this.weight = weight;
        this.bias = bias;
        this.channels = (int) weight.value().size(1);
        this.patch = (int) weight.value().size(2);
    }

    /** Output width D. */
    public int width() {
        return (int) weight.value().size(0);
    }

    private int patchLength() {
        return channels * patch * patch;
    }

    /** Images [B, C, H, W] (H = W, a multiple of P) to patch embeddings [B * (H/P)^2, D]. */
    public INDArray forward(INDArray images, boolean training) {
        int b = (int) images.size(0);
        int side = (int) images.size(2);
        if (images.rank() != 4 || images.size(1) != channels || images.size(3) != side || side % patch != 0) {
            throw new PcLoraException("vit patch embedding: input shape " + java.util.Arrays.toString(images.shape())
                    + " is not accepted; expected [batch, " + channels + ", S, S] with S a multiple of " + patch);
        }
        int g = side / patch;
        INDArray x = images.ordering() == 'c' && !images.isView() ? images : images.dup('c');
        INDArray patches = x.reshape('c', b, channels, g, patch, g, patch).permute(0, 2, 4, 1, 3, 5).dup('c')
                .reshape('c', (long) b * g * g, patchLength());
        INDArray y = Nd4j.createUninitialized(patches.dataType(), patches.size(0), width());
        Nd4j.gemm(patches, matrix(weight.value()), y, false, true, 1.0, 0.0);
        y.addiRowVector(bias.value());
        if (training) {
            lastPatches = patches;
            lastBatch = b;
            lastGrid = g;
        } else {
            lastPatches = null;
        }
        return y;
    }

    /**
     * Adds the parameter gradients for {@code dy} [B*N, D]; returns the gradient with respect to
     * the images [B, C, H, W] when {@code inputGradient}, else null.
     */
    public INDArray backward(INDArray dy, boolean inputGradient) {
        if (lastPatches == null) {
            throw new IllegalStateException("patch embedding: backward without a training forward");
        }
        if (weight.isTrainable()) {
            INDArray dw = Nd4j.createUninitialized(dy.dataType(), width(), patchLength());
            Nd4j.gemm(dy, lastPatches, dw, true, false, 1.0, 0.0);
            weight.grad().addi(dw.reshape('c', weight.value().shape()));
        }
        if (bias.isTrainable()) {
            bias.grad().addi(dy.sum(0));
        }
        INDArray dx = null;
        if (inputGradient) {
            INDArray dp = Nd4j.createUninitialized(dy.dataType(), dy.size(0), patchLength());
            Nd4j.gemm(dy, matrix(weight.value()), dp, false, false, 1.0, 0.0);
            int b = lastBatch;
            int g = lastGrid;
            dx = dp.reshape('c', b, g, g, channels, patch, patch).permute(0, 3, 1, 4, 2, 5).dup('c')
                    .reshape('c', b, channels, (long) g * patch, (long) g * patch);
        }
        lastPatches = null;
        return dx;
    }

    /** The conv weight seen as [D, C*P*P] (a view: the parameter is contiguous). */
    private INDArray matrix(INDArray w) {
        return w.reshape('c', w.size(0), patchLength());
    }

    /** The weight and bias parameters. */
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }
}
