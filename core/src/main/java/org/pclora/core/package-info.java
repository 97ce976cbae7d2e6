/**
 * The PC-LoRA engine and its plugin SPIs. This root package holds only {@link
 * org.pclora.core.PcLoraException}, the one exception type whose message is shown to users as a
 * one-line error.
 */
package org.pclora.core;
