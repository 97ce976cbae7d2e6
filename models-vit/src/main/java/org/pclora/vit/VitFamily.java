package org.pclora.vit;

import com.typesafe.config.Config;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.family.TransformerFamily;
import org.pclora.core.spi.PluginParameter;
import org.pclora.vit.data.Bilinear;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model family {@code vit}: HF-compatible Vision Transformers, declared on the core model kit.
 *
 * <p>Named architectures (all MLP 4 x width, image 224, patch 16, 3 channels, LayerNorm epsilon
 * 1e-12, qkv bias, 1000 classes): {@code vit-ti16} (width 192, depth 12, 3 heads),
 * {@code vit-s16} (384/12/6), {@code vit-b16} (768/12/12), {@code vit-l16} (1024/24/16).
 *
 * <p>Model config keys: {@code arch} (one of the above, or {@code custom}: vit-b16's values as the
 * base for the sizes given; default {@code vit-b16}), optional {@code family}, and the free sizes
 * {@code image_size}, {@code patch_size}, {@code channels}, {@code depth}, {@code width},
 * {@code heads}, {@code mlp} (default 4 x width), {@code qkv_bias}, {@code layer_norm_eps},
 * {@code num_classes}, which override the named architecture's values.
 *
 * <p>Checkpoints are safetensors with HF {@code ViTForImageClassification} names, HF
 * {@code ViTModel} names (no {@code vit.} prefix, no head; a pooler is skipped), or this project's
 * exports. Position embeddings of another grid are resized bilinearly.
 */
public final class VitFamily extends TransformerFamily<VitModel> {
    /** The family name. */
    public static final String NAME = "vit";
    /** Architecture used when the model config names none. */
    public static final String DEFAULT_ARCHITECTURE = "vit-b16";
    /** Architecture name for free sizes: vit-b16's values overridden by the keys given. */
    public static final String CUSTOM = "custom";

    private static final Logger LOG = LoggerFactory.getLogger(VitFamily.class);
    private static final PluginParameter.Type INTEGER = PluginParameter.Type.INTEGER;
    private static final Map<String, Map<String, Object>> NAMED = new LinkedHashMap<>();

    static {
        named("vit-ti16", 192, 12, 3);
        named("vit-s16", 384, 12, 6);
        named("vit-b16", 768, 12, 12);
        named("vit-l16", 1024, 24, 16);
    }

    private static void named(String name, int width, int depth, int heads) {
        NAMED.put(name, Map.of("image_size", 224, "patch_size", 16, "channels", 3, "depth", depth, "width", width,
                "heads", heads, "qkv_bias", true, "layer_norm_eps", 1e-12, "num_classes", 1000));
    }

    public VitFamily() {
        super(NAME, DEFAULT_ARCHITECTURE, DEFAULT_ARCHITECTURE, NAMED, Map.of("image_size", INTEGER, "patch_size",
                INTEGER, "channels", INTEGER, "depth", INTEGER, "width", INTEGER, "heads", INTEGER, "mlp", INTEGER,
                "qkv_bias", PluginParameter.Type.BOOLEAN, "layer_norm_eps", PluginParameter.Type.NUMBER, "num_classes",
                INTEGER));
    }

    @Override
    public String description() {
        return "Vision Transformer (HF ViTForImageClassification layout): vit-ti16, vit-s16, vit-b16, vit-l16 or free sizes";
    }

    /** The named architecture's sizes. */
    public static VitConfig named(String name) {
        return VitConfig.of(new VitFamily().resolve(com.typesafe.config.ConfigFactory.parseMap(Map.of("arch", name))));
    }

    @Override
    protected Config complete(Config c, String arch) {
        int width = c.getInt("width");
        return new VitConfig(arch, c.getInt("image_size"), c.getInt("patch_size"), c.getInt("channels"),
                c.getInt("depth"), width, c.getInt("heads"), c.hasPath("mlp") ? c.getInt("mlp") : 4 * width,
                c.getBoolean("qkv_bias"), c.getDouble("layer_norm_eps"), c.getInt("num_classes")).toConfig();
    }

