package org.pclora.core.adapter;

import org.pclora.core.nn.Linear;

/**
 * Wraps a frozen dense linear layer into an adapter layer; what {@link Adapters#apply} needs of an
 * adapter plugin ({@code AdapterFactory} adds its name and description).
 */
@FunctionalInterface
public interface AdapterMaker {
    /**
     * Freezes {@code dense} (weight and bias) and returns the adapter layer around it.
     * Throws {@link org.pclora.core.PcLoraException} when the spec does not fit the layer.
     */
    AdapterLayer wrap(Linear dense, AdapterSpec spec);
}
