/**
 * Loading of external plugin jars from plugin directories and the origin of each plugin.
 */
package org.pclora.experiments.plugins;
