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

import numpy as np

from .cell import Cell
from .gru import blend
from .numerics import lead_sum, outer_sum, sigmoid


def g(v: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """v + ½ for v ≥ 0, σ(v) below: continuous, increasing and positive (into ``out`` if given)."""
    out = sigmoid(v, out)
    np.add(v, 0.5, out=out, where=v >= 0)
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


class _MinimalCell(Cell):
    """What minGRU and minLSTM share: input terms W x + b, a state h alone, no recurrent weights."""

    blocks: tuple[str, ...] = ()

    def param_shapes(self):
        rows = len(self.blocks) * self.hidden_size
        return {"weight_ih": (rows, self.input_size), "bias": (rows,)}

    def input_terms(self, x):
        terms = np.asarray(x, dtype=self.dtype) @ self.params["weight_ih"].T
        terms += self.params["bias"]
        return terms

    def input_terms_backward(self, x, d_terms, grads):
        if grads is not None:
            grads["weight_ih"] += outer_sum(d_terms, x)
            grads["bias"] += lead_sum(d_terms)
        return d_terms @ self.params["weight_ih"]

    def _split(self, terms):
        H = self.hidden_size
        return [terms[..., k * H : (k + 1) * H] for k in range(len(self.blocks))]

    def parallel_forward(self, inputs: np.ndarray | None = None, state=None, terms: np.ndarray | None = None):
        """h at every step (T, …, H) by the log-space parallel scan, from ``state`` (zeros by default);
        ``terms``: ``input_terms(inputs)`` if already at hand. Equal to ``forward``'s trace of h up to
        rounding."""
        if terms is None:
            terms = self.input_terms(inputs)
        h0 = self.init_state(terms.shape[1:-1])["h"] if state is None else np.asarray(state["h"], dtype=self.dtype)
        log_a, log_b = self.log_coefficients(terms)
        return linear_scan(log_a, log_b, h0)

    def log_coefficients(self, terms):
        raise NotImplementedError


class MinGRUCell(_MinimalCell):
    gate_names = ("z", "n")
    blocks = ("z", "n")

    def buffer_widths(self):
        """z, n, h."""
        return (self.hidden_size,) * 3

    def trace_of(self, buffers):
        z, n, h = buffers
        return {"z": z, "n": n, "h": h}

    def recur(self, terms, state, out=None):
        z_out, n_out, h_out = out or (None, None, None)  # None: NumPy allocates
        pre_z, pre_n = self._split(terms)
        z = sigmoid(pre_z, z_out)
        n = g(pre_n, n_out)
        h = blend(1.0 - z, state["h"], n, out=h_out)
        return {"h": h}, {"z": z, "n": n, "h": h}, (state["h"], pre_n, z, n)

    def recur_backward(self, cache, d_state, grads, out=None):
        h_prev, pre_n, z, n = cache
        dh = d_state["h"]
        d_pre_z = dh * (n - h_prev) * (z * (1.0 - z))
        d_pre_n = dh * z * g_derivative(pre_n, n)
        if out is None:
            out = np.empty(np.broadcast_shapes(d_pre_z.shape, d_pre_n.shape)[:-1] + (2 * self.hidden_size,), self.dtype)
        out[..., : self.hidden_size] = d_pre_z
        out[..., self.hidden_size :] = d_pre_n
        return out, {"h": dh * (1.0 - z)}

    def log_coefficients(self, terms):
        """log(1 − z) = −softplus(k_z), log(z ⊙ n) = −softplus(−k_z) + log g(k_n), as the reference's scan."""
        pre_z, pre_n = self._split(terms)
        return log_sigmoid(-pre_z), log_sigmoid(pre_z) + log_g(pre_n)


class MinLSTMCell(_MinimalCell):
    gate_names = ("f", "i", "n")
    blocks = ("f", "i", "n")

    def buffer_widths(self):
        """f, i, f_n, i_n, n, h."""
        return (self.hidden_size,) * 6

    def trace_of(self, buffers):
        return dict(zip(("f", "i", "f_n", "i_n", "n", "h"), buffers))

    def recur(self, terms, state, out=None):
        f_out, i_out, fn_out, in_out, n_out, h_out = out or (None,) * 6  # None: NumPy allocates
        pre_f, pre_i, pre_n = self._split(terms)
        f = sigmoid(pre_f, f_out)
        i = sigmoid(pre_i, i_out)
        total = f + i
        f_n = np.divide(f, total, out=fn_out)
        i_n = np.divide(i, total, out=in_out)
        n = g(pre_n, n_out)
        h = np.multiply(f_n, state["h"], out=h_out)
        h += i_n * n
        trace = {"f": f, "i": i, "f_n": f_n, "i_n": i_n, "n": n, "h": h}
        return {"h": h}, trace, (state["h"], pre_n, trace)

    def recur_backward(self, cache, d_state, grads, out=None):
        h_prev, pre_n, trace = cache
        f, i, f_n, i_n, n = (trace[name] for name in ("f", "i", "f_n", "i_n", "n"))
        dh = d_state["h"]
        # f_n = f/(f + i), i_n = i/(f + i): ∂f_n/∂f = i/s², ∂f_n/∂i = −f/s², and i_n the other way round
        spread = dh * (h_prev - n) / (f + i)  # (∂loss/∂f_n − ∂loss/∂i_n) / s
        d_pre_f = spread * i_n * (f * (1.0 - f))
        d_pre_i = -spread * f_n * (i * (1.0 - i))
        d_pre_n = dh * i_n * g_derivative(pre_n, n)
        H = self.hidden_size
        if out is None:
            out = np.empty(np.broadcast_shapes(d_pre_f.shape, d_pre_n.shape)[:-1] + (3 * H,), self.dtype)
        out[..., :H] = d_pre_f
        out[..., H : 2 * H] = d_pre_i
        out[..., 2 * H :] = d_pre_n
        return out, {"h": dh * f_n}

    def log_coefficients(self, terms):
        """log f_n = −softplus(d), log i_n = −softplus(−d), d = softplus(−k_f) − softplus(−k_i) (the
        reference's form of f/(f + i) and i/(f + i)); log b = log i_n + log g(k_n)."""
        pre_f, pre_i, pre_n = self._split(terms)
        spread = log_sigmoid(pre_i) - log_sigmoid(pre_f)
        return log_sigmoid(-spread), log_sigmoid(spread) + log_g(pre_n)


def mingru_equations() -> str:
    return "\n".join([
        "z = σ(W_z x + b_z)",
        "n = g(W_n x + b_n)      (g: v + ½ for v ≥ 0, σ of v below, so n > 0)",
        "h = (1 − z) ⊙ h₋₁ + z ⊙ n      (z takes the new candidate)",
    ])


def minlstm_equations() -> str:
    return "\n".join([
        "f = σ(W_f x + b_f)",
        "i = σ(W_i x + b_i)",
        "f_n = f / (f + i)      (normalised: f_n + i_n = 1)",
        "i_n = i / (f + i)",
        "n = g(W_n x + b_n)      (g: v + ½ for v ≥ 0, σ of v below, so n > 0)",
        "h = f_n ⊙ h₋₁ + i_n ⊙ n",
    ])
