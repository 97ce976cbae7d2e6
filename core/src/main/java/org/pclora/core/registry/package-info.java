/**
 * The one plugin registry, filled through {@link java.util.ServiceLoader}; plugins are looked up
 * by kind and name.
 */
package org.pclora.core.registry;
