"""minGRU and minLSTM (Feng et al. 2024, "Were RNNs All We Needed?", arXiv:2410.01201): gates that see
only the input, so a whole sequence can be computed by a parallel scan instead of a loop.

    minGRU   z = σ(W_z x + b_z)                     update gate
             n = g(W_n x + b_n)                     candidate
             h = (1 − z) ⊙ h₋₁ + z ⊙ n              z takes the new candidate
    minLSTM  f = σ(W_f x + b_f),  i = σ(W_i x + b_i)
             f_n = f / (f + i),   i_n = i / (f + i)  normalised: f_n + i_n = 1
             n = g(W_n x + b_n)
             h = f_n ⊙ h₋₁ + i_n ⊙ n

with g(v) = v + ½ for v ≥ 0 and σ(v) for v < 0, which keeps the candidate positive (the paper's log-space
version, Appendix B.3). Nothing here multiplies h₋₁ by a weight: each step is h = a ⊙ h₋₁ + b with a and
b known from the inputs alone, a linear recurrence. So h_t = A_t ⊙ h₀ + Σ_{s≤t} (A_t / A_s) ⊙ b_s with
A_t = a_1 ⋯ a_t, which ``parallel_forward`` computes for every t at once in log space (Heinsen's scan:
log A = cumsum(log a), then a log-cumsum-exp of log b − log A), as the paper's Appendix B does.

The initial state. The reference code (lucidrains/minGRU-pytorch, ``minGRU.py`` and ``minLSTM.py``) puts
h₀ into the scan as one more value, log h₀: NaN for any negative entry in minGRU, and minLSTM takes
log g(h₀) instead, so its parallel result starts from g(h₀) while its sequential step starts from h₀.
Here h₀ stays out of the logarithm: its share A_t ⊙ h₀ is added after the scan, so the two forms agree
for any h₀, positive, negative or zero.

Parameters (biases as the paper's Linear layers have them; the reference code leaves them out):
``weight_ih`` (2H, D) rows z|n and ``bias`` (2H,) for minGRU; ``weight_ih`` (3H, D) rows f|i|n and
``bias`` (3H,) for minLSTM.
"""

from __future__ import annotations

import math

import numpy as np

from .cell import AffineInput, Cell, DenseInputs
from .equations import (
    Call,
    Equation,
    Function,
    Group,
    Hadamard,
    Kind,
    Quotient,
    Sum,
    Value,
    affine,
    blend_equation,
    sigmoid_equation,
)
from .gru import blend
from .numerics import sigmoid


