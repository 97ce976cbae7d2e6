package org.pclora.core.spi;

import org.pclora.core.adapter.AdapterLayer;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.nn.Linear;

/** Wraps a frozen dense linear layer into an adapter layer (e.g. {@code pclora}, {@code lora}). */
public interface AdapterFactory extends Plugin {
    /**
     * Freezes {@code dense} (weight and bias) and returns the adapter layer around it.
     * Throws {@link org.pclora.core.PcLoraException} when the spec does not fit the layer.
     */
    AdapterLayer wrap(Linear dense, AdapterSpec spec);
}
