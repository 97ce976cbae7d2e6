package org.pclora.experiments.run;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.Provider;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.MapBinder;
import java.util.Map;
import org.pclora.core.PcLoraException;
import org.pclora.experiments.run.slurm.Slurm;
import org.pclora.experiments.run.slurm.SlurmLauncher;

/**
 * The sweep launchers by name ({@code launcher.name}, a {@code conf/launcher/*.conf} file): each
 * name bound to its {@link SweepLauncher} class, which Guice builds with the {@link SweepContext}.
 * Another launcher is one class, one line here and its conf file.
 */
public final class Launchers extends AbstractModule {
    private final SweepContext context;

    private Launchers(SweepContext context) {
        this.context = context;
    }

    @Override
    protected void configure() {
        bind(SweepContext.class).toInstance(context);
        bind(Slurm.class).toProvider(Slurm::commands);
        MapBinder<String, SweepLauncher> byName = MapBinder.newMapBinder(binder(), String.class, SweepLauncher.class);
        byName.addBinding("local").to(LocalLauncher.class);
        byName.addBinding("slurm").to(SlurmLauncher.class);
    }

    /** The launcher called {@code name}; an unknown name is a one-line error listing the launchers. */
    public static SweepLauncher named(String name, SweepContext context) {
        Map<String, Provider<SweepLauncher>> all = Guice.createInjector(new Launchers(context))
                .getInstance(Key.get(new TypeLiteral<Map<String, Provider<SweepLauncher>>>() { }));
        Provider<SweepLauncher> p = all.get(name);
        if (p == null) {
            throw new PcLoraException("launcher.name = '" + name + "' is not accepted: use one of "
                    + String.join(", ", new java.util.TreeSet<>(all.keySet())));
        }
        return p.get();
    }
}
