package org.pclora.core.optim;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pclora.core.PcLoraException;
import org.pclora.core.nn.Parameter;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), step for step as
 * {@code torch.optim.AdamW}: for each trainable parameter p with gradient g at its t-th step,
 * <pre>
 *   p  = p * (1 - lr * weightDecay)            only if p.weightDecay()
 *   m  = beta1 m + (1 - beta1) g
 *   v  = beta2 v + (1 - beta2) g^2
 *   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * Biases and LayerNorm parameters carry {@code weightDecay() == false}. Frozen parameters are
 * skipped and get no state. Everything is elementwise native arithmetic in a fixed parameter
 * order, so a run is deterministic.
 */
public final class AdamW {
    /** Default first-moment decay. */
    public static final double BETA1 = 0.9;
    /** Default second-moment decay. */
    public static final double BETA2 = 0.999;
    /** Default denominator epsilon. */
    public static final double EPS = 1e-8;
    /** Default decoupled weight decay. */
    public static final double WEIGHT_DECAY = 0.01;

    private final List<Parameter> parameters;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<Parameter, State> state = new IdentityHashMap<>();
    private long steps;
    private Packed packed;

    /** Moments and step count of one parameter. */
    private static final class State {
        final INDArray m;
        final INDArray v;
        long t;

        State(INDArray like) {
            m = like.ulike().assign(0);
            v = like.ulike().assign(0);
        }

        State(INDArray m, INDArray v) {
            this.m = m;
            this.v = v;
        }
    }

    /**
     * The trainable parameters of the same dtype packed into flat buffers (decaying ones first),
     * so that one step is a dozen native operations instead of a dozen per parameter: with ~100
     * small tensors the per-operation overhead otherwise dominates a small model's step.
     */
    private static final class Packed {
        final List<Parameter> params;
        final INDArray values;
        final INDArray grads;
        final INDArray m;
        final INDArray v;
        final INDArray scratch;
        final long decayLength;
        final List<INDArray> gradViews;

        Packed(List<Parameter> params, INDArray values, INDArray grads, INDArray m, INDArray v, long decayLength) {
            this.params = params;
            this.gradViews = params.stream().map(Parameter::grad).toList();
            this.values = values;
            this.grads = grads;
            this.m = m;
            this.v = v;
            this.scratch = grads.ulike();
            this.decayLength = decayLength;
        }