def g(v: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """v + ½ for v ≥ 0, σ(v) below: continuous, increasing and positive (into ``out`` if given, which may be
    ``v`` itself)."""
    above, shifted = v >= 0, v + 0.5
    out = sigmoid(v, out)
    np.copyto(out, shifted, where=above)
    return out


def g_derivative(v: np.ndarray, g_of_v: np.ndarray) -> np.ndarray:
    """g'(v) from v and g(v): 1 for v ≥ 0, σ(v)(1 − σ(v)) below."""
    return np.where(v >= 0, 1.0, g_of_v * (1.0 - g_of_v))


def log_g(v: np.ndarray) -> np.ndarray:
    """log g(v), without forming a σ that underflows: log(v + ½) for v ≥ 0, −softplus(−v) below."""
    return np.where(v >= 0, np.log(np.maximum(v, 0.0) + 0.5), -np.logaddexp(0.0, -v))


def log_sigmoid(v: np.ndarray) -> np.ndarray:
    """log σ(v) = −softplus(−v), finite for every finite v."""
    return -np.logaddexp(0.0, -v)


def linear_scan(log_a: np.ndarray, log_b: np.ndarray, h0: np.ndarray) -> np.ndarray:
    """Every h_t of h_t = a_t ⊙ h_{t−1} + b_t (t = 1 … T along axis 0), given log a, log b (b > 0) and h₀.

    Heinsen's log-space scan for the b terms; h₀ enters linearly, as A_t ⊙ h₀."""
    log_A = np.cumsum(log_a, axis=0)
    scanned = np.logaddexp.accumulate(log_b - log_A, axis=0)
    scanned += log_A
    h = np.exp(scanned, out=scanned)
    h += np.exp(log_A) * h0
    return h


def copied(terms: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """``terms`` themselves for a lone step, or copied into ``out`` (a row of a sequence's trace)."""
    if out is None:
        return terms
    np.copyto(out, terms)
    return out


def aligned(values: np.ndarray, d_terms: np.ndarray) -> np.ndarray:
    """``values`` (T, …, W) computed from the inputs of ``terms_backward``, shaped to broadcast against its
    cotangents: those may carry extra axes right after time (T, k, …, ·), as the gradient lab's batch of
    output directions does, and a one-hot table's may leave out its last row (x = 0)."""
    extra = d_terms.ndim - values.ndim
    if extra < 0 or values.ndim == 1:
        return values
    if extra == 0:
        return values[: d_terms.shape[0]]
    return values.reshape(values.shape[:1] + (1,) * extra + values.shape[1:])


class _MinimalCell(Cell):
    """What minGRU and minLSTM share: pre-activations W x + b, a state h alone, no recurrent weights.

    Every gate and the candidate depend on the input alone, so the input terms (``terms_from``) are their
    activations (a character model tabulates them once per vocabulary entry) and a step only mixes h₋₁
    with them: ``terms_backward`` carries the activations' derivatives."""

    blocks: tuple[str, ...] = ()

    def param_shapes(self):
        rows = len(self.blocks) * self.hidden_size
        return {"weight_ih": (rows, self.input_size), "bias": (rows,)}

    def pre_activations(self, inputs):
        """W x + b for ``DenseInputs`` or ``OneHotRows`` (see ``Cell.terms_from``)."""
        return AffineInput.terms_from(self, inputs)

    def terms_backward(self, inputs, d_terms, grads):
        d_pre = self.activations_backward(aligned(self.pre_activations(inputs), d_terms), d_terms)
        return AffineInput.terms_backward(self, inputs, d_pre, grads)

    def activations_backward(self, pre, d_terms):
        """∂loss/∂(pre-activations) from ∂loss/∂terms."""
        raise NotImplementedError

    def _split(self, array, count=None):
        H = self.hidden_size
        return [array[..., k * H : (k + 1) * H] for k in range(count or len(self.blocks))]

    def parallel_forward(self, inputs: np.ndarray, state=None):
        """h at every step (T, …, H) by the log-space parallel scan over ``inputs`` (T, …, D), from ``state``
        (zeros by default). Equal to ``forward``'s trace of h up to rounding."""
        pre = self.pre_activations(DenseInputs(np.asarray(inputs, dtype=self.dtype)))
        h0 = self.init_state(pre.shape[1:-1])["h"] if state is None else np.asarray(state["h"], dtype=self.dtype)
        log_a, log_b = self.log_coefficients(pre)
        return linear_scan(log_a, log_b, h0)

    def log_coefficients(self, pre):
        """log a and log b of h = a ⊙ h₋₁ + b, from the pre-activations."""
        raise NotImplementedError

    def reference_parallel_forward(self, inputs: np.ndarray, state):
        """What the reference's parallel path (mingru-pytorch 0.2.1, ``prev_hidden`` given) computes: h₀
        enters the scan as one more value, in log space (``log_start``), so the scan starts from
        exp(log_start(h₀)), not from h₀. For comparison only: ``parallel_forward`` is right for any h₀."""
        pre = self.pre_activations(DenseInputs(np.asarray(inputs, dtype=self.dtype)))
        log_a, log_b = self.log_coefficients(pre)
        h0 = np.asarray(state["h"], dtype=self.dtype)
        log_a = np.concatenate([np.zeros_like(log_a[:1]), log_a])
        with np.errstate(invalid="ignore", divide="ignore"):  # log of a negative entry: NaN, as in torch
            log_b = np.concatenate([np.broadcast_to(self.log_start(h0), log_b.shape[1:])[None], log_b])
            return linear_scan(log_a, log_b, np.zeros_like(h0))[1:]

    @staticmethod
    def log_start(h0: np.ndarray) -> np.ndarray:
        """How the reference's scan takes h₀ into log space."""
        raise NotImplementedError


class MinGRUCell(_MinimalCell):
    gate_names = ("z", "n")
    trace_names = ("z", "n", "h")
    blocks = ("z", "n")

    decay_formula = "1 − z"

    def memory_decay(self, trace, initial_state):
        return 1.0 - trace["z"]

    def terms_size(self):
        return 2 * self.hidden_size  # z | n

    def terms_from(self, inputs):
        pre = self.pre_activations(inputs)
        pre_z, pre_n = self._split(pre)
        sigmoid(pre_z, pre_z)
        g(pre_n, pre_n)
        return pre

    def activations_backward(self, pre, d_terms):
        pre_z, pre_n = self._split(pre)
        d_z, d_n = self._split(d_terms)
        z = sigmoid(pre_z)
        return np.concatenate([d_z * z * (1.0 - z), d_n * g_derivative(pre_n, g(pre_n))], axis=-1)

    def buffer_widths(self):
        """z|n (the input terms), h."""
        return (2 * self.hidden_size, self.hidden_size)

    def trace_of(self, buffers):
        gates, h = buffers
        z, n = self._split(gates)
        return {"z": z, "n": n, "h": h}

    def recur(self, terms, state, out=None):
        gates_out, h_out = out or (None, None)  # None: NumPy allocates
        gates = copied(terms, gates_out)
        z, n = self._split(gates)
        h = blend(1.0 - z, state["h"], n, out=h_out)
        return {"h": h}, {"z": z, "n": n, "h": h}, (state["h"], z, n)

    def recur_backward(self, cache, d_state, grads, out=None):
        h_prev, z, n = cache
        dh = d_state["h"]
        d_z = dh * (n - h_prev)
        if out is None:
            out = np.empty(d_z.shape[:-1] + (2 * self.hidden_size,), self.dtype)
        out[..., : self.hidden_size] = d_z
        np.multiply(dh, z, out=out[..., self.hidden_size :])
        return out, {"h": dh * (1.0 - z)}

    @staticmethod
    def log_start(h0):
        """log h₀ (``prev_hidden.log()``): NaN for a negative entry."""
        return np.log(h0)

    def log_coefficients(self, pre):
        """log(1 − z) = −softplus(k_z), log(z ⊙ n) = −softplus(−k_z) + log g(k_n), as the reference's scan."""
        pre_z, pre_n = self._split(pre)
        return log_sigmoid(-pre_z), log_sigmoid(pre_z) + log_g(pre_n)


class MinLSTMCell(_MinimalCell):
    gate_names = ("f", "i", "n")
    blocks = ("f", "i", "n")
    trace_names = ("f", "i", "f_n", "i_n", "n", "h")
    term_names = ("f", "i", "f_n", "i_n", "n")  # the input terms, in this order

    decay_formula = "f_n"

    def memory_decay(self, trace, initial_state):
        return trace["f_n"]

    def terms_size(self):
        return 5 * self.hidden_size

    def terms_from(self, inputs):
        pre_f, pre_i, pre_n = self._split(self.pre_activations(inputs))
        f, i = sigmoid(pre_f), sigmoid(pre_i)
        total = f + i
        return np.concatenate([f, i, f / total, i / total, g(pre_n)], axis=-1)

    def activations_backward(self, pre, d_terms):
        pre_f, pre_i, pre_n = self._split(pre)
        f, i = sigmoid(pre_f), sigmoid(pre_i)
        total = f + i
        d_f, d_i, d_fn, d_in, d_n = self._split(d_terms, 5)
        # f_n = f/(f + i), i_n = i/(f + i): ∂f_n/∂f = i/s², ∂f_n/∂i = −f/s², and i_n the other way round
        spread = (d_fn - d_in) / total**2
        d_pre_f = (d_f + spread * i) * (f * (1.0 - f))
        d_pre_i = (d_i - spread * f) * (i * (1.0 - i))
        return np.concatenate([d_pre_f, d_pre_i, d_n * g_derivative(pre_n, g(pre_n))], axis=-1)

    def buffer_widths(self):
        """f|i|f_n|i_n|n (the input terms), h."""
        return (5 * self.hidden_size, self.hidden_size)

    def trace_of(self, buffers):
        gates, h = buffers
        return {**dict(zip(self.term_names, self._split(gates, 5))), "h": h}

    def recur(self, terms, state, out=None):
        gates_out, h_out = out or (None, None)  # None: NumPy allocates
        gates = copied(terms, gates_out)
        trace = dict(zip(self.term_names, self._split(gates, 5)))
        h = np.multiply(trace["f_n"], state["h"], out=h_out)
        h += trace["i_n"] * trace["n"]
        trace["h"] = h
        return {"h": h}, trace, (state["h"], trace)

    def recur_backward(self, cache, d_state, grads, out=None):
        h_prev, trace = cache
        dh = d_state["h"]
        H = self.hidden_size
        if out is None:
            out = np.empty(np.broadcast_shapes(dh.shape, h_prev.shape)[:-1] + (5 * H,), self.dtype)
        out[..., : 2 * H] = 0.0  # f and i reach h only through f_n and i_n (terms_backward)
        np.multiply(dh, h_prev, out=out[..., 2 * H : 3 * H])
        np.multiply(dh, trace["n"], out=out[..., 3 * H : 4 * H])
        np.multiply(dh, trace["i_n"], out=out[..., 4 * H :])
        return out, {"h": dh * trace["f_n"]}

    @staticmethod
    def log_start(h0):
        """log g(h₀) (``log_g(prev_hidden)``): the scan starts from g(h₀) (h₀ + ½ for h₀ ≥ 0)."""
        return log_g(h0)

    def log_coefficients(self, pre):
        """log f_n = −softplus(d), log i_n = −softplus(−d), d = softplus(−k_f) − softplus(−k_i) (the
        reference's form of f/(f + i) and i/(f + i)); log b = log i_n + log g(k_n)."""
        pre_f, pre_i, pre_n = self._split(pre)
        spread = log_sigmoid(pre_i) - log_sigmoid(pre_f)
        return log_sigmoid(-spread), log_sigmoid(spread) + log_g(pre_n)


def _g_inverse(value: float) -> float | None:
    """v from g(v): v = g − ½ above ½, logit(g) below."""
    if value >= 0.5:
        return value - 0.5
    return math.log(value / (1.0 - value)) if value > 0.0 else None


G = Function("g", _g_inverse)
G_NOTE = "g: v + ½ for v ≥ 0, σ(v) below, so n > 0"


def mingru_equations() -> tuple[Equation, ...]:
    return (
        sigmoid_equation("z", "W_z x", "b_z"),
        Equation("n", Call(G, affine("W_n x", "b_n")), Kind.UNBOUNDED, G_NOTE),
        blend_equation("h", "z", "n", gate_keeps_old=False),
    )


def minlstm_equations() -> tuple[Equation, ...]:
    f, i = Value("f"), Value("i")
    total = Group(Sum((f, i)))
    return (
        sigmoid_equation("f", "W_f x", "b_f"),
        sigmoid_equation("i", "W_i x", "b_i"),
        Equation("f_n", Quotient(f, total), Kind.GATE, "normalised: f_n + i_n = 1"),
        Equation("i_n", Quotient(i, total), Kind.GATE),
        Equation("n", Call(G, affine("W_n x", "b_n")), Kind.UNBOUNDED, G_NOTE),
        Equation(
            "h",
            Sum((Hadamard(Value("f_n"), Value("h", previous=True)), Hadamard(Value("i_n"), Value("n")))),
            Kind.UNBOUNDED,
        ),
    )
