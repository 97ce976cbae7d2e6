/**
 * The built-in adapter plugins {@code pclora} and {@code lora}, registered with {@link
 * java.util.ServiceLoader} like any external adapter.
 */
package org.pclora.core.adapter.plugin;