        /** Whether every packed parameter is still trainable with its packed gradient buffer. */
        boolean intact(Map<Parameter, State> state) {
            for (int i = 0; i < params.size(); i++) {
                Parameter p = params.get(i);
                if (!p.isTrainable() || p.grad() != gradViews.get(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * @param parameters  the model's parameters (frozen ones are skipped at each step, so a
     *                    parameter unfrozen later starts with zero moments)
     * @param beta1       first-moment decay in [0, 1)
     * @param beta2       second-moment decay in [0, 1)
     * @param eps         denominator epsilon, positive
     * @param weightDecay decoupled decay coefficient, non-negative
     */
    public AdamW(List<Parameter> parameters, double beta1, double beta2, double eps, double weightDecay) {
        check(beta1 >= 0 && beta1 < 1, "beta1", beta1, "a number in [0, 1)");
        check(beta2 >= 0 && beta2 < 1, "beta2", beta2, "a number in [0, 1)");
        check(eps > 0, "eps", eps, "a positive number");
        check(weightDecay >= 0, "weight decay", weightDecay, "a number >= 0");
        this.parameters = List.copyOf(parameters);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        pack();
    }

    /** Packs the parameters trainable now when they share one dtype; otherwise steps per parameter. */
    private void pack() {
        List<Parameter> trainable = new java.util.ArrayList<>();
        for (Parameter p : this.parameters) {
            if (p.isTrainable()) {
                trainable.add(p);
            }
        }
        if (trainable.isEmpty() || trainable.stream().map(p -> p.value().dataType()).distinct().count() != 1) {
            return;
        }
        List<Parameter> ordered = new java.util.ArrayList<>();
        trainable.stream().filter(Parameter::weightDecay).forEach(ordered::add);
        long decayLength = ordered.stream().mapToLong(Parameter::size).sum();
        trainable.stream().filter(p -> !p.weightDecay()).forEach(ordered::add);
        long total = ordered.stream().mapToLong(Parameter::size).sum();
        org.nd4j.linalg.api.buffer.DataType dt = ordered.get(0).value().dataType();
        INDArray values = org.nd4j.linalg.factory.Nd4j.create(dt, total);
        INDArray grads = org.nd4j.linalg.factory.Nd4j.create(dt, total);
        INDArray m = org.nd4j.linalg.factory.Nd4j.create(dt, total);
        INDArray v = org.nd4j.linalg.factory.Nd4j.create(dt, total);
        long offset = 0;
        for (Parameter p : ordered) {
            long n = p.size();
            long[] shape = p.value().shape();
            org.nd4j.linalg.indexing.INDArrayIndex range = org.nd4j.linalg.indexing.NDArrayIndex.interval(offset, offset + n);
            p.rebind(values.get(range).reshape('c', shape), grads.get(range).reshape('c', shape));
            state.put(p, new State(m.get(range).reshape('c', shape), v.get(range).reshape('c', shape)));
            offset += n;
        }
        packed = new Packed(List.copyOf(ordered), values, grads, m, v, decayLength);
    }

    /**
     * Clips the global gradient norm of the trainable parameters to {@code maxNorm} (as
     * {@link GradientClipping#clipGlobalNorm}) and returns the norm before clipping.
     */
    public double clipGlobalNorm(double maxNorm) {
        if (packed == null || !packed.intact(state) || parameters.stream().anyMatch(p -> p.isTrainable() && !state.containsKey(p))) {
            return GradientClipping.clipGlobalNorm(parameters, maxNorm);
        }
        if (!(maxNorm > 0)) {
            throw new PcLoraException("gradient clipping max norm " + maxNorm + " is out of range; accepted: a number > 0");
        }
        double norm = packed.grads.norm2Number().doubleValue();
        double scale = GradientClipping.scale(norm, maxNorm);
        if (scale != 1.0) {
            packed.grads.muli(scale);
        }
        return norm;
    }

    /** Native bytes of the optimizer's own buffers: both moments and, when packed, the flat gradient and scratch buffers. */
    public long stateBytes() {
        long bytes = 0;
        for (State s : state.values()) {
            bytes += s.m.length() * s.m.dataType().width() + s.v.length() * s.v.dataType().width();
        }
        if (packed != null) {
            bytes += packed.grads.length() * packed.grads.dataType().width()
                    + packed.scratch.length() * packed.scratch.dataType().width();
        }
        return bytes;
    }

    /** AdamW with the defaults beta1 0.9, beta2 0.999, eps 1e-8, weight decay 0.01. */
    public AdamW(List<Parameter> parameters) {
        this(parameters, BETA1, BETA2, EPS, WEIGHT_DECAY);
    }

    private static void check(boolean ok, String what, double value, String accepted) {
        if (!ok) {
            throw new PcLoraException("AdamW " + what + " " + value + " is out of range; accepted: " + accepted);
        }
    }

    /** One update of every trainable parameter from its current gradient, at learning rate lr. */
    public void step(double lr) {
        check(lr >= 0 && Double.isFinite(lr), "learning rate", lr, "a finite number >= 0");
        if (packed != null && packed.intact(state) && samePackedStep()) {
            stepPacked(lr);
            steps++;
            return;
        }
        for (Parameter p : parameters) {
            if (!p.isTrainable()) {
                continue;
            }
            State s = state.get(p);
            if (s == null) {
                // moments outlive the step: never in the step's workspace
                try (org.nd4j.linalg.api.memory.MemoryWorkspace ignored =
                             org.nd4j.linalg.factory.Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    s = new State(p.value());
                }
                state.put(p, s);
            }
            s.t++;
            INDArray w = p.value();
            INDArray g = p.grad();
            if (p.weightDecay() && weightDecay != 0) {
                w.muli(1.0 - lr * weightDecay);
            }
            double bc1 = 1.0 - Math.pow(beta1, s.t);
            double bc2 = 1.0 - Math.pow(beta2, s.t);
            // one scratch buffer per parameter and step: g^2, then (1-b1) g, then the update
            INDArray scratch = g.mul(g).muli(1.0 - beta2);
            s.v.muli(beta2).addi(scratch);
            scratch.assign(g).muli(1.0 - beta1);
            s.m.muli(beta1).addi(scratch);
            scratch.assign(s.v);
            Transforms.sqrt(scratch, false);
            scratch.muli(1.0 / Math.sqrt(bc2)).addi(eps);
            scratch.rdivi(s.m).muli(lr / bc1);
            w.subi(scratch);
        }
        steps++;
    }

    /** Whether the next {@link #step} runs on the flat buffers (all trainable parameters packed and in step). */
    public boolean packedStepActive() {
        return packed != null && packed.intact(state) && samePackedStep();
    }

    /** Whether every trainable parameter is packed and all are at the same step count. */
    private boolean samePackedStep() {
        long t = state.get(packed.params.get(0)).t;
        for (Parameter p : parameters) {
            if (p.isTrainable() && (!state.containsKey(p) || state.get(p).t != t)) {
                return false;
            }
        }
        return packed.params.stream().allMatch(p -> state.get(p).t == t);
    }

    /** The same update as the per-parameter loop, on the flat buffers. */
    private void stepPacked(double lr) {
        long t = 0;
        for (Parameter p : packed.params) {
            t = ++state.get(p).t;
        }
        if (weightDecay != 0 && packed.decayLength > 0) {
            packed.values.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, packed.decayLength))
                    .muli(1.0 - lr * weightDecay);
        }
        double bc1 = 1.0 - Math.pow(beta1, t);
        double bc2 = 1.0 - Math.pow(beta2, t);
        INDArray g = packed.grads;
        INDArray scratch = packed.scratch;
        scratch.assign(g).muli(g).muli(1.0 - beta2);
        packed.v.muli(beta2).addi(scratch);
        scratch.assign(g).muli(1.0 - beta1);
        packed.m.muli(beta1).addi(scratch);
        scratch.assign(packed.v);
        Transforms.sqrt(scratch, false);
        scratch.muli(1.0 / Math.sqrt(bc2)).addi(eps);
        scratch.rdivi(packed.m).muli(lr / bc1);
        packed.values.subi(scratch);
    }

    /** Zeroes the gradients of all trainable parameters. */
    public void zeroGrad() {
        if (packed != null && packed.intact(state)) {
            packed.grads.assign(0);
            for (Parameter p : parameters) {
                if (p.isTrainable() && !state.containsKey(p)) {
                    p.zeroGrad();
                }
            }
            return;
        }
        for (Parameter p : parameters) {
            p.zeroGrad();
        }
    }

    /** Number of {@link #step} calls so far. */
    public long steps() {
        return steps;
    }

    /** The parameters this optimizer updates (when trainable), in update order. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * The optimizer state for checkpoints: {@code <param>.exp_avg} and {@code <param>.exp_avg_sq}
     * (torch's names) for every parameter stepped so far, in parameter order. The arrays are the
     * live buffers.
     */
    public Map<String, INDArray> state() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            State s = state.get(p);
            if (s != null && s.t > 0) {
                out.put(p.name() + ".exp_avg", s.m);
                out.put(p.name() + ".exp_avg_sq", s.v);
            }
        }
        return out;
    }

