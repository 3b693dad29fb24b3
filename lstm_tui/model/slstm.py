"""sLSTM (Beck et al. 2024, "xLSTM: Extended Long Short-Term Memory", arXiv:2405.04517), as the pointwise
step of NX-AI/xlstm's ``xlstm/blocks/slstm/src/vanilla/slstm.py`` computes it:

    ĩ, f̃, g̃, õ = W x + R h₋₁ + b                     pre-activations (R block-diagonal with heads)
    m = max(ĩ, m₋₁ + log σ(f̃))                        stabiliser; m = ĩ on a first step (n₋₁ = 0)
    i = exp(ĩ − m)                                     exponential input gate, stabilised (≤ 1)
    f = min(exp(m₋₁ + log σ(f̃) − m), 1)                sigmoid forget gate in log space, stabilised
    g = tanh(g̃),  o = σ(õ)                            cell input (the paper's z; g as in the lstm cell)
    c = f ⊙ c₋₁ + i ⊙ g
    n = f ⊙ n₋₁ + i                                    normaliser
    h = o ⊙ c / n

Without the stabiliser the gates would be exp(ĩ) and σ(f̃), and c and n the same sums without the
common factor exp(−m): h = o ⊙ c / n is unchanged, but exp(ĩ) overflows float32 once ĩ passes ~88.7.
``stabilised`` (an attribute a view may flip; True by default) switches the stabiliser off: m is then 0
at every step, so from a state that was stabilised the first step rescales c and n by exp(m₋₁), and from
then on i = exp(ĩ), f = σ(f̃). The ``min(…, 1)`` only acts on a first step, where m = ĩ may leave the
forget factor's exponent positive (it then multiplies c₋₁ = n₋₁ = 0); the reference clamps both gates,
and i ≤ 1 holds anyway. The reference decides "first step" for the whole batch (all n == 0); here it is
decided per unit, which is the same from any state the cell itself produces.

Parameters as in an LSTM, rows i|f|g|o: ``weight_ih`` (4H, D), ``weight_hh`` (4H, H/heads) (see ``heads``:
with one head, the default, an ordinary (4H, H) matrix), ``bias`` (4H,). The reference starts R at zero
and the biases at its "powerlaw_blockdependent" values (f from +5 down to −7 across a head's units, the
rest 0); here R starts uniform (the reference's "standard" option) so an untrained cell's state matters,
and the biases as the reference's default.
"""

from __future__ import annotations

import numpy as np

from .cell import AffineInput, Cell, before_each_step
from .equations import (
    EXP,
    LOG_SIGMOID,
    SIGMOID,
    TANH,
    Call,
    Difference,
    Equation,
    Extreme,
    Hadamard,
    Kind,
    Number,
    Quotient,
    Sum,
    Symbol,
    Value,
)
from .heads import check_heads, head_product, head_product_backward, head_weight_grad
from .numerics import sigmoid


