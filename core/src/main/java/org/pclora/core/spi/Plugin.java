package org.pclora.core.spi;

/**
 * Something found at run time through {@link java.util.ServiceLoader}: a decay schedule, a
 * distillation loss, an adapter factory or a model family. Implementations need a public
 * no-argument constructor; configured copies are made with the kind's own {@code configure}.
 */
public interface Plugin {
    /** The name users select it by, e.g. {@code sine} or {@code feature-mse}; unique within its kind. */
    String name();

    /** One line for {@code pclora plugins}. */
    String description();

    /**
     * Plugin version, reported in run provenance: the jar's Implementation-Version, else the
     * project version of this build of core (one scheme for built-in and external plugins).
     */
    default String version() {
        String v = getClass().getPackage() == null ? null : getClass().getPackage().getImplementationVersion();
        return v == null ? org.pclora.core.provenance.Provenance.projectVersion() : v;
    }
}
