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

    /** Moments and step count of one parameter. */
    private static final class State {
        final INDArray m;
        final INDArray v;
        long t;

        State(INDArray like) {
            m = like.ulike().assign(0);
            v = like.ulike().assign(0);
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
        for (Parameter p : parameters) {
            if (!p.isTrainable()) {
                continue;
            }
            State s = state.computeIfAbsent(p, q -> new State(q.value()));
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

    /** Zeroes the gradients of all trainable parameters. */
    public void zeroGrad() {
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
            if (s != null) {
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
            if (s != null) {
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
            State s = new State(p.value());
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
