/** Memory management of training steps: the reused ND4J step workspace ({@link org.pclora.core.memory.StepWorkspace}). */
package org.pclora.core.memory;