    @Override
    protected VitModel build(Config architecture, long seed) {
        return new VitModel(VitConfig.of(architecture), seed);
    }

    /** HF's ViTConfig names. */
    @Override
    protected Map<String, String> hfKeys() {
        return Map.of("hidden_size", "width", "num_hidden_layers", "depth", "num_attention_heads", "heads",
                "intermediate_size", "mlp", "image_size", "image_size", "patch_size", "patch_size",
                "num_channels", "channels", "qkv_bias", "qkv_bias", "layer_norm_eps", "layer_norm_eps");
    }

    @Override
    protected List<String> structuralKeys() {
        return List.of("patch_size", "channels", "depth", "width", "heads", "mlp", "qkv_bias");
    }

    /** The six linears of every block: query, key, value, attention output, MLP in and out. */
    @Override
    public String defaultTargets() {
        return "vit\\.encoder\\.layer\\.\\d+\\.(attention\\.attention\\.(query|key|value)|attention\\.output\\.dense"
                + "|intermediate\\.dense|output\\.dense)";
    }

    /** HF ViTModel names get the {@code vit.} prefix; its pooler is skipped. */
    @Override
    protected String tensorName(String name) {
        if (name.startsWith("embeddings.") || name.startsWith("encoder.") || name.startsWith("layernorm.")
                || name.startsWith("pooler.")) {
            name = "vit." + name;
        }
        return name.startsWith("vit.pooler.") ? null : name;
    }

    /** Resizes position embeddings of another patch grid to the model's. */
    @Override
    protected Map<String, INDArray> adapt(String source, Map<String, INDArray> tensors, VitModel model) {
        VitConfig cfg = model.config();
        String posName = "vit.embeddings.position_embeddings";
        INDArray pos = tensors.get(posName);
        if (pos != null && pos.rank() == 3 && pos.size(2) == cfg.width() && pos.size(1) != cfg.tokens()) {
            long n = pos.size(1) - 1;
            int g = (int) Math.round(Math.sqrt(n));
            if (n < 1 || (long) g * g != n) {
                throw new PcLoraException("checkpoint " + source + ": " + posName + " has " + pos.size(1)
                        + " positions, not 1 + a square grid; it cannot be resized to " + cfg.tokens());
            }
            LOG.info("checkpoint {}: resizing position embeddings from a {}x{} to a {}x{} patch grid (bilinear)",
                    source, g, g, cfg.grid(), cfg.grid());
            tensors.put(posName, interpolatePositions(pos, cfg.grid()));
        }
        return tensors;
    }

    /**
     * Position embeddings [1, 1 + g*g, D] resized to [1, 1 + n*n, D]: the class-token row is
     * kept and the patch grid is resampled bilinearly (half-pixel centres, as PyTorch's
     * {@code interpolate(mode="bilinear", align_corners=False)}).
     */
    public static INDArray interpolatePositions(INDArray pos, int newGrid) {
        int d = (int) pos.size(2);
        int g = (int) Math.round(Math.sqrt(pos.size(1) - 1));
        double[] flat = pos.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
        double[] src = new double[d * g * g];
        // Rows 1..g*g of [T, D] become D planes of g x g.
        for (int p = 0; p < g * g; p++) {
            for (int c = 0; c < d; c++) {
                src[c * g * g + p] = flat[(1 + p) * d + c];
            }
        }
        double[] dst = new double[d * newGrid * newGrid];
        new Bilinear(g, g, newGrid, newGrid).apply(src, 0, dst, 0, d);
        int t = 1 + newGrid * newGrid;
        double[] out = new double[t * d];
        System.arraycopy(flat, 0, out, 0, d);
        for (int p = 0; p < newGrid * newGrid; p++) {
            for (int c = 0; c < d; c++) {
                out[(1 + p) * d + c] = dst[c * newGrid * newGrid + p];
            }
        }
        return Nd4j.create(out, new long[] {1, t, d}, org.nd4j.linalg.api.buffer.DataType.DOUBLE).castTo(pos.dataType());
    }
}
