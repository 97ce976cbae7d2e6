/**
 * Parameter, multiply-add and FLOP counting: {@code Accounting} counts dense and compressed sizes
 * per layer kind, {@code UsefulFlops} is the one FLOP rule that {@code pclora bench} and the JMH
 * benchmarks share.
 */
package org.pclora.core.accounting;
