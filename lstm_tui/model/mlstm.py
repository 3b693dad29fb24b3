"""mLSTM (Beck et al. 2024, "xLSTM", arXiv:2405.04517): a matrix memory written with keys and read with
queries, scalar exponential gates per head, in the recurrent (step) form of NX-AI/xlstm's
``xlstm/blocks/mlstm/backends.py`` (``recurrent_step_stabilized_simple``) and, over a whole sequence, its
parallel form (``parallel_stabilized_simple``) in ``parallel_forward``. Per head, with d = H/heads units:

    q, k, v, õ = W x + b                       query, key, value (d each per head), output pre-activation
    ĩ, f̃ = w·[q; k; v] + b_g                   one input and one forget pre-activation per head
    m = max(m₋₁ + log σ(f̃), ĩ)                 stabiliser
    i = exp(ĩ − m),  f = exp(m₋₁ + log σ(f̃) − m)
    C = f ⊙ C₋₁ + i ⊙ v (k/√d)ᵀ                 d×d matrix memory (value rows, key columns)
    n = f ⊙ n₋₁ + i ⊙ k/√d                     normaliser
    h̃ = C q / (max(|nᵀq|, exp(−m)) + ε),  ε = 10⁻⁶
    h = σ(õ) ⊙ h̃

The reference stores C the other way round (key rows: C = k vᵀ, read as qᵀC); the numbers are the same.
The gate pre-activations come from [q; k; v] as the reference's ``mLSTMCell`` computes them (its
``igate`` and ``fgate`` layers, (heads, 3H)), before k is scaled.

Kept from the xLSTM block and left out: the cell keeps the paper's mLSTM cell equations (Beck et al.,
section 2.3) with its output gate o = σ(õ). The block around it in ``xlstm/blocks/mlstm/layer.py`` (the
up-projection, the causal convolution before q and k, the learnable skip, the SiLU output branch that
plays the output gate's part there, the down-projection) and the cell's per-head layer norm of h̃
(``outnorm``) are left out: a character goes straight to q, k, v and õ by one linear map. The reference
starts the gate weights at zero; here they start uniform so an untrained cell's gates vary with the
character; the gate biases start as there (f̃: linspace(3, 6) over heads, ĩ: N(0, 0.1)).

Parameters: ``weight_ih`` (4H, D) and ``bias_ih`` (4H,) rows q|k|v|o; ``weight_gate`` (2·heads, 3H)
and ``bias_gate`` (2·heads,) rows ĩ (one per head) then f̃. State: h, C (heads·d·d, each head's C
flattened row by row), n (H) and m (one per head). The trace shows i, f and m once per unit (a unit shows
its head's value) beside o, n and h.
"""

from __future__ import annotations

import numpy as np

from .cell import Cell, before_each_step
from .equations import (
    EXP,
    LOG_SIGMOID,
    SIGMOID,
    Apply,
    Call,
    Difference,
    Equation,
    Extreme,
    Group,
    Hadamard,
    Kind,
    Negated,
    Number,
    Quotient,
    Sum,
    Symbol,
    Value,
    affine,
)
from .heads import check_heads
from .minimal import aligned, copied, log_sigmoid
from .numerics import lead_sum, outer_sum, sigmoid

EPSILON = 1e-6  # the reference's eps in the read-out's denominator


