"""The Real-Gated Linear Recurrent Unit of Griffin and Hawk (De et al. 2024, arXiv:2402.19427), as
google-deepmind/recurrentgemma's ``recurrentgemma/torch/layers.py`` (class ``RGLRU``) computes it:

    x̃ = W_p x                          input projection: the character made H wide
    r = σ(W_r x̃ + b_r)                 recurrence gate
    i = σ(W_i x̃ + b_i)                 input gate
    a = σ(Λ)^(c·r),  c = 8              computed as exp(−c·r ⊙ softplus(−Λ))
    u = i ⊙ x̃
    h = a ⊙ h₋₁ + √(1 − a²) ⊙ u

The gates see the input alone, so like minGRU the recurrence is diagonal and linear in h; a per-unit
decay a ∈ (0, 1) that the gate r can only shorten (r → 0 makes a → 1, keeping the state).

The input. In Griffin the RG-LRU sits in a block after a linear layer and a short convolution, and its
input is already H wide (the gates are square). A one-hot character is not, so this cell starts with the
projection x̃ = W_p x (H×D, no bias) and says so; the block's convolution, its GeLU branch and the output
layer are left out.

Against the reference: its Λ is stored negated (``a_param`` = −Λ: a = exp(−8·r·softplus(a_param))) and
its gates are block-diagonal with ``num_heads`` blocks (``heads`` here; one by default), weights stored
[in, out]. At a document start (segment position 0) the reference resets: a = 0 and the √(1 − a²)
factor is 1. This cell has no document boundaries; every step, the first included, is the formula above,
which is the reference's with positions counted from 1 and the state passed as its cache. The reference
keeps the state in float32 whatever the input's type, and clips the square root's derivative at 1000
(for bfloat16 training); here the state has the cell's dtype and BPTT is exact.

Parameters: ``weight_proj`` (H, D), ``weight_gate`` (2H, H/heads) rows r|i (see ``heads``), ``bias_gate``
(2H,) and ``lambda`` (H,), initialised as the reference does so that σ(Λ) lies in [0.9, 0.999].
"""

from __future__ import annotations

import numpy as np

from .cell import Cell
from .heads import check_heads, head_product, head_product_backward, head_weight_grad
from .numerics import lead_sum, outer_sum, sigmoid

DECAY_SCALE = 8.0  # c
MIN_RADIUS, MAX_RADIUS = 0.9, 0.999  # σ(Λ) at initialisation (the reference's rnn_param_init)


