package org.pclora.core.spi;

/**
 * Something found at run time through {@link java.util.ServiceLoader}: a decay schedule, a
 * distillation loss, an adapter factory, a model family or a dataset provider (the kinds of
 * {@link org.pclora.core.registry.PluginRegistry.Kind}). Implementations need a public
 * no-argument constructor; configured copies are made with the kind's own {@code configure}.
 */
public interface Plugin {
    /** The name users select it by, e.g. {@code sine} or {@code feature-mse}; unique within its kind. */
    String name();

    /** One line for {@code pclora plugins}. */
    String description();

    /**
     * The parameters this plugin reads from its configuration group ({@code schedule.<name>},
     * {@code distill.<name>}, {@code model.<name>}, {@code dataset.<name>}), with their types and
     * defaults. Declared parameters give a plugin selected by name ({@code schedule=my-schedule})
     * its defaults when no conf file exists, and let misspelt or mistyped keys be refused with the
     * nearest declared name before the plugin sees them. The default says nothing: the plugin then
     * receives every key of its group and must check them itself.
     */
    default PluginParameters parameters() {
        return PluginParameters.undeclared();
    }

    /**
     * Plugin version, reported in run provenance: the jar's Implementation-Version, else the
     * project version of this build of core (one scheme for built-in and external plugins).
     */
    default String version() {
        String v = getClass().getPackage() == null ? null : getClass().getPackage().getImplementationVersion();
        return v == null ? org.pclora.core.provenance.Provenance.projectVersion() : v;
    }
}
