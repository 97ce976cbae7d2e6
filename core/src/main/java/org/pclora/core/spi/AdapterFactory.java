package org.pclora.core.spi;

import org.pclora.core.adapter.AdapterMaker;

/** An adapter plugin (e.g. {@code pclora}, {@code lora}): an {@link AdapterMaker} found by name. */
public interface AdapterFactory extends Plugin, AdapterMaker {
}
