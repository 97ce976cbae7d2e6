/**
 * The plugin SPIs: decay schedules, distillation losses, adapter factories, model families and
 * dataset providers. Plugin modules implement these and register them with {@link
 * java.util.ServiceLoader}; the engine packages below do not depend on this package, so it has no
 * package cycles.
 */
package org.pclora.core.spi;
