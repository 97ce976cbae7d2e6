package org.pclora.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.pclora.core.PcLoraException;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.Parameter;
import org.pclora.core.registry.PluginRegistry;

class VitFamilyTest {
    private final VitFamily family = new VitFamily();

    private static long count(ClassifierModel m) {
        return m.parameters().stream().mapToLong(Parameter::size).sum();
    }

    @Test
    void isRegisteredUnderItsName() {
        assertTrue(PluginRegistry.load().modelFamily("vit") instanceof VitFamily);
        assertEquals(List.of("vit-ti16", "vit-s16", "vit-b16", "vit-l16"), family.architectures());
    }

    @Test
    void resolvesNamedArchitecturesAndOverrides() {
        Config b = family.resolve(ConfigFactory.parseMap(Map.of("arch", "vit-b16")));
        assertEquals(768, b.getInt("width"));
        assertEquals(12, b.getInt("depth"));
        assertEquals(12, b.getInt("heads"));
        assertEquals(3072, b.getInt("mlp"));
        assertEquals(224, b.getInt("image_size"));
        assertEquals(1000, b.getInt("num_classes"));
        assertEquals("vit", b.getString("family"));
        Config l = family.resolve(ConfigFactory.parseMap(Map.of("arch", "vit-l16")));
        assertEquals(24, l.getInt("depth"));
        assertEquals(16, l.getInt("heads"));
        assertEquals(4096, l.getInt("mlp"));
        // A free width without mlp keeps the 4x ratio.
        Config small = family.resolve(ConfigFactory.parseMap(Map.of("arch", "vit-ti16", "width", 64, "heads", 4,
                "image_size", 28, "patch_size", 7, "channels", 1, "num_classes", 10, "depth", 3)));
        assertEquals(256, small.getInt("mlp"));
        assertEquals(17, new VitModel(VitConfig.of(small), 1).tokens());
        assertEquals(768, family.resolve(ConfigFactory.empty()).getInt("width"), "vit-b16 by default");
    }

    @Test
    void resolvesCustomSizesAndIsAFixedPoint() {
        // The runner's conf/model/vit-mini.conf form.
        Config mini = family.resolve(ConfigFactory.parseMap(Map.ofEntries(Map.entry("family", "vit"),
                Map.entry("arch", "custom"), Map.entry("image_size", 28), Map.entry("patch_size", 7),
                Map.entry("channels", 1), Map.entry("depth", 4), Map.entry("width", 128), Map.entry("heads", 4),
                Map.entry("mlp", 256), Map.entry("qkv_bias", true), Map.entry("layer_norm_eps", 1e-12),
                Map.entry("num_classes", 10))));
        assertEquals(128, mini.getInt("width"));
        assertEquals(256, mini.getInt("mlp"));
        assertEquals("custom", mini.getString("arch"));
        assertEquals(mini, family.resolve(mini));
        Config b = family.resolve(ConfigFactory.parseMap(Map.of("arch", "vit-b16", "num_classes", 10)));
        assertEquals(b, family.resolve(b));
    }

    @Test
    void rejectsUnknownKeysNamesAndInconsistentSizes() {
        PcLoraException e = assertThrows(PcLoraException.class,
                () -> family.resolve(ConfigFactory.parseMap(Map.of("arch", "vit-b16", "hidden", 3))));
        assertTrue(e.getMessage().contains("'hidden'") && e.getMessage().contains("width")
                && e.getMessage().contains("num_classes"), e.getMessage());
        e = assertThrows(PcLoraException.class, () -> family.resolve(ConfigFactory.parseMap(Map.of("arch", "vit-h14"))));
        assertTrue(e.getMessage().contains("vit-b16"), e.getMessage());
        e = assertThrows(PcLoraException.class,
                () -> family.resolve(ConfigFactory.parseMap(Map.of("arch", "vit-b16", "heads", 5))));
        assertTrue(e.getMessage().contains("heads"), e.getMessage());
        e = assertThrows(PcLoraException.class,
                () -> family.resolve(ConfigFactory.parseMap(Map.of("arch", "vit-b16", "image_size", 100))));
        assertTrue(e.getMessage().contains("patch_size"), e.getMessage());
        assertThrows(PcLoraException.class,
                () -> family.resolve(ConfigFactory.parseMap(Map.of("arch", "vit-b16", "depth", "deep"))));
    }

    @Test
    void vitB16HasTheReferenceParameterCount() {
        // HF ViT-B/16 with a 1000-class head: 86,567,656 parameters (paper notes).
        assertEquals(86_567_656L, VitFamily.named("vit-b16").parameterCount());
        // The analytic count agrees with the parameters a created model really has: a full
        // vit-ti16 and a small model without qkv biases.
        VitConfig ti = VitFamily.named("vit-ti16");
        assertEquals(ti.parameterCount(), count(new VitModel(ti, 0)));
        VitConfig noBias = new VitConfig("x", 12, 4, 1, 2, 8, 2, 24, false, 1e-6, 5);
        assertEquals(noBias.parameterCount(), count(new VitModel(noBias, 0)));
    }

    @Test
    void defaultTargetsSelectTheSixBlockLinears() {
        ClassifierModel m = family.create(family.resolve(ConfigFactory.parseMap(Map.of("arch", "vit-ti16", "depth", 2,
                "width", 8, "heads", 2, "image_size", 8, "patch_size", 4))), 3);
        Pattern p = Pattern.compile(family.defaultTargets());
        List<String> slots = m.linearSlots().stream().map(LinearSlot::name).toList();
        assertEquals(12, slots.size());
        assertTrue(slots.stream().allMatch(n -> p.matcher(n).matches()), slots.toString());
        assertEquals(List.of("vit.encoder.layer.0.attention.attention.query", "vit.encoder.layer.0.attention.attention.key",
                "vit.encoder.layer.0.attention.attention.value", "vit.encoder.layer.0.attention.output.dense",
                "vit.encoder.layer.0.intermediate.dense", "vit.encoder.layer.0.output.dense"), slots.subList(0, 6));
        assertFalse(p.matcher("classifier").matches());
        assertFalse(p.matcher("vit.embeddings.patch_embeddings.projection").matches());
    }

    @Test
    void countsMacsOutsideTheSlots() {
        VitModel m = new VitModel(new VitConfig("x", 8, 4, 3, 2, 8, 2, 16, true, 1e-12, 3), 0);
        // 4 patches x 8 outputs x 48 inputs; 2 blocks x 2 x 5 x 5 x 8; 8 x 3.
        assertEquals(Map.of("patch_embedding", 1536L, "attention_scores", 800L, "classifier", 24L), m.otherMacs());
        assertEquals(5, m.tokens());
    }

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    /** The kit's shared checks, as the core test family passes them. */
    @Test
    void passesTheKitsStateDictRoundTrip() {
        Config a = family.resolve(ConfigFactory.parseMap(Map.of("arch", "custom", "image_size", 8, "patch_size", 4,
                "channels", 1, "depth", 2, "width", 8, "heads", 2, "num_classes", 3)));
        Config wider = family.resolve(a.withValue("width", ConfigFactory.parseMap(Map.of("w", 16)).getValue("w")));
        org.pclora.core.testing.FamilyChecks.stateDictRoundTrip(family, a, wider, dir);
    }
}
