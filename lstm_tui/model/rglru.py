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
from .equations import (
    SIGMOID,
    SQRT,
    Apply,
    Call,
    Difference,
    Equation,
    Group,
    Hadamard,
    Kind,
    Number,
    Power,
    Sum,
    Symbol,
    Value,
    sigmoid_equation,
)
from .heads import check_heads, head_product, head_product_backward, head_weight_grad
from .minimal import aligned, copied
from .numerics import lead_sum, sigmoid

DECAY_SCALE = 8.0  # c
MIN_RADIUS, MAX_RADIUS = 0.9, 0.999  # σ(Λ) at initialisation (the reference's rnn_param_init)


class RGLRUCell(Cell):
    gate_names = ("r", "i")
    trace_names = ("r", "i", "a", "u", "h")

    def __init__(self, input_size: int, hidden_size: int, *, heads: int = 1, **kwargs):
        self.heads = heads
        self.head_size = check_heads(hidden_size, heads)
        super().__init__(input_size, hidden_size, **kwargs)

    decay_formula = "a"

    def memory_decay(self, trace, initial_state):
        return trace["a"]

    def build_options(self):
        return {"heads": self.heads}

    def param_shapes(self):
        H = self.hidden_size
        return {
            "weight_proj": (H, self.input_size),
            "weight_gate": (2 * H, self.head_size),
            "bias_gate": (2 * H,),
            "lambda": (H,),
        }

    def init_params(self, rng):
        """W_p uniform as the other cells' weights; the gates as the reference: N(0, 1/(H/heads)) weights,
        zero biases; Λ so that σ(Λ)² is uniform between 0.9² and 0.999² (a ring of radii)."""
        params = super().init_params(rng)
        params["weight_gate"] = rng.normal(0.0, np.sqrt(1.0 / self.head_size), self.param_shapes()["weight_gate"])
        params["bias_gate"] = np.zeros(2 * self.hidden_size)
        radius = np.sqrt(rng.uniform(MIN_RADIUS**2, MAX_RADIUS**2, self.hidden_size))
        params["lambda"] = np.log(radius / (1.0 - radius))
        return {name: value.astype(self.dtype) for name, value in params.items()}

    # --- input side: everything but the recurrence ----------------------------------------------------
    # The gates, a and the normalised input depend on the character alone, so the input terms are their
    # values (a character model tabulates them once per vocabulary entry) and a step is h = a ⊙ h₋₁ + b.
    def terms_size(self):
        return 5 * self.hidden_size  # r | i | a | u | b = √(1 − a²) ⊙ u

    def _forward_parts(self, inputs):
        """x̃, r, i, a, √(1 − a²), u and b for ``DenseInputs`` or ``OneHotRows`` (see ``Cell.terms_from``)."""
        projected = inputs.project(self.params["weight_proj"])
        pre = head_product(projected, self.params["weight_gate"], self.heads)
        pre += self.params["bias_gate"]
        r, i = sigmoid(pre[..., : self.hidden_size]), sigmoid(pre[..., self.hidden_size :])
        log_a = r * -self.decay_rates()
        a = np.exp(log_a)
        scale = np.sqrt(-np.expm1(2.0 * log_a))  # √(1 − a²), accurate when a is close to 1
        u = i * projected
        return projected, r, i, a, scale, u, scale * u

    def terms_from(self, inputs):
        _, r, i, a, _, u, b = self._forward_parts(inputs)
        return np.concatenate([r, i, a, u, b], axis=-1)

    def terms_backward(self, inputs, d_terms, grads):
        H = self.hidden_size
        projected, r, i, a, scale, u, _ = (aligned(part, d_terms) for part in self._forward_parts(inputs))
        d_r, d_i, d_a, d_u, d_b = (d_terms[..., k * H : (k + 1) * H] for k in range(5))
        d_u = d_u + d_b * scale
        # b = s ⊙ u with s = √(1 − a²): ∂s/∂log a = −a²/s; a = exp(log a), log a = −r ⊙ c·softplus(−Λ)
        slope = np.divide(a * a, scale, out=np.zeros_like(scale), where=scale > 0)
        d_log_a = d_a * a - d_b * u * slope
        rates = self.decay_rates()
        d_pre = np.concatenate(
            [(d_r - d_log_a * rates) * (r * (1.0 - r)), (d_i + d_u * projected) * (i * (1.0 - i))], axis=-1
        )
        d_projected = d_u * i + head_product_backward(d_pre, self.params["weight_gate"], self.heads)
        if grads is not None:
            grads["weight_gate"] += head_weight_grad(d_pre, projected, self.heads)
            grads["bias_gate"] += lead_sum(d_pre)
            grads["weight_proj"] += inputs.weight_gradient(d_projected)
            # d softplus(−Λ)/dΛ = −σ(−Λ)
            grads["lambda"] += lead_sum(d_log_a * r) * (DECAY_SCALE * sigmoid(-self.params["lambda"]))
        return inputs.input_gradient(d_projected, self.params["weight_proj"])

    def decay_rates(self):
        """c·softplus(−Λ) = −c·log σ(Λ), per unit: log a = −r ⊙ this."""
        return DECAY_SCALE * np.logaddexp(0.0, -self.params["lambda"])

    # --- the recurrence -------------------------------------------------------------------------------
    def buffer_widths(self):
        """r|i|a|u|b (the input terms), h."""
        return (5 * self.hidden_size, self.hidden_size)

    def trace_of(self, buffers):
        terms, h = buffers
        H = self.hidden_size
        return {**{name: terms[..., k * H : (k + 1) * H] for k, name in enumerate("riau")}, "h": h}

    def recur(self, terms, state, out=None):
        H = self.hidden_size
        terms_out, h_out = out or (None, None)  # None: NumPy allocates
        terms = copied(terms, terms_out)
        a = terms[..., 2 * H : 3 * H]
        h = np.multiply(a, state["h"], out=h_out)
        h += terms[..., 4 * H :]
        trace = {**{name: terms[..., k * H : (k + 1) * H] for k, name in enumerate("riau")}, "h": h}
        return {"h": h}, trace, (state["h"], a)

    def recur_backward(self, cache, d_state, grads, out=None):
        H = self.hidden_size
        h_prev, a = cache
        dh = d_state["h"]
        if out is None:
            out = np.empty(np.broadcast_shapes(dh.shape, h_prev.shape)[:-1] + (5 * H,), self.dtype)
        out[..., : 2 * H] = 0.0  # r and i reach h through a and b (terms_backward)
        np.multiply(dh, h_prev, out=out[..., 2 * H : 3 * H])
        out[..., 3 * H : 4 * H] = 0.0
        out[..., 4 * H :] = dh
        return out, {"h": dh * a}


def rglru_equations() -> tuple[Equation, ...]:
    a = Value("a")
    scale = Call(SQRT, Difference(Number(1), Power(a, Number(2))))  # √(1 − a^2)
    return (
        Equation("x̃", Apply(Symbol("W_p"), Symbol("x")), Kind.UNBOUNDED, "input projection: the character made H wide"),
        sigmoid_equation("r", "W_r x̃", "b_r", note="recurrence gate"),
        sigmoid_equation("i", "W_i x̃", "b_i", note="input gate"),
        Equation(
            "a",
            Power(Call(SIGMOID, Symbol("Λ")), Group(Hadamard(Number(DECAY_SCALE), Value("r")))),
            Kind.GATE,
            "c = 8; computed in log space",
        ),
        Equation("u", Hadamard(Value("i"), Symbol("x̃")), Kind.UNBOUNDED),
        Equation("h", Sum((Hadamard(a, Value("h", previous=True)), Hadamard(scale, Value("u")))), Kind.UNBOUNDED),
    )