class MLSTMCell(Cell):
    gate_names = ("i", "f", "o")
    state_names = ("h", "C", "n", "m")
    trace_names = ("i", "f", "o", "n", "m", "h")

    def __init__(self, input_size: int, hidden_size: int, *, heads: int = 1, stabilised: bool = True, **kwargs):
        self.heads = heads
        self.head_size = check_heads(hidden_size, heads)
        self.stabilised = stabilised  # False: m = 0 (see sLSTM's ``stabilised``)
        super().__init__(input_size, hidden_size, **kwargs)

    decay_formula = "f·exp(m − m₋₁)"

    def memory_decay(self, trace, initial_state):
        """σ(f̃) of each unit's head, the decay of the unstabilised memory C (see sLSTM's): f·exp(m − m₋₁)."""
        m_initial = np.repeat(np.asarray(initial_state["m"]), self.head_size, axis=-1)
        return trace["f"] * np.exp(trace["m"] - before_each_step(m_initial, trace["m"]))

    def build_options(self):
        return {"heads": self.heads, "stabilised": self.stabilised}

    def equation_options(self):
        return {"stabilised": self.stabilised}

    def input_gate_bias(self):
        return "bias_gate", slice(0, self.heads)

    def param_shapes(self):
        H, K = self.hidden_size, self.heads
        return {
            "weight_ih": (4 * H, self.input_size),
            "bias_ih": (4 * H,),
            "weight_gate": (2 * K, 3 * H),
            "bias_gate": (2 * K,),
        }

    def init_params(self, rng):
        params = super().init_params(rng)
        K = self.heads
        params["bias_gate"][:K] = rng.normal(0.0, 0.1, K)
        params["bias_gate"][K:] = np.linspace(3.0, 6.0, K)
        return params

    def untraced_values_per_step(self):
        """The d×d memory of every head, kept for every step (H·d values)."""
        return self.state_size("C")

    def state_size(self, name):
        return {"C": self.hidden_size * self.head_size, "m": self.heads}.get(name, self.hidden_size)

    # --- input side ----------------------------------------------------------------------------------
    # Everything but the memory depends on the character alone: the input terms hold q, k/√d, v, the output
    # gate's value σ(õ), ĩ and log σ(f̃) (a character model tabulates them once per vocabulary entry).
    def terms_size(self):
        return 4 * self.hidden_size + 2 * self.heads  # q | k/√d | v | o | ĩ | log σ(f̃)

    def _pre_activations(self, inputs):
        """q, k, v, õ (…, 4H) and ĩ, f̃ (…, 2·heads) for ``DenseInputs`` or ``OneHotRows``."""
        projected = inputs.project(self.params["weight_ih"])
        projected += self.params["bias_ih"]
        gates = projected[..., : 3 * self.hidden_size] @ self.params["weight_gate"].T
        gates += self.params["bias_gate"]
        return projected, gates

    def terms_from(self, inputs):
        H, K = self.hidden_size, self.heads
        projected, gates = self._pre_activations(inputs)
        projected[..., H : 2 * H] *= 1.0 / np.sqrt(self.head_size)
        sigmoid(projected[..., 3 * H :], projected[..., 3 * H :])
        gates[..., K:] = log_sigmoid(gates[..., K:])
        return np.concatenate([projected, gates], axis=-1)

    def terms_backward(self, inputs, d_terms, grads):
        H, K = self.hidden_size, self.heads
        projected, gates = self._pre_activations(inputs)
        o = aligned(sigmoid(projected[..., 3 * H :]), d_terms)
        d_gates = np.concatenate(
            [d_terms[..., 4 * H : 4 * H + K], d_terms[..., 4 * H + K :] * aligned(sigmoid(-gates[..., K:]), d_terms)],
            axis=-1,
        )
        d_projected = d_terms[..., : 4 * H].copy()
        d_projected[..., H : 2 * H] *= 1.0 / np.sqrt(self.head_size)
        d_projected[..., 3 * H :] *= o * (1.0 - o)
        d_projected[..., : 3 * H] += d_gates @ self.params["weight_gate"]
        if grads is not None:
            grads["weight_gate"] += outer_sum(d_gates, aligned(projected[..., : 3 * H], d_gates))
            grads["bias_gate"] += lead_sum(d_gates)
            grads["weight_ih"] += inputs.weight_gradient(d_projected)
            grads["bias_ih"] += lead_sum(d_projected)
        return inputs.input_gradient(d_projected, self.params["weight_ih"])

    def _parts(self, terms):
        """q, k/√d, v as (…, heads, d); o (…, H); ĩ, log σ(f̃) (…, heads)."""
        H, K, d = self.hidden_size, self.heads, self.head_size
        split = terms.shape[:-1] + (K, d)
        q = terms[..., :H].reshape(split)
        k = terms[..., H : 2 * H].reshape(split)
        v = terms[..., 2 * H : 3 * H].reshape(split)
        return q, k, v, terms[..., 3 * H : 4 * H], terms[..., 4 * H : 4 * H + K], terms[..., 4 * H + K :]

    def _heads(self, array, width):
        """A flat (…, heads·width…) state as (…, heads, width…)."""
        return array.reshape(array.shape[:-1] + (self.heads,) + width)

    # --- forward -------------------------------------------------------------------------------------
    def buffer_widths(self):
        """C, n, m (the state), then m, f, i once per unit, o, h (the trace)."""
        H = self.hidden_size
        return (H * self.head_size, H, self.heads, 3 * H, H, H)

    def trace_of(self, buffers):
        _, n, _, per_unit, o, h = buffers
        return self._trace(per_unit, n, o, h)

    def _trace(self, per_unit, n, o, h):
        H = self.hidden_size
        return {
            "i": per_unit[..., 2 * H :],
            "f": per_unit[..., H : 2 * H],
            "o": o,
            "n": n,
            "m": per_unit[..., :H],
            "h": h,
        }

    def recur(self, terms, state, out=None):
        K, d = self.heads, self.head_size
        C_out, n_out, m_out, per_unit_out, o_out, h_out = out or (None,) * 6  # None: NumPy allocates
        q, k, v, o, pre_i, log_f = self._parts(terms)
        C_prev, n_prev = self._heads(state["C"], (d, d)), self._heads(state["n"], (d,))
        # Per head: m, then f = exp(b − m), i = exp(ĩ − m) and the read-out's floor exp(−m) from one exp call
        scalars = np.empty(pre_i.shape[:-1] + (4, K), self.dtype)
        b = np.add(log_f, state["m"], out=scalars[..., 1, :])
        if self.stabilised:
            m = np.maximum(b, pre_i, out=scalars[..., 0, :])
            b -= m
        else:  # m = 0: f = exp(b), i = exp(ĩ), and the read-out's floor is 1
            m = scalars[..., 0, :]
            m[...] = 0.0
        np.subtract(pre_i, m, out=scalars[..., 2, :])
        np.negative(m, out=scalars[..., 3, :])
        np.exp(scalars[..., 1:, :], out=scalars[..., 1:, :])
        forget, write, floor = scalars[..., 1, :], scalars[..., 2, :], scalars[..., 3, :]
        if m_out is not None:
            m = copied(m, m_out)
        C = np.multiply(C_prev, forget[..., None, None], out=None if C_out is None else self._heads(C_out, (d, d)))
        written = write[..., None] * k
        C += v[..., :, None] * written[..., None, :]
        n = np.multiply(n_prev, forget[..., None], out=None if n_out is None else self._heads(n_out, (d,)))
        n += written
        read = np.matmul(C, q[..., :, None])[..., 0]
        nq = np.matmul(n[..., None, :], q[..., :, None])[..., 0, 0]
        denominator = np.maximum(np.abs(nq), floor)
        denominator += EPSILON
        retrieved = np.divide(read, denominator[..., None], out=read)
        if per_unit_out is None:
            per_unit_out = np.empty(terms.shape[:-1] + (3 * self.hidden_size,), self.dtype)
        # m, f and i once per unit: each head's value repeated over its d units
        np.copyto(per_unit_out.reshape(terms.shape[:-1] + (3, K, d)), scalars[..., :3, :, None])
        o = copied(o, o_out)
        h = np.multiply(o, retrieved.reshape(o.shape), out=h_out)
        flat = terms.shape[:-1] + (-1,)
        new_state = {"h": h, "C": C.reshape(flat), "n": n.reshape(flat), "m": m}
        trace = self._trace(per_unit_out, new_state["n"], o, h)
        cache = (terms, state, C, n, m, forget, write, retrieved, nq, denominator, o)
        return new_state, trace, cache

    # --- backward ------------------------------------------------------------------------------------
    def recur_backward(self, cache, d_state, grads, out=None):
        H, K, d = self.hidden_size, self.heads, self.head_size
        terms, state, C, n, m, forget, write, retrieved, nq, denominator, o = cache
        q, k, v, _, pre_i, log_f = self._parts(terms)
        C_prev, n_prev = self._heads(state["C"], (d, d)), self._heads(state["n"], (d,))
        dh = d_state["h"]
        d_o = dh * retrieved.reshape(o.shape)
        d_retrieved = self._heads(dh * o, (d,))
        # h̃ = C q / D: ∂/∂(C q) = 1/D, ∂/∂D = −(∂loss/∂h̃ · h̃)/D
        d_read = d_retrieved / denominator[..., None]
        d_denominator = -np.einsum("...j,...j->...", d_retrieved, retrieved) / denominator
        dC = self._heads(d_state["C"], (d, d)) + d_read[..., :, None] * q[..., None, :]
        dq = np.einsum("...ab,...a->...b", C, d_read)
        # D = max(|nᵀq|, exp(−m)) + ε
        floor = np.exp(-m)
        from_nq = np.abs(nq) >= floor
        d_nq = np.where(from_nq, d_denominator * np.sign(nq), 0.0)
        dm = d_state["m"] + np.where(from_nq, 0.0, -d_denominator * floor)
        dn = self._heads(d_state["n"], (d,)) + d_nq[..., None] * q
        dq = dq + d_nq[..., None] * n
        # C = f C₋₁ + i v kᵀ and n = f n₋₁ + i k (k already scaled by 1/√d)
        dC_k = np.matmul(dC, k[..., :, None])[..., 0]
        d_forget = np.einsum("...ab,...ab->...", dC, C_prev) + np.einsum("...j,...j->...", dn, n_prev)
        d_write = np.einsum("...a,...a->...", dC_k, v) + np.einsum("...j,...j->...", dn, k)
        dv = write[..., None] * dC_k
        dk = write[..., None] * (np.matmul(v[..., None, :], dC)[..., 0, :] + dn)
        # i = exp(ĩ − m), f = exp(b − m), m = max(b, ĩ), b = m₋₁ + log σ(f̃)
        d_log_i = d_write * write
        d_log_f = d_forget * forget
        if self.stabilised:
            dm = dm - d_log_i - d_log_f
            m_from_i = pre_i >= state["m"] + log_f
            d_pre_i = d_log_i + np.where(m_from_i, dm, 0.0)
            db = d_log_f + np.where(m_from_i, 0.0, dm)
        else:  # m = 0 whatever the inputs
            d_pre_i, db = d_log_i, d_log_f
        parts = (dq, dk, dv)
        leading = np.broadcast_shapes(*(p.shape[:-2] for p in parts), d_o.shape[:-1], d_pre_i.shape[:-1], db.shape[:-1])
        if out is None:
            out = np.empty(leading + (self.terms_size(),), self.dtype)
        for j, part in enumerate(parts):
            out[..., j * H : (j + 1) * H] = part.reshape(part.shape[:-2] + (H,))
        out[..., 3 * H : 4 * H] = d_o
        out[..., 4 * H : 4 * H + K] = d_pre_i
        out[..., 4 * H + K :] = db  # b = m₋₁ + log σ(f̃)
        d_prev = {
            "h": np.zeros_like(dh),  # the recurrence never reads h₋₁
            "C": (dC * forget[..., None, None]).reshape(dC.shape[:-3] + (-1,)),
            "n": (dn * forget[..., None]).reshape(dn.shape[:-2] + (-1,)),
            "m": db,
        }
        return out, d_prev

    # --- the parallel form -------------------------------------------------------------------------------
    def parallel_forward(self, inputs: np.ndarray | None = None, state=None, terms: np.ndarray | None = None):
        """h at every step (T, …, H) in the parallel stabilised form, from ``state`` (zeros by default);
        ``terms``: ``input_terms(inputs)`` if already at hand. Equal to ``forward``'s trace of h up to
        rounding.

        For each head, with F_t = Σ_{s≤t} log σ(f̃_s): the weight of step s in step t's memory is
        exp(F_t − F_s + ĩ_s) (s ≤ t), and of the initial state exp(m₀ + F_t); m_t is the largest of
        these logarithms (exactly the recurrent form's stabiliser). Then
        h̃_t = (Σ_s D_ts (q_t·k_s) v_s + D_t0 C₀ q_t) / (max(|Σ_s D_ts (q_t·k_s) + D_t0 n₀·q_t|, exp(−m_t)) + ε)
        with D = exp(log-weight − m_t). The reference's ``parallel_stabilized_simple`` is the case
        without an initial state (m₀ = −∞)."""
        if terms is None:
            terms = self.input_terms(inputs)
        terms = np.asarray(terms, dtype=self.dtype)
        d = self.head_size
        if state is None:
            state = self.init_state(terms.shape[1:-1])
        q, k, v, o, pre_i, log_f = self._parts(terms)
        q, k, v = (np.moveaxis(part, 0, -2) for part in (q, k, v))  # (…, heads, T, d)
        pre_i, log_f = (np.moveaxis(part, 0, -1) for part in (pre_i, log_f))  # (…, heads, T)
        F = np.cumsum(log_f, axis=-1)
        causal = np.tri(F.shape[-1], dtype=bool)  # step s reaches step t when s ≤ t
        log_weights = np.where(causal, F[..., :, None] - F[..., None, :] + pre_i[..., None, :], -np.inf)
        log_initial = F + np.asarray(state["m"], dtype=self.dtype)[..., None]
        m = np.maximum(log_weights.max(axis=-1), log_initial) if self.stabilised else np.zeros_like(log_initial)
        weights = np.exp(log_weights - m[..., None])
        weights *= q @ np.swapaxes(k, -1, -2)
        initial = np.exp(log_initial - m)[..., None]
        C0 = self._heads(np.asarray(state["C"], dtype=self.dtype), (d, d))
        n0 = self._heads(np.asarray(state["n"], dtype=self.dtype), (d,))
        read = weights @ v + initial * (q @ np.swapaxes(C0, -1, -2))
        nq = weights.sum(axis=-1) + initial[..., 0] * np.einsum("...tj,...j->...t", q, n0)
        denominator = np.maximum(np.abs(nq), np.exp(-m)) + EPSILON
        retrieved = read / denominator[..., None]  # (…, heads, T, d)
        retrieved = np.moveaxis(retrieved, -2, 0)  # (T, …, heads, d)
        return o * retrieved.reshape(retrieved.shape[:-2] + (-1,))


