/**
 * The standard decay schedules lambda(n) of PC-LoRA, found by name through
 * {@link java.util.ServiceLoader} ({@code META-INF/services/org.pclora.core.spi.DecaySchedule}).
 */
package org.pclora.schedulers;
