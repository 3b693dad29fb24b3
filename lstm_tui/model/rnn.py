"""The plain (Elman) RNN, PyTorch ``nn.RNN`` convention:  h = tanh(W_ih x + b_ih + W_hh h₋₁ + b_hh)."""

from __future__ import annotations

import numpy as np

from .cell import Cell, outer_sum_before_each_step
from .equations import Equation, tanh_equation


class RNNCell(Cell):
    recurrent_grads_after_loop = True

    def param_shapes(self):
        H, D = self.hidden_size, self.input_size
        return {"weight_ih": (H, D), "weight_hh": (H, H), "bias_ih": (H,), "bias_hh": (H,)}

    def buffer_widths(self):
        return (self.hidden_size,)

    def trace_of(self, buffers):
        return {"h": buffers[0]}

    def recur(self, terms, state, out=None):
        h_prev = state["h"]
        pre = terms + np.dot(h_prev, self.params["weight_hh"].T)  # np.dot: less overhead than @ when small
        h = np.tanh(pre, out=pre if out is None else out[0])
        return {"h": h}, {"h": h}, (h_prev, h)

    def recur_backward(self, cache, d_state, grads, out=None):
        _, h = cache
        d_pre = np.multiply(d_state["h"], 1.0 - h * h, out=out)  # tanh' = 1 − tanh²  (min-char-rnn's dhraw)
        return d_pre, {"h": d_pre @ self.params["weight_hh"]}

    def recurrent_grads(self, result, d_terms, grads):
        grads["weight_hh"] += outer_sum_before_each_step(d_terms, result.initial_state["h"], result.trace["h"])


def rnn_equations() -> tuple[Equation, ...]:
    return (tanh_equation("h", "W_ih x", "b_ih", "W_hh h₋₁", "b_hh"),)
