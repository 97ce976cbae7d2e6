/**
 * Plugins as the run's configuration sees them: the configuration groups that select a plugin by
 * name and check its parameters ({@code PluginGroups}), the plugin directories and jars searched
 * at start-up ({@code PluginLoader}), and where each plugin came from ({@code Origins}).
 */
package org.pclora.experiments.plugins;
