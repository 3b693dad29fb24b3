"""The LSTM family: PyTorch's LSTM, Greff et al.'s peephole LSTM and its eight one-change variants.

One class covers them all, because each variant is a switch on the vanilla cell (Greff et al. 2017):

    i = σ(W_i x + R_i h₋₁ + p_i ⊙ c₋₁ + b_i)         input gate        (NIG: i = 1)
    f = σ(W_f x + R_f h₋₁ + p_f ⊙ c₋₁ + b_f)         forget gate       (NFG: f = 1; CIFG: f = 1 − i)
    g = tanh(W_g x + R_g h₋₁ + b_g)                  candidate         (NIAF: no tanh)
    c = f ⊙ c₋₁ + i ⊙ g
    o = σ(W_o x + R_o h₋₁ + p_o ⊙ c + b_o)           output gate       (NOG: o = 1), peeps at the new c
    h = o ⊙ tanh(c)                                                    (NOAF: h = o ⊙ c)

Without peepholes (p = 0, no parameters) this is exactly PyTorch's ``nn.LSTM``. Weights keep PyTorch's
layout: rows in blocks i|f|g|o, an ablated gate's block simply absent, biases ``bias_ih`` and ``bias_hh``.
FGR (full gate recurrence) adds the previous step's gate activations to every gate's pre-activation
through ``weight_gates``, whose 3×3 blocks are Greff's nine extra matrices.
"""

from __future__ import annotations

import numpy as np

from .cell import Cell
from .numerics import lead_sum, outer_sum, sigmoid


