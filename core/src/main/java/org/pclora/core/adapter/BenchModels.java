package org.pclora.core.adapter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.pclora.core.PcLoraException;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.Init;
import org.pclora.core.nn.Parameter;

/**
 * The models the benchmarks measure, made the way a run makes them: {@code pclora bench} and the
 * peer benchmark share these, so that both time what {@code pclora run} executes.
 */
public final class BenchModels {
    private BenchModels() {
    }

    /** The adapter of every benchmark: rank r, alpha 2r, adapter bias, Kaiming-uniform A, seed 2. */
    public static AdapterSpec spec(int rank) {
        return new AdapterSpec(rank, 2.0 * rank, AdapterSpec.BiasPolicy.ADAPTER, AdapterSpec.InitPolicy.KAIMING_UNIFORM, 2);
    }

    /**
     * Puts adapters of {@link #spec} on every linear slot of {@code model} at decay factor
     * {@code lambda} (a PC-LoRA student as training makes it) and returns the trainable parameters.
     */
    public static List<Parameter> student(ClassifierModel model, AdapterMaker factory, int rank, double lambda) {
        Adapters.apply(model, factory, spec(rank), ".*");
        Adapters.setLambda(model, lambda);
        return model.parameters().stream().filter(Parameter::isTrainable).toList();
    }

    /**
     * The student that inference benchmarks compress: {@code student}, a fresh model of dense's family
     * and architecture, takes dense's weights (copied by name) and adapters of {@link #spec} whose B
     * and adapter bias are drawn from N(0, 0.02^2) (seed {@code seed}, layer by layer, B first) so
     * that the adapters contribute; lambda 0. {@link Adapters#compress} makes the compressed model.
     */
    public static ClassifierModel lambdaZeroStudent(ClassifierModel dense, ClassifierModel student, AdapterMaker factory,
                                                    int rank, long seed) {
        copyByName(dense, student);
        SplittableRandom rng = new SplittableRandom(seed);
        for (AdapterLayer a : Adapters.apply(student, factory, spec(rank), ".*")) {
            if (!(a instanceof PcLoraLinear p)) {
                throw new PcLoraException("adapter " + a.name() + " is not a PC-LoRA layer: the compressed benchmark model"
                        + " needs factory pclora");
            }
            for (Parameter q : p.adapterBias() == null ? List.of(p.b()) : List.of(p.b(), p.adapterBias())) {
                q.value().assign(Init.normal(rng, 0.02, q.value().dataType(), q.value().shape()));
            }
        }
        Adapters.setLambda(student, 0.0);
        return student;
    }

    /** Sets every parameter of {@code to} from the parameter of {@code from} with the same name. */
    static void copyByName(ClassifierModel from, ClassifierModel to) {
        Map<String, Parameter> source = new LinkedHashMap<>();
        for (Parameter p : from.parameters()) {
            source.put(p.name(), p);
        }
        for (Parameter p : to.parameters()) {
            Parameter s = source.get(p.name());
            if (s == null) {
                throw new IllegalArgumentException("no parameter " + p.name() + " to copy from " + from.family());
            }
            p.set(s.value());
        }
    }
}