class SLSTMCell(AffineInput, Cell):
    gate_names = ("i", "f", "g", "o")
    state_names = ("h", "c", "n", "m")
    trace_names = ("i", "f", "g", "o", "c", "n", "m", "h")

    def __init__(self, input_size: int, hidden_size: int, *, heads: int = 1, stabilised: bool = True, **kwargs):
        self.heads = heads
        self.head_size = check_heads(hidden_size, heads)
        self.stabilised = stabilised
        super().__init__(input_size, hidden_size, **kwargs)

    def build_options(self):
        return {"heads": self.heads, "stabilised": self.stabilised}

    def equation_options(self):
        return {"stabilised": self.stabilised}

    def input_gate_bias(self):
        return "bias", slice(0, self.hidden_size)

    decay_formula = "f·exp(m − m₋₁)"

    def memory_decay(self, trace, initial_state):
        """σ(f̃), the decay of the unstabilised memory: the stabilised f is that times exp(m₋₁ − m), a
        rescaling that c and n share (h = o ⊙ c / n does not see it). Read off the trace as
        f·exp(m − m₋₁); NaN where nothing was stored yet (n₋₁ = 0: a first step, whose f may be clamped)."""
        m_before = before_each_step(initial_state["m"], trace["m"])
        decay = trace["f"] * np.exp(trace["m"] - m_before)
        decay[before_each_step(initial_state["n"], trace["n"]) == 0.0] = np.nan
        return decay

    def param_shapes(self):
        H = self.hidden_size
        return {"weight_ih": (4 * H, self.input_size), "weight_hh": (4 * H, self.head_size), "bias": (4 * H,)}

    def init_params(self, rng):
        params = super().init_params(rng)
        params["bias"][:] = 0.0
        params["bias"][self.hidden_size : 2 * self.hidden_size] = np.tile(forget_bias_init(self.head_size), self.heads)
        return params

    def untraced_values_per_step(self):
        """The pre-activations (4H), beside 8 traced values per unit."""
        return 4 * self.hidden_size

    # --- forward -------------------------------------------------------------------------------------
    def buffer_widths(self):
        """Pre-activations ĩ|f̃|g̃|õ, gates i|f|g|o, c, n, m, h."""
        H = self.hidden_size
        return (4 * H, 4 * H, H, H, H, H)

    def trace_of(self, buffers):
        _, gates, c, n, m, h = buffers
        H = self.hidden_size
        trace = {name: gates[..., k * H : (k + 1) * H] for k, name in enumerate(self.gate_names)}
        return {**trace, "c": c, "n": n, "m": m, "h": h}

    def recur(self, terms, state, out=None):
        H = self.hidden_size
        pre_out, gates_out, c_out, n_out, m_out, h_out = out or (None,) * 6  # None: NumPy allocates
        weight = self.params["weight_hh"]
        recurrent = np.dot(state["h"], weight.T) if self.heads == 1 else head_product(state["h"], weight, self.heads)
        pre = np.add(terms, recurrent, out=pre_out)
        if gates_out is None:
            gates_out = np.empty(pre.shape, self.dtype)
        pre_i, pre_f = pre[..., :H], pre[..., H : 2 * H]
        i, f, g, o = (
            gates_out[..., :H],
            gates_out[..., H : 2 * H],
            gates_out[..., 2 * H : 3 * H],
            gates_out[..., 3 * H :],
        )
        # f's exponent before stabilising: m₋₁ + log σ(f̃), with log σ(v) = −log(1 + exp(−v))
        np.negative(pre_f, out=f)
        np.logaddexp(0.0, f, out=f)
        np.subtract(state["m"], f, out=f)
        if self.stabilised:
            m = np.maximum(pre_i, f, out=m_out)
            f -= m  # b − max(ĩ, b) = min(b − ĩ, 0): also the first step's clamped exponent, below
            if not state["n"].all():  # no memory yet where n₋₁ = 0: the stabiliser starts at ĩ
                np.copyto(m, pre_i, where=state["n"] == 0.0)
        else:
            m = np.zeros_like(pre_i) if m_out is None else m_out
            m[...] = 0.0
        np.subtract(pre_i, m, out=i)
        np.exp(gates_out[..., : 2 * H], out=gates_out[..., : 2 * H])  # i and f at once
        # g = tanh(g̃) and o = σ(õ) = ½ + ½·tanh(õ/2) from one tanh call (õ is halved in place: only ĩ and f̃
        # of the pre-activations are needed later)
        pre[..., 3 * H :] *= 0.5
        np.tanh(pre[..., 2 * H :], out=gates_out[..., 2 * H :])
        o *= 0.5
        o += 0.5
        c = np.multiply(f, state["c"], out=c_out)
        c += i * g
        n = np.multiply(f, state["n"], out=n_out)
        n += i
        h = np.multiply(o, c, out=h_out)
        h /= n
        new_state = {"h": h, "c": c, "n": n, "m": m}
        trace = {"i": i, "f": f, "g": g, "o": o, "c": c, "n": n, "m": m, "h": h}
        return new_state, trace, (state, pre, trace)

    # --- backward ------------------------------------------------------------------------------------
    def recur_backward(self, cache, d_state, grads, out=None):
        H = self.hidden_size
        state, pre, trace = cache
        i, f, g, o, c, n, h, m = (trace[name] for name in ("i", "f", "g", "o", "c", "n", "h", "m"))
        dh = d_state["h"]
        # h = o ⊙ c / n
        dc = d_state["c"] + dh * (o / n)
        dn = d_state["n"] - dh * (h / n)
        d_pre_o = dh * (c / n) * (o * (1.0 - o))
        # c = f ⊙ c₋₁ + i ⊙ g,  n = f ⊙ n₋₁ + i: cotangents of i and f, then of their exponents
        d_log_i = (dc * g + dn) * i
        d_log_f = (dc * state["c"] + dn * state["n"]) * f
        d_pre_g = dc * i * (1.0 - g * g)
        pre_i, pre_f = pre[..., :H], pre[..., H : 2 * H]
        if self.stabilised:
            # log i = ĩ − m and log f = min(b − m, 0), with b = m₋₁ + log σ(f̃) and m = max(ĩ, b), or ĩ
            # on a first step (n₋₁ = 0), the one place where the min can clamp
            b = state["m"] - np.logaddexp(0.0, -pre_f)
            first = state["n"] == 0.0
            m_from_i = first | (pre_i >= b)
            open_f = np.where(first & (b > pre_i), 0.0, d_log_f)
            dm = d_state["m"] - d_log_i - open_f
            d_pre_i = d_log_i + np.where(m_from_i, dm, 0.0)
            db = open_f + np.where(m_from_i, 0.0, dm)
        else:  # m = 0: log i = ĩ, log f = b
            d_pre_i, db = d_log_i, d_log_f
        d_pre_f = db * sigmoid(-pre_f)  # d log σ(v)/dv = σ(−v)
        leading = np.broadcast_shapes(d_pre_i.shape, d_pre_f.shape, d_pre_g.shape, d_pre_o.shape)[:-1]
        if out is None:
            out = np.empty(leading + (4 * H,), self.dtype)
        for k, part in enumerate((d_pre_i, d_pre_f, d_pre_g, d_pre_o)):
            out[..., k * H : (k + 1) * H] = part
        if grads is not None:
            grads["weight_hh"] += head_weight_grad(out, state["h"], self.heads)
        d_prev = {
            "h": head_product_backward(out, self.params["weight_hh"], self.heads),
            "c": dc * f,
            "n": dn * f,
            "m": db,  # b = m₋₁ + log σ(f̃)
        }
        return out, d_prev


