"""Jozefowicz, Zaremba & Sutskever's three best mutants of the GRU (ICML 2015), MUT1, MUT2 and MUT3.

The paper writes h' = n ⊙ z + h ⊙ (1 − z): z takes the new candidate, as in the other GRUs it
searched from. With W_i· input weights and W_h· recurrent weights:

    MUT1  r = σ(W_ir x + W_hr h₋₁ + b_r)       z = σ(W_iz x + b_z)
          n = tanh(W_hn (r ⊙ h₋₁) + tanh(x̃) + b_n)
    MUT2  r = σ(x̃ + W_hr h₋₁ + b_r)            z = σ(W_iz x + W_hz h₋₁ + b_z)
          n = tanh(W_hn (r ⊙ h₋₁) + W_in x + b_n)
    MUT3  r = σ(W_ir x + W_hr h₋₁ + b_r)       z = σ(W_iz x + W_hz tanh(h₋₁) + b_z)
          n = tanh(W_hn (r ⊙ h₋₁) + W_in x + b_n)
    all   h = (1 − z) ⊙ h₋₁ + z ⊙ n

The paper's MUT1 uses tanh(x) and MUT2 a bare x where a hidden-sized vector is needed, which only works
when the input size equals the hidden size. Here x̃ = P x, a learned H×D projection without bias, stands
in for x at exactly those two places and nowhere else. (In MUT2 P x enters r just as W_ir x would, so
the learned projection gives r ordinary input weights; the paper's D = H form fixes P to the identity.)

Parameters, one bias per pre-activation as in the paper; an absent block is simply left out:

* ``weight_ih``: rows r|z (MUT1), z|n (MUT2) or r|z|n (MUT3), each (H, D);
* ``weight_proj`` (H, D): P (MUT1 and MUT2 only);
* ``weight_hh``: rows r|n (MUT1, whose z ignores h₋₁) or r|z|n, each (H, H);
* ``bias`` (3H,): rows r|z|n.

``input_terms`` returns rows r|z|n holding W x (or x̃) plus the bias, except MUT1's candidate row: it
holds the bare x̃, because b_n is added after tanh(x̃), which ``recur`` applies.
"""

from __future__ import annotations

import numpy as np

from .cell import Cell
from .equations import (
    TANH,
    Apply,
    Call,
    Equation,
    Kind,
    Symbol,
    Value,
    blend_equation,
    gated_reset,
    sigmoid_equation,
    tanh_equation,
)
from .gru import blend, blend_backward, reset_before_backward
from .numerics import lead_sum, outer_sum, sigmoid

BLOCKS = "rzn"
# input_blocks: blocks with input weights; projected: the block fed by x̃ (MUT1 squashes it with tanh);
# z_sees: what of h₋₁ the update gate sees.
VARIANTS = {
    1: {"input_blocks": "rz", "projected": "n", "z_sees": None},
    2: {"input_blocks": "zn", "projected": "r", "z_sees": "h"},
    3: {"input_blocks": "rzn", "projected": None, "z_sees": "tanh(h)"},
}