    /** Per-parameter step counts (bias correction), by parameter name, for checkpoints. */
    public Map<String, Long> parameterSteps() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            State s = state.get(p);
            if (s != null && s.t > 0) {
                out.put(p.name(), s.t);
            }
        }
        return out;
    }

    /**
     * Restores state written by {@link #state()} and {@link #parameterSteps()}; {@code steps} is
     * the global step count. A tensor whose name or shape does not fit is a checkpoint error.
     */
    public void restore(Map<String, INDArray> moments, Map<String, Long> parameterSteps, long steps) {
        List<String> unknown = new ArrayList<>(moments.keySet());
        for (Parameter p : parameters) {
            Long t = parameterSteps.get(p.name());
            if (t == null) {
                continue;
            }
            INDArray m = moments.get(p.name() + ".exp_avg");
            INDArray v = moments.get(p.name() + ".exp_avg_sq");
            if (m == null || v == null) {
                throw new PcLoraException("optimizer state: moments of " + p.name()
                        + " are missing; expected " + p.name() + ".exp_avg and " + p.name() + ".exp_avg_sq");
            }
            // Packed parameters keep their moment views; the others get fresh buffers.
            State s = state.containsKey(p) ? state.get(p) : new State(p.value());
            for (INDArray[] pair : new INDArray[][] {{s.m, m}, {s.v, v}}) {
                if (!java.util.Arrays.equals(pair[0].shape(), pair[1].shape())) {
                    throw new PcLoraException("optimizer state: moment of " + p.name() + " has shape "
                            + java.util.Arrays.toString(pair[1].shape()) + "; expected the parameter's shape "
                            + java.util.Arrays.toString(pair[0].shape()));
                }
                pair[0].assign(pair[1]);
            }
            s.t = t;
            state.put(p, s);
            unknown.remove(p.name() + ".exp_avg");
            unknown.remove(p.name() + ".exp_avg_sq");
        }
        if (!unknown.isEmpty()) {
            throw new PcLoraException("optimizer state: tensors " + unknown
                    + " belong to no parameter of this model; accepted: <parameter>.exp_avg / .exp_avg_sq");
        }
        this.steps = steps;
    }
}