class LSTMCell(Cell):
    gate_names = ("i", "f", "g", "o")

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        peepholes: bool = False,
        input_gate: bool = True,
        forget_gate: str = "learned",  # "learned", "none" (NFG) or "coupled" (CIFG: f = 1 − i)
        output_gate: bool = True,
        input_activation: bool = True,  # False: NIAF, the candidate is linear
        output_activation: bool = True,  # False: NOAF, h = o ⊙ c
        full_gate_recurrence: bool = False,
        forget_bias: float | None = 1.0,
        **kwargs,
    ):
        if forget_gate not in ("learned", "none", "coupled"):
            raise ValueError(f"forget_gate must be learned, none or coupled, not {forget_gate!r}")
        if forget_gate == "coupled" and not input_gate:
            raise ValueError("a coupled forget gate needs the input gate")
        self.peepholes = peepholes
        self.forget_gate = forget_gate
        self.input_activation = input_activation
        self.output_activation = output_activation
        self.full_gate_recurrence = full_gate_recurrence
        self.forget_bias = forget_bias
        learned = {"i": input_gate, "f": forget_gate == "learned", "g": True, "o": output_gate}
        self.blocks = tuple(name for name in "ifgo" if learned[name])
        self.sigmoid_blocks = tuple(name for name in self.blocks if name != "g")
        if full_gate_recurrence:
            self.state_names = ("h", "c", "gates")
        else:
            self.state_names = ("h", "c")
        H = hidden_size
        self.rows = {name: slice(k * H, (k + 1) * H) for k, name in enumerate(self.blocks)}
        self.sigmoid_rows = np.concatenate([np.arange(H) + self.rows[b].start for b in self.sigmoid_blocks])
        super().__init__(input_size, hidden_size, **kwargs)
        self._constants = self._activation_constants()

    def param_shapes(self):
        H, D, rows = self.hidden_size, self.input_size, len(self.blocks) * self.hidden_size
        shapes = {"weight_ih": (rows, D), "weight_hh": (rows, H), "bias_ih": (rows,), "bias_hh": (rows,)}
        if self.peepholes:
            for gate in ("i", "f", "o"):
                if gate in self.blocks:
                    shapes[f"peephole_{gate}"] = (H,)
        if self.full_gate_recurrence:
            gates = len(self.sigmoid_blocks) * H
            shapes["weight_gates"] = (gates, gates)
        return shapes

    def init_params(self, rng):
        params = super().init_params(rng)
        if self.forget_bias is not None and "f" in self.blocks:
            # Jozefowicz et al. 2015: start the forget gate open. The effective bias is bias_ih + bias_hh.
            params["bias_ih"][self.rows["f"]] = self.forget_bias
            params["bias_hh"][self.rows["f"]] = 0.0
        return params

    def state_size(self, name):
        return len(self.sigmoid_blocks) * self.hidden_size if name == "gates" else self.hidden_size

    # --- forward ---------------------------------------------------------------------------------
    def _activation_constants(self):
        """σ(x) = ½ + ½·tanh(x/2): scaling sigmoid rows by ½ lets one tanh call activate every block."""
        scale = np.ones(len(self.blocks) * self.hidden_size, dtype=self.dtype)
        scale[self.sigmoid_rows] = 0.5
        offset = np.where(scale == 0.5, 0.5, 0.0).astype(self.dtype)
        return scale, offset

    def recur(self, terms, state):
        p = self.params
        h_prev, c_prev = state["h"], state["c"]
        pre = np.dot(h_prev, p["weight_hh"].T)  # np.dot: less call overhead than @ on small arrays
        pre += terms
        if self.full_gate_recurrence:
            pre[..., self.sigmoid_rows] += state["gates"] @ p["weight_gates"].T
        if self.peepholes:  # the input and forget gates peep at the previous cell state
            for gate in ("i", "f"):
                if gate in self.rows:
                    pre[..., self.rows[gate]] += p[f"peephole_{gate}"] * c_prev
        scale, offset = self._constants
        active = np.tanh(pre * scale)
        active *= scale
        active += offset
        block = {name: active[..., rows] for name, rows in self.rows.items()}
        if len(block) < 4:  # an ablated gate is the constant 1
            ones = np.ones_like(c_prev)
            block = {"i": ones, "f": ones, "o": ones, **block}
        i = block["i"]
        f = 1.0 - i if self.forget_gate == "coupled" else block["f"]
        g = block["g"] if self.input_activation else pre[..., self.rows["g"]]
        c = f * c_prev
        c += i * g
        o = block["o"]
        if self.peepholes and "o" in self.rows:  # the output gate peeps at the new cell state
            o = sigmoid(pre[..., self.rows["o"]] + p["peephole_o"] * c)
        y = np.tanh(c) if self.output_activation else c
        h = o * y
        gate_values = {"i": i, "f": f, "g": g, "o": o}
        new_state = {"h": h, "c": c}
        if self.full_gate_recurrence:
            new_state["gates"] = np.concatenate([gate_values[b] for b in self.sigmoid_blocks], axis=-1)
        cache = (state, gate_values, c, y)
        return new_state, {**gate_values, "c": c, "h": h}, cache

    # --- backward --------------------------------------------------------------------------------
    def recur_backward(self, cache, d_state, grads):
        p = self.params
        state, gate, c, y = cache
        i, f, g, o = gate["i"], gate["f"], gate["g"], gate["o"]
        h_prev, c_prev = state["h"], state["c"]
        dh = d_state["h"]
        # ∂loss/∂(gate activation): from this step's use, plus (FGR) from the next step's gate inputs.
        d_gate = {"i": 0.0, "f": 0.0, "o": 0.0}
        if self.full_gate_recurrence:
            H = self.hidden_size
            for k, name in enumerate(self.sigmoid_blocks):
                d_gate[name] = d_state["gates"][..., k * H : (k + 1) * H]
        d_pre = {}
        d_gate["o"] = d_gate["o"] + dh * y
        dy = dh * o
        dc = d_state["c"] + (dy * (1.0 - y * y) if self.output_activation else dy)
        if "o" in self.blocks:
            d_pre["o"] = d_gate["o"] * o * (1.0 - o)
            if self.peepholes:
                dc = dc + d_pre["o"] * p["peephole_o"]
        d_gate["i"] = d_gate["i"] + dc * g
        d_gate["f"] = d_gate["f"] + dc * c_prev
        dg = dc * i
        if self.forget_gate == "coupled":
            d_gate["i"] = d_gate["i"] - d_gate["f"]
        if "f" in self.blocks:
            d_pre["f"] = d_gate["f"] * f * (1.0 - f)
        if "i" in self.blocks:
            d_pre["i"] = d_gate["i"] * i * (1.0 - i)
        d_pre["g"] = dg * (1.0 - g * g) if self.input_activation else dg
        dc_prev = dc * f
        if self.peepholes:
            for name in ("i", "f"):
                if name in d_pre:
                    dc_prev = dc_prev + d_pre[name] * p[f"peephole_{name}"]
        d_terms = np.concatenate(np.broadcast_arrays(*[d_pre[b] for b in self.blocks]), axis=-1)
        d_prev = {"h": d_terms @ p["weight_hh"], "c": dc_prev}
        if self.full_gate_recurrence:
            d_prev["gates"] = d_terms[..., self.sigmoid_rows] @ p["weight_gates"]
        if grads is not None:
            grads["weight_hh"] += outer_sum(d_terms, h_prev)
            if self.peepholes:
                for name in ("i", "f", "o"):
                    if name in self.blocks:
                        source = c if name == "o" else c_prev
                        grads[f"peephole_{name}"] += lead_sum(d_pre[name] * source)
            if self.full_gate_recurrence:
                grads["weight_gates"] += outer_sum(d_terms[..., self.sigmoid_rows], state["gates"])
        return d_terms, d_prev


def lstm_equations(
    peepholes=False,
    input_gate=True,
    forget_gate="learned",
    output_gate=True,
    input_activation=True,
    output_activation=True,
    full_gate_recurrence=False,
) -> str:
    """The equations a given switch setting computes, in the notation of the module docstring."""
    recurrence = " + Σ R·gate₋₁" if full_gate_recurrence else ""

    def gate(name, peeps_at):
        peephole = f" + p_{name} ⊙ {peeps_at}" if peepholes else ""
        return f"σ(W_{name} x + R_{name} h₋₁{peephole}{recurrence} + b_{name})"

    lines = [f"i = {gate('i', 'c₋₁')}" if input_gate else "i = 1"]
    if forget_gate == "learned":
        lines.append(f"f = {gate('f', 'c₋₁')}")
    else:
        lines.append("f = 1 − i" if forget_gate == "coupled" else "f = 1")
    candidate = "W_g x + R_g h₋₁ + b_g"
    lines.append(f"g = tanh({candidate})" if input_activation else f"g = {candidate}")
    lines.append("c = f ⊙ c₋₁ + i ⊙ g")
    lines.append(f"o = {gate('o', 'c')}" if output_gate else "o = 1")
    lines.append("h = o ⊙ tanh(c)" if output_activation else "h = o ⊙ c")
    return "\n".join(lines)