class RGLRUCell(Cell):
    gate_names = ("r", "i")

    def __init__(self, input_size: int, hidden_size: int, *, heads: int = 1, **kwargs):
        self.heads = heads
        self.head_size = check_heads(hidden_size, heads)
        super().__init__(input_size, hidden_size, **kwargs)

    def param_shapes(self):
        H = self.hidden_size
        return {"weight_proj": (H, self.input_size), "weight_gate": (2 * H, self.head_size),
                "bias_gate": (2 * H,), "lambda": (H,)}

    def init_params(self, rng):
        """W_p uniform as the other cells' weights; the gates as the reference: N(0, 1/(H/heads)) weights,
        zero biases; Λ so that σ(Λ)² is uniform between 0.9² and 0.999² (a ring of radii)."""
        params = super().init_params(rng)
        params["weight_gate"] = rng.normal(0.0, np.sqrt(1.0 / self.head_size), self.param_shapes()["weight_gate"])
        params["bias_gate"] = np.zeros(2 * self.hidden_size)
        radius = np.sqrt(rng.uniform(MIN_RADIUS**2, MAX_RADIUS**2, self.hidden_size))
        params["lambda"] = np.log(radius / (1.0 - radius))
        return {name: value.astype(self.dtype) for name, value in params.items()}

    # --- input side: everything but the recurrence ---------------------------------------------------
    def terms_size(self):
        return 3 * self.hidden_size  # x̃ | W_r x̃ + b_r | W_i x̃ + b_i

    def input_terms(self, x):
        x = np.asarray(x, dtype=self.dtype)
        projected = x @ self.params["weight_proj"].T
        gates = head_product(projected, self.params["weight_gate"], self.heads)
        gates += self.params["bias_gate"]
        return np.concatenate([projected, gates], axis=-1)

    def input_terms_backward(self, x, d_terms, grads):
        H = self.hidden_size
        d_gates = d_terms[..., H:]
        d_projected = d_terms[..., :H] + head_product_backward(d_gates, self.params["weight_gate"], self.heads)
        if grads is not None:
            projected = np.asarray(x, dtype=self.dtype) @ self.params["weight_proj"].T
            grads["weight_gate"] += head_weight_grad(d_gates, projected, self.heads)
            grads["bias_gate"] += lead_sum(d_gates)
            grads["weight_proj"] += outer_sum(d_projected, x)
        return d_projected @ self.params["weight_proj"]

    # --- the recurrence -------------------------------------------------------------------------------
    def decay_rates(self):
        """c·softplus(−Λ) = −c·log σ(Λ), per unit: log a = −r ⊙ this."""
        return DECAY_SCALE * np.logaddexp(0.0, -self.params["lambda"])

    def prepare_sequence(self, terms, buffers, terms_prepared=False):
        return terms, {"rates": self.decay_rates()}

    def buffer_widths(self):
        """r, i, a, u, h."""
        return (self.hidden_size,) * 5

    def trace_of(self, buffers):
        return dict(zip(("r", "i", "a", "u", "h"), buffers))

    def recur(self, terms, state, out=None, rates=None):
        """``rates``: ``decay_rates()``, computed once per sequence by ``forward``; None: computed here."""
        H = self.hidden_size
        r_out, i_out, a_out, u_out, h_out = out or (None,) * 5  # None: NumPy allocates
        rates = self.decay_rates() if rates is None else rates
        projected = terms[..., :H]
        r = sigmoid(terms[..., H : 2 * H], r_out)
        i = sigmoid(terms[..., 2 * H :], i_out)
        log_a = r * -rates
        a = np.exp(log_a, out=a_out)
        scale = np.expm1(2.0 * log_a)  # a² − 1, accurate when a is close to 1
        np.negative(scale, out=scale)
        np.sqrt(scale, out=scale)
        u = np.multiply(i, projected, out=u_out)
        h = np.multiply(a, state["h"], out=h_out)
        h += scale * u
        trace = {"r": r, "i": i, "a": a, "u": u, "h": h}
        return {"h": h}, trace, (state["h"], projected, scale, trace)

    def recur_backward(self, cache, d_state, grads, out=None, rates=None):
        H = self.hidden_size
        h_prev, projected, scale, trace = cache
        r, i, a, u = trace["r"], trace["i"], trace["a"], trace["u"]
        rates = self.decay_rates() if rates is None else rates
        dh = d_state["h"]
        # h = a ⊙ h₋₁ + s ⊙ u with s = √(1 − a²): ∂h/∂log a = a ⊙ h₋₁ − (a²/s) ⊙ u
        slope = np.divide(a * a, scale, out=np.zeros_like(scale), where=scale > 0)
        d_log_a = dh * (a * h_prev - slope * u)
        du = dh * scale
        if grads is not None:
            # log a = −r ⊙ c·softplus(−Λ), and d softplus(−Λ)/dΛ = −σ(−Λ)
            grads["lambda"] += lead_sum(d_log_a * r) * (DECAY_SCALE * sigmoid(-self.params["lambda"]))
        if out is None:
            out = np.empty(np.broadcast_shapes(du.shape, d_log_a.shape)[:-1] + (3 * H,), self.dtype)
        np.multiply(du, i, out=out[..., :H])
        np.multiply(d_log_a, -rates * r * (1.0 - r), out=out[..., H : 2 * H])
        np.multiply(du, projected * i * (1.0 - i), out=out[..., 2 * H :])
        return out, {"h": dh * a}


def rglru_equations() -> str:
    return "\n".join([
        "x̃ = W_p x      (input projection: the character made H wide)",
        "r = σ(W_r x̃ + b_r)      (recurrence gate)",
        "i = σ(W_i x̃ + b_i)      (input gate)",
        "a = σ(Λ)^(8·r)      (c = 8; computed in log space)",
        "u = i ⊙ x̃",
        "h = a ⊙ h₋₁ + √(1 − a²) ⊙ u",
    ])
