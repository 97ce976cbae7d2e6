package org.pclora.vit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pclora.core.PcLoraException;

/**
 * The sizes of one ViT ({@code ViTForImageClassification} of HF transformers), as read from and
 * written to a resolved architecture config. Keys: {@code family} ({@code vit}), {@code arch},
 * {@code image_size}, {@code patch_size}, {@code channels}, {@code depth}, {@code width},
 * {@code heads}, {@code mlp}, {@code qkv_bias}, {@code layer_norm_eps}, {@code num_classes}.
 *
 * @param name         architecture name ({@code arch}): a named config such as {@code vit-b16}, or
 *                     {@code custom}; the sizes below are what counts
 * @param imageSize    side of the square input image in pixels
 * @param patchSize    side of the square patches; must divide the image size
 * @param channels     input channels
 * @param depth        number of transformer blocks
 * @param width        hidden size D
 * @param heads        attention heads; must divide the width
 * @param mlp          inner size of the MLP
 * @param qkvBias      whether query, key and value have biases
 * @param layerNormEps epsilon of every LayerNorm
 * @param numClasses   classes of the head
 */
public record VitConfig(String name, int imageSize, int patchSize, int channels, int depth, int width, int heads,
                        int mlp, boolean qkvBias, double layerNormEps, int numClasses) {

    /** Checks the sizes; a bad one raises PcLoraException naming the key. */
    public VitConfig {
        positive("image_size", imageSize);
        positive("patch_size", patchSize);
        positive("channels", channels);
        positive("depth", depth);
        positive("width", width);
        positive("heads", heads);
        positive("mlp", mlp);
        positive("num_classes", numClasses);
        if (imageSize % patchSize != 0) {
            throw new PcLoraException("vit architecture " + name + ": image_size " + imageSize
                    + " is not a multiple of patch_size " + patchSize + "; choose sizes with image_size % patch_size == 0");
        }
        if (width % heads != 0) {
            throw new PcLoraException("vit architecture " + name + ": width " + width + " is not a multiple of heads "
                    + heads + "; choose sizes with width % heads == 0");
        }
        if (!(layerNormEps > 0)) {
            throw new PcLoraException("vit architecture " + name + ": layer_norm_eps " + layerNormEps
                    + " is not accepted; it must be positive");
        }
    }

    private static void positive(String key, int v) {
        if (v < 1) {
            throw new PcLoraException("vit architecture key '" + key + "' = " + v + " is not accepted; it must be at least 1");
        }
    }

    /** Patches along one side of the image. */
    public int grid() {
        return imageSize / patchSize;
    }

    /** Patches per image. */
    public int patches() {
        return grid() * grid();
    }

    /** Tokens the blocks see: the class token and one per patch. */
    public int tokens() {
        return patches() + 1;
    }

    /** Values per flattened patch, C * P * P. */
    public int patchLength() {
        return channels * patchSize * patchSize;
    }

    /** Width of one attention head. */
    public int headWidth() {
        return width / heads;
    }

    /**
     * Parameters of the dense model, counted from the sizes: patch projection (weight and bias),
     * class token, position embeddings, per block two LayerNorms, query/key/value (with biases when
     * {@code qkv_bias}), attention output, MLP in and out (with biases), the final LayerNorm and
     * the head (weight and bias).
     */
    public long parameterCount() {
        long d = width;
        long embeddings = d * patchLength() + d + d + (long) tokens() * d;
        long attention = 4 * d * d + d + (qkvBias ? 3 * d : 0);
        long mlpParams = d * mlp + mlp + (long) mlp * d + d;
        long block = attention + mlpParams + 4 * d;
        return embeddings + depth * block + 2 * d + d * numClasses + numClasses;
    }

    /** The resolved architecture config (with {@code family = vit}). */
    public Config toConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("family", VitFamily.NAME);
        m.put("arch", name);
        m.put("image_size", imageSize);
        m.put("patch_size", patchSize);
        m.put("channels", channels);
        m.put("depth", depth);
        m.put("width", width);
        m.put("heads", heads);
        m.put("mlp", mlp);
        m.put("qkv_bias", qkvBias);
        m.put("layer_norm_eps", layerNormEps);
        m.put("num_classes", numClasses);
        return ConfigFactory.parseMap(m);
    }

    /** Reads a resolved architecture config (every size key present). */
    public static VitConfig of(Config c) {
        try {
            return new VitConfig(c.hasPath("arch") ? c.getString("arch") : VitFamily.CUSTOM, c.getInt("image_size"),
                    c.getInt("patch_size"), c.getInt("channels"), c.getInt("depth"), c.getInt("width"),
                    c.getInt("heads"), c.getInt("mlp"), c.getBoolean("qkv_bias"), c.getDouble("layer_norm_eps"),
                    c.getInt("num_classes"));
        } catch (ConfigException e) {
            throw new PcLoraException("vit architecture config is incomplete or mistyped (" + e.getMessage()
                    + "); resolve it with the vit model family first");
        }
    }

    /** The same sizes with another image size. */
    public VitConfig withImageSize(int size) {
        return new VitConfig(name, size, patchSize, channels, depth, width, heads, mlp, qkvBias, layerNormEps, numClasses);
    }

    /** The same sizes with another class count. */
    public VitConfig withNumClasses(int classes) {
        return new VitConfig(name, imageSize, patchSize, channels, depth, width, heads, mlp, qkvBias, layerNormEps, classes);
    }
}
