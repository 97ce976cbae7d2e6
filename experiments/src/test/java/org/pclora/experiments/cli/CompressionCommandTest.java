package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompressionCommandTest {
    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();

    /**
     * {@code model=} takes conf/model options (vit-mini: arch = custom) as run does. Dense count by
     * hand for 4 blocks x 128, mlp 256, patch 7 on 28x28x1, 10 classes: patch embedding
     * 7*7*128 + 128 = 6,400; CLS 128; positions 17*128 = 2,176; per block 2 LayerNorms 512, qkv
     * 3*(128*128 + 128) = 49,536, output 16,512, MLP 33,024 + 32,896, so 132,480, times 4 = 529,920;
     * final LayerNorm 256; head 1,290: 540,170.
     */
    @Test
    void aConfModelOptionIsAcceptedLikeANamedArchitecture() {
        for (Map<String, String> env : new Map[] {Map.of(), Map.of("PCLORA_HOME", HOME.toString())}) {
            Path wd = env.isEmpty() ? HOME : Path.of("/");
            CliRun r = CliRun.of(env, wd, "compression", "model=vit-mini", "rank=8");
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().startsWith("vit-mini, rank 8:"), r.out());
            assertTrue(r.out().contains("540,170"), r.out());
        }
        CliRun named = CliRun.of(HOME, "compression", "model=bert-mini", "rank=8");
        assertEquals(0, named.status(), named.err());
        CliRun unknown = CliRun.of(HOME, "compression", "model=vit-nano");
        assertEquals(PcLoraCli.USER_ERROR, unknown.status());
        assertTrue(unknown.err().contains("'vit-nano' is neither a named architecture nor a conf/model option"), unknown.err());
    }

    /**
     * {@code --config-dir} names the conf/ tree for model names too, as for run. A conf/model
     * option there: vit, 1 block x 16, mlp 32, patch 7 on 28x28x1, 10 classes. By hand: patch
     * embedding 7*7*16 + 16 = 800; CLS 16; positions 17*16 = 272; the block: 2 LayerNorms 64, qkv
     * 3*(16*16 + 16) = 816, output 272, MLP 16*32 + 32 + 32*16 + 16 = 1,072, so 2,224; final
     * LayerNorm 32; head 170: 3,514.
     */
    @Test
    void modelNamesAreFoundInTheConfigDirGiven(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("conf/model"));
        java.nio.file.Files.writeString(dir.resolve("conf/model/vit-tiny.conf"), "family = vit\narch = custom\n"
                + "image_size = 28\npatch_size = 7\nchannels = 1\ndepth = 1\nwidth = 16\nheads = 2\nmlp = 32\n"
                + "num_classes = 10\n");
        CliRun r = CliRun.of(HOME, "compression", "--config-dir=" + dir.resolve("conf"), "model=vit-tiny", "rank=2");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("vit-tiny, rank 2:"), r.out());
        assertTrue(r.out().contains("3,514"), r.out());
        CliRun relative = CliRun.of(dir, "compression", "--config-dir=conf", "model=vit-tiny", "rank=2");
        assertEquals(0, relative.status(), relative.err());
    }

    @Test
    void aRankWhoseAdaptersOutgrowTheirLayersIsWarnedAbout(@org.junit.jupiter.api.io.TempDir java.nio.file.Path wd) {
        // vit-mini: width 128, MLP 256, depth 4, six adapted maps a layer. Attention maps 128 x 128: 16,384 weights
        // against 100 * 256 = 25,600 in a rank-100 adapter; MLP maps 128 x 256: 32,768 against 38,400: all 24 larger.
        // Largest rank below every layer: min(floor(16,383 / 256), floor(32,767 / 384)) = min(63, 85) = 63.
        CliRun r = CliRun.of(java.util.Map.of("PCLORA_HOME", java.nio.file.Path.of("..").toAbsolutePath().normalize().toString()),
                wd, "compression", "model=vit-mini", "rank=100");
        org.junit.jupiter.api.Assertions.assertEquals(0, r.status(), r.err());
        String warn = r.err().lines().filter(l -> l.startsWith("[WARN] ")).findFirst().orElseThrow(() -> new AssertionError(r.err()));
        org.junit.jupiter.api.Assertions.assertTrue(warn.startsWith("[WARN] rank 100 makes the adapters of 24 of 24 adapted layers as"
                + " large as the layers they replace or larger (e.g. vit.encoder.layer.0.attention.attention.query [128 x 128]:"
                + " 16384 weights, its adapter 25600)"), warn);
        org.junit.jupiter.api.Assertions.assertTrue(warn.endsWith("rank 63 or less keeps every adapter smaller"), warn);
        CliRun fine = CliRun.of(java.util.Map.of("PCLORA_HOME", java.nio.file.Path.of("..").toAbsolutePath().normalize().toString()),
                wd, "compression", "model=vit-mini", "rank=63");
        org.junit.jupiter.api.Assertions.assertFalse(fine.err().contains("[WARN]"), fine.err());
    }
}
