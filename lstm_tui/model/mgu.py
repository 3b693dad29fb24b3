"""The Minimal Gated Unit (Zhou et al. 2016, arXiv:1603.09420): a GRU whose one forget gate does both jobs.

    f = σ(W_if x + W_hf h₋₁ + b_f)              forget gate, also the reset gate
    n = tanh(W_in x + W_hn (f ⊙ h₋₁) + b_n)     candidate
    h = (1 − f) ⊙ h₋₁ + f ⊙ n                   f takes the new candidate

Parameters, as in the paper one bias per pre-activation: ``weight_ih`` (2H, D), ``weight_hh`` (2H, H)
and ``bias`` (2H,), rows f|n.
"""

from __future__ import annotations

import numpy as np

from .cell import AffineInput, Cell
from .equations import Equation, blend_equation, gated_reset, sigmoid_equation, tanh_equation
from .gru import blend, blend_backward, reset_before_backward
from .numerics import outer_sum, sigmoid


class MGUCell(AffineInput, Cell):
    gate_names = ("f", "n")
    trace_names = ("f", "n", "h")

    decay_formula = "1 − f"

    def memory_decay(self, trace, initial_state):
        return 1.0 - trace["f"]

    def param_shapes(self):
        H, D = self.hidden_size, self.input_size
        return {"weight_ih": (2 * H, D), "weight_hh": (2 * H, H), "bias": (2 * H,)}

    def buffer_widths(self):
        """f, n, h."""
        return (self.hidden_size,) * 3

    def trace_of(self, buffers):
        f, n, h = buffers
        return {"f": f, "n": n, "h": h}

    def recur(self, terms, state, out=None):
        H = self.hidden_size
        weight_hh = self.params["weight_hh"]
        h_prev = state["h"]
        f_out, n_out, h_out = out or (None, None, None)  # None: NumPy allocates
        f = sigmoid(terms[..., :H] + np.dot(h_prev, weight_hh[:H].T), f_out)
        n = np.add(terms[..., H:], np.dot(f * h_prev, weight_hh[H:].T), n_out)
        np.tanh(n, n)
        h = blend(1.0 - f, h_prev, n, out=h_out)
        return {"h": h}, {"f": f, "n": n, "h": h}, (h_prev, f, n)

    def recur_backward(self, cache, d_state, grads, out=None):
        H = self.hidden_size
        weight_hh = self.params["weight_hh"]
        h_prev, f, n = cache
        d_keep, dh_prev, dn = blend_backward(d_state["h"], 1.0 - f, h_prev, n)
        d_pre_n = dn * (1.0 - n * n)
        df_as_reset, dh_from_n = reset_before_backward(d_pre_n, f, h_prev, weight_hh[H:])
        d_pre_f = (df_as_reset - d_keep) * f * (1.0 - f)
        dh_prev = dh_prev + dh_from_n + d_pre_f @ weight_hh[:H]
        if grads is not None:
            grads["weight_hh"][:H] += outer_sum(d_pre_f, h_prev)
            grads["weight_hh"][H:] += outer_sum(d_pre_n, f * h_prev)
        return np.concatenate([d_pre_f, d_pre_n], axis=-1, out=out), {"h": dh_prev}


def mgu_equations() -> tuple[Equation, ...]:
    return (
        sigmoid_equation("f", "W_if x", "W_hf h₋₁", "b_f"),
        tanh_equation("n", "W_in x", gated_reset("f"), "b_n"),
        blend_equation("h", "f", "n", gate_keeps_old=False),
    )
