package org.pclora.core.adapter.plugin;

import org.pclora.core.adapter.AdapterLayer;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.adapter.PcLoraLinear;
import org.pclora.core.nn.Linear;
import org.pclora.core.spi.AdapterFactory;

/** The {@code pclora} adapter: {@link PcLoraLinear} whose frozen path is decayed by lambda. */
public final class PcLoraAdapterFactory implements AdapterFactory {
    @Override
    public String name() {
        return "pclora";
    }

    @Override
    public String description() {
        return "PC-LoRA: y = lambda*(W0 x + b0) + s*B(A x) + b_A, frozen path decayed to 0 and then skipped";
    }

    @Override
    public AdapterLayer wrap(Linear dense, AdapterSpec spec) {
        return PcLoraLinear.pcLora(dense, spec);
    }
}
