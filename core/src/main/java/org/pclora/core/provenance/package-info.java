/**
 * How a result was made, as a typed {@code Provenance}: code version (commit, dirty flag, code
 * hash), plugin versions under one scheme, the resolved configuration and SHA-256 hashes of data
 * files and the teacher checkpoint.
 */
package org.pclora.core.provenance;
