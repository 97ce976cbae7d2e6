/**
 * Checks of the runtime environment, such as a BLAS that runs far below this machine's speed.
 */
package org.pclora.core.env;