class MUTCell(Cell):
    gate_names = ("r", "z", "n")
    trace_names = ("r", "z", "n", "h")

    def __init__(self, input_size: int, hidden_size: int, *, variant: int = 1, **kwargs):
        if variant not in VARIANTS:
            raise ValueError(f"variant must be 1, 2 or 3, not {variant!r}")
        self.variant = variant
        config = VARIANTS[variant]
        self.input_blocks = config["input_blocks"]
        self.projected_block = config["projected"]
        self.z_sees = config["z_sees"]
        self.squash_projection = self.projected_block == "n"
        recurrent_blocks = "rn" if self.z_sees is None else "rzn"
        H = hidden_size
        self.rows = {b: slice(k * H, (k + 1) * H) for k, b in enumerate(BLOCKS)}
        self.recurrent_rows = {b: slice(k * H, (k + 1) * H) for k, b in enumerate(recurrent_blocks)}
        self.merged_bias_rows = slice(0, 2 * H) if self.squash_projection else slice(0, 3 * H)
        super().__init__(input_size, hidden_size, **kwargs)

    decay_formula = "1 − z"

    def memory_decay(self, trace, initial_state):
        return 1.0 - trace["z"]

    def param_shapes(self):
        H, D = self.hidden_size, self.input_size
        shapes = {"weight_ih": (len(self.input_blocks) * H, D)}
        if self.projected_block:
            shapes["weight_proj"] = (H, D)
        shapes["weight_hh"] = (len(self.recurrent_rows) * H, H)
        shapes["bias"] = (3 * H,)
        return shapes

    # --- input side ------------------------------------------------------------------------------
    def terms_size(self):
        return 3 * self.hidden_size  # rows r|z|n for every mutant

    def terms_from(self, inputs):
        affine = inputs.project(self.params["weight_ih"])
        blocks = dict(zip(self.input_blocks, np.split(affine, len(self.input_blocks), axis=-1)))
        if self.projected_block:
            blocks[self.projected_block] = inputs.project(self.params["weight_proj"])
        terms = np.concatenate([blocks[b] for b in BLOCKS], axis=-1)
        terms[..., self.merged_bias_rows] += self.params["bias"][self.merged_bias_rows]
        return terms

    def terms_backward(self, inputs, d_terms, grads):
        d_affine = np.concatenate([d_terms[..., self.rows[b]] for b in self.input_blocks], axis=-1)
        dx = inputs.input_gradient(d_affine, self.params["weight_ih"])
        if self.projected_block:
            d_projected = d_terms[..., self.rows[self.projected_block]]
            if dx is not None:
                dx = dx + inputs.input_gradient(d_projected, self.params["weight_proj"])
        if grads is not None:
            grads["weight_ih"] += inputs.weight_gradient(d_affine)
            if self.projected_block:
                grads["weight_proj"] += inputs.weight_gradient(d_projected)
            grads["bias"][self.merged_bias_rows] += lead_sum(d_terms[..., self.merged_bias_rows])
        return dx

    # --- forward ---------------------------------------------------------------------------------
    def _recurrent(self, block):
        return self.params["weight_hh"][self.recurrent_rows[block]]

    def buffer_widths(self):
        """r, z, n, h."""
        return (self.hidden_size,) * 4

    def trace_of(self, buffers):
        return dict(zip(("r", "z", "n", "h"), buffers))

    def recur(self, terms, state, out=None):
        h_prev = state["h"]
        r_out, z_out, n_out, h_out = out or (None, None, None, None)  # None: NumPy allocates
        block = {b: terms[..., rows] for b, rows in self.rows.items()}
        r = sigmoid(block["r"] + np.dot(h_prev, self._recurrent("r").T), r_out)
        z_source = None
        if self.z_sees is None:
            z = sigmoid(block["z"], z_out)
        else:
            z_source = np.tanh(h_prev) if self.z_sees == "tanh(h)" else h_prev
            z = sigmoid(block["z"] + np.dot(z_source, self._recurrent("z").T), z_out)
        squashed = None
        input_n = block["n"]
        if self.squash_projection:
            squashed = np.tanh(block["n"])
            input_n = squashed + self.params["bias"][self.rows["n"]]
        n = np.add(input_n, np.dot(r * h_prev, self._recurrent("n").T), n_out)
        np.tanh(n, n)
        h = blend(1.0 - z, h_prev, n, out=h_out)
        return {"h": h}, {"r": r, "z": z, "n": n, "h": h}, (h_prev, r, z, n, z_source, squashed)

    # --- backward --------------------------------------------------------------------------------
    def recur_backward(self, cache, d_state, grads, out=None):
        h_prev, r, z, n, z_source, squashed = cache
        d_keep, dh_prev, dn = blend_backward(d_state["h"], 1.0 - z, h_prev, n)
        d_pre_z = -d_keep * z * (1.0 - z)
        d_pre_n = dn * (1.0 - n * n)
        dr, dh_from_n = reset_before_backward(d_pre_n, r, h_prev, self._recurrent("n"))
        d_pre_r = dr * r * (1.0 - r)
        dh_prev = dh_prev + dh_from_n + d_pre_r @ self._recurrent("r")
        if z_source is not None:
            d_source = d_pre_z @ self._recurrent("z")
            dh_prev = dh_prev + (d_source * (1.0 - z_source * z_source) if self.z_sees == "tanh(h)" else d_source)
        d_terms_n = d_pre_n * (1.0 - squashed * squashed) if self.squash_projection else d_pre_n
        if grads is not None:
            weight_grads = grads["weight_hh"]
            weight_grads[self.recurrent_rows["r"]] += outer_sum(d_pre_r, h_prev)
            weight_grads[self.recurrent_rows["n"]] += outer_sum(d_pre_n, r * h_prev)
            if z_source is not None:
                weight_grads[self.recurrent_rows["z"]] += outer_sum(d_pre_z, z_source)
            if self.squash_projection:
                grads["bias"][self.rows["n"]] += lead_sum(d_pre_n)
        return np.concatenate([d_pre_r, d_pre_z, d_terms_n], axis=-1, out=out), {"h": dh_prev}


def mut_equations(variant=1) -> tuple[Equation, ...]:
    projected = Symbol("x̃")
    candidate_input = Call(TANH, projected) if variant == 1 else "W_in x"
    r_input = projected if variant == 2 else "W_ir x"
    z_sees = {1: (), 2: ("W_hz h₋₁",), 3: (Apply(Symbol("W_hz"), Call(TANH, Value("h", previous=True))),)}[variant]
    equations = [
        sigmoid_equation("r", r_input, "W_hr h₋₁", "b_r"),
        sigmoid_equation("z", "W_iz x", *z_sees, "b_z"),
        tanh_equation("n", gated_reset("r"), candidate_input, "b_n"),
        blend_equation("h", "z", "n", gate_keeps_old=False),
    ]
    if VARIANTS[variant]["projected"]:
        note = "learned H×D projection, no bias: puts x in hidden space"
        equations.insert(0, Equation("x̃", Apply(Symbol("P"), Symbol("x")), Kind.UNBOUNDED, note))
    return tuple(equations)
