package org.pclora.core.adapter.plugin;

import org.pclora.core.adapter.AdapterLayer;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.adapter.PcLoraLinear;
import org.pclora.core.nn.Linear;
import org.pclora.core.spi.AdapterFactory;

/** The {@code lora} adapter: plain LoRA, the frozen path keeps weight 1 (LoRA + KD baseline). */
public final class LoraAdapterFactory implements AdapterFactory {
    @Override
    public String name() {
        return "lora";
    }

    @Override
    public String description() {
        return "plain LoRA: y = W0 x + b0 + s*B(A x) + b_A, lambda ignored (no compression)";
    }

    @Override
    public AdapterLayer wrap(Linear dense, AdapterSpec spec) {
        return PcLoraLinear.lora(dense, spec);
    }
}