def mlstm_equations(stabilised: bool = True) -> tuple[Equation, ...]:
    """The equations the cell computes, with the stabiliser on (the default) or off."""
    m, m_prev = Value("m"), Value("m", previous=True)
    exponent = Sum((m_prev, Call(LOG_SIGMOID, Symbol("f̃"))))  # m₋₁ + log σ(f̃)
    gate_kind = Kind.GATE if stabilised else Kind.UNBOUNDED
    k_scaled = Quotient(Symbol("k"), Symbol("√d"))
    floor = Call(EXP, Negated(m))
    read_out = Quotient(Apply(Symbol("C"), Symbol("q")), Group(Sum((Extreme(Symbol("|nᵀq|"), floor), Symbol("ε")))))
    return (
        Equation("q, k, v, õ", affine("W x", "b"), Kind.UNBOUNDED, "query, key, value"),
        Equation("ĩ, f̃", affine(Apply(Symbol("W_g"), Symbol("[q; k; v]")), "b_g"), Kind.UNBOUNDED, "one pair per head"),
        Equation("m", Extreme(exponent, Symbol("ĩ")), Kind.UNBOUNDED, "stabiliser, per head")
        if stabilised
        else Equation("m", Number(0), Kind.UNBOUNDED, "stabiliser off"),
        Equation("i", Call(EXP, Difference(Symbol("ĩ"), m)), gate_kind),
        Equation("f", Call(EXP, Difference(exponent, m)), gate_kind),
        Equation(
            "C",
            Sum(
                (
                    Hadamard(Value("f"), Symbol("C₋₁")),
                    Hadamard(Value("i"), Apply(Symbol("v"), Quotient(Symbol("kᵀ"), Symbol("√d")))),
                )
            ),
            Kind.UNBOUNDED,
            "d×d memory per head",
        ),
        Equation(
            "n",
            Sum((Hadamard(Value("f"), Value("n", previous=True)), Hadamard(Value("i"), k_scaled))),
            Kind.UNBOUNDED,
            "normaliser",
        ),
        Equation("o", Call(SIGMOID, Symbol("õ")), Kind.GATE),
        Equation("h", Hadamard(Value("o"), read_out), Kind.UNBOUNDED, "ε = 10⁻⁶"),
    )