def forget_bias_init(head_size: int) -> np.ndarray:
    """The reference's "powerlaw_blockdependent" forget-gate biases for one head of a single block:
    −(−5 + 12·(k/(d − 1))^0.3) for unit k of d, from +5 (long memory) down to −7 (short)."""
    if head_size == 1:
        return np.array([5.0])
    return -(-5.0 + 12.0 * (np.arange(head_size) / (head_size - 1)) ** 0.3)


def slstm_equations(stabilised: bool = True) -> tuple[Equation, ...]:
    """The equations the cell computes, with the stabiliser on (the default) or off."""
    pre_i, pre_f = Symbol("ĩ"), Symbol("f̃")
    m, m_prev = Value("m"), Value("m", previous=True)
    exponent = Sum((m_prev, Call(LOG_SIGMOID, pre_f)))  # m₋₁ + log σ(f̃)
    if stabilised:
        stabiliser = Equation("m", Extreme(pre_i, exponent), Kind.UNBOUNDED, "stabiliser")
        forget = Equation("f", Extreme(Call(EXP, Difference(exponent, m)), Number(1), largest=False), Kind.GATE)
        input_note = "exponential, ≤ 1"
    else:
        stabiliser = Equation("m", Number(0), Kind.UNBOUNDED, "stabiliser off")
        forget = Equation("f", Call(EXP, Difference(exponent, m)), Kind.UNBOUNDED, "σ(f̃) once m₋₁ = 0")
        input_note = "overflows float32 above ĩ ≈ 88.7"
    return (
        stabiliser,
        Equation("i", Call(EXP, Difference(pre_i, m)), Kind.GATE if stabilised else Kind.UNBOUNDED, input_note),
        forget,
        Equation("g", Call(TANH, Symbol("g̃")), Kind.TANH),
        Equation("o", Call(SIGMOID, Symbol("õ")), Kind.GATE, "ĩ, f̃, g̃, õ = W x + R h₋₁ + b"),
        Equation(
            "c",
            Sum((Hadamard(Value("f"), Value("c", previous=True)), Hadamard(Value("i"), Value("g")))),
            Kind.UNBOUNDED,
        ),
        Equation("n", Sum((Hadamard(Value("f"), Value("n", previous=True)), Value("i"))), Kind.UNBOUNDED, "normaliser"),
        # c / n is a weighted mean of the g's (weights i, decayed by f): h stays within −1..1
        Equation("h", Quotient(Hadamard(Value("o"), Value("c")), Value("n")), Kind.TANH),
    )
