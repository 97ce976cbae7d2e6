/**
 * The {@code pclora} command line (picocli): each command parses its arguments, calls the engine
 * or the run layer and prints the result.
 */
package org.pclora.experiments.cli;
