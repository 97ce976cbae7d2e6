/**
 * Hydra-style configuration: composition of {@code conf/} groups with overrides (including
 * deprecated key spellings) and sweep expansion.
 */
package org.pclora.experiments.config;
