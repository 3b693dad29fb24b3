"""The GRU family: PyTorch's GRU, the two textbook conventions, and Dey & Salem's three gate variants.

One class covers them all through three independent switches. The full unit, in PyTorch's notation
(W_i· input weights, W_h· recurrent weights, rows r|z|n):

    r = σ(W_ir x + b_ir + W_hr h₋₁ + b_hr)                  reset gate
    z = σ(W_iz x + b_iz + W_hz h₋₁ + b_hz)                  update gate
    n = tanh(W_in x + b_in + r ⊙ (W_hn h₋₁ + b_hn))         candidate, reset *after* the matmul
    n = tanh(W_in x + b_in + W_hn (r ⊙ h₋₁) + b_hn)         candidate, reset *before* the matmul
    h = z ⊙ h₋₁ + (1 − z) ⊙ n                               z keeps the old state
    h = (1 − z) ⊙ h₋₁ + z ⊙ n                               z takes the new candidate

* ``reset="after"`` is Cho et al. v1, cuDNN and PyTorch ``nn.GRU``; ``"before"`` is Cho et al. v3, d2l,
  colah and Keras ``reset_after=False``. With reset-after, ``b_hn`` sits inside ``r ⊙ (·)`` and so is
  kept out of the input terms; every other recurrent bias is merged into them.
* ``update="old"`` (PyTorch, Keras, Cho, d2l) or ``"new"`` (colah, Wikipedia, Dey & Salem): the same
  family with z ↔ 1 − z, the trap a learner comparing sources falls into.
* ``gate_inputs`` (Dey & Salem 2017) takes the input, and then the bias or the state, out of r and z:
  ``"full"`` the GRU above; ``"hidden+bias"`` GRU1, r = σ(W_hr h₋₁ + b_r); ``"hidden"`` GRU2,
  r = σ(W_hr h₋₁); ``"bias"`` GRU3, r = σ(b_r) (likewise z). The variants are defined on the
  reset-before unit and, like the paper, carry one bias per pre-activation.

Parameters. The full unit keeps PyTorch's four arrays, ``weight_ih`` (3H, D), ``weight_hh`` (3H, H),
``bias_ih`` (3H,), ``bias_hh`` (3H,), rows r|z|n, for either reset position. The variants hold only
what they use:

* ``weight_ih_n`` (H, D): the candidate's input weights W_in, the only input weights left;
* ``weight_hh`` (3H, H), rows r|z|n (GRU1, GRU2), or ``weight_hh_n`` (H, H), W_hn alone (GRU3);
* ``bias`` (3H,), rows r|z|n: b_r, b_z, b_n (GRU1, GRU3), or ``bias_n`` (H,), b_n alone (GRU2).

``input_terms`` always returns (…, 3H) in rows r|z|n, holding everything that does not depend on h₋₁
(for GRU3 the whole gate pre-activation), so ``recur`` is the same code for every switch setting.
"""

from __future__ import annotations

import numpy as np

from .cell import Cell
from .equations import (
    Equation,
    Group,
    Hadamard,
    Value,
    affine,
    blend_equation,
    gated_reset,
    sigmoid_equation,
    tanh_equation,
)
from .numerics import lead_sum, outer_sum, sigmoid

RESETS = ("after", "before")
UPDATES = ("old", "new")
GATE_INPUTS = ("full", "hidden+bias", "hidden", "bias")


def blend(keep, old, new, out=None):
    """keep ⊙ old + (1 − keep) ⊙ new, the interpolation every gated unit here ends with (into ``out``).
    Written out in full (not new + keep ⊙ (old − new)) so a saturated gate copies the old state exactly."""
    out = np.multiply(keep, old, out=out)
    out += (1.0 - keep) * new
    return out


def blend_backward(d_out, keep, old, new):
    """Gradients of ``blend`` with respect to (keep, old, new)."""
    return d_out * (old - new), d_out * keep, d_out * (1.0 - keep)


def reset_before_backward(d_pre, gate, h_prev, weight):
    """Backward of ``(gate ⊙ h_prev) @ weightᵀ`` to its two factors: (∂/∂gate, ∂/∂h_prev).
    The weight's gradient is ``outer_sum(d_pre, gate * h_prev)``."""
    d_gated = d_pre @ weight
    return d_gated * h_prev, d_gated * gate


class GRUCell(Cell):
    gate_names = ("r", "z", "n")
    trace_names = ("r", "z", "n", "h")

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        reset: str = "after",
        update: str = "old",
        gate_inputs: str = "full",
        **kwargs,
    ):
        for option, value, allowed in (
            ("reset", reset, RESETS),
            ("update", update, UPDATES),
            ("gate_inputs", gate_inputs, GATE_INPUTS),
        ):
            if value not in allowed:
                raise ValueError(f"{option} must be one of {', '.join(allowed)}, not {value!r}")
        if gate_inputs != "full" and reset != "before":
            raise ValueError("Dey & Salem's gate variants are defined on the reset-before unit")
        self.reset = reset
        self.update = update
        self.gate_inputs = gate_inputs
        self.gates_see_hidden = gate_inputs != "bias"
        H = hidden_size
        self.candidate_rows = slice(2 * H, 3 * H)
        full = gate_inputs == "full"
        self.input_weight = "weight_ih" if full else "weight_ih_n"
        self.input_rows = slice(0, 3 * H) if full else self.candidate_rows
        self.recurrent_weight = "weight_hh" if self.gates_see_hidden else "weight_hh_n"
        # Rows of the recurrent weights that multiply h₋₁ itself, all in one product: r|z, and n too when
        # the reset acts after the matmul (before it, n's product waits for r ⊙ h₋₁).
        self.hidden_rows = None
        if self.gates_see_hidden:
            self.hidden_rows = slice(0, 3 * H) if reset == "after" else slice(0, 2 * H)
        # Biases merged into the input terms: (parameter, the rows of the terms it feeds, its slice).
        if full:
            merged_hh = slice(0, 2 * H) if reset == "after" else slice(0, 3 * H)
            self.merged_biases = (("bias_ih", slice(0, 3 * H), slice(None)), ("bias_hh", merged_hh, merged_hh))
        elif gate_inputs == "hidden":
            self.merged_biases = (("bias_n", self.candidate_rows, slice(None)),)
        else:
            self.merged_biases = (("bias", slice(0, 3 * H), slice(None)),)
        super().__init__(input_size, hidden_size, **kwargs)

    @property
    def decay_formula(self):
        return "z" if self.update == "old" else "1 − z"

    def memory_decay(self, trace, initial_state):
        return self._keep(trace["z"])

    def param_shapes(self):
        H, D = self.hidden_size, self.input_size
        if self.gate_inputs == "full":
            return {"weight_ih": (3 * H, D), "weight_hh": (3 * H, H), "bias_ih": (3 * H,), "bias_hh": (3 * H,)}
        shapes = {"weight_ih_n": (H, D)}
        shapes[self.recurrent_weight] = (3 * H, H) if self.gates_see_hidden else (H, H)
        if self.gate_inputs == "hidden":
            shapes["bias_n"] = (H,)
        else:
            shapes["bias"] = (3 * H,)
        return shapes

    # --- input side ------------------------------------------------------------------------------
    def terms_size(self):
        return 3 * self.hidden_size  # rows r|z|n for every variant

    def terms_from(self, inputs):
        terms = np.zeros(inputs.leading_shape + (3 * self.hidden_size,), dtype=self.dtype)
        terms[..., self.input_rows] = inputs.project(self.params[self.input_weight])
        for name, rows, part in self.merged_biases:
            terms[..., rows] += self.params[name][part]
        return terms

    def terms_backward(self, inputs, d_terms, grads):
        d_projected = d_terms[..., self.input_rows]
        if grads is not None:
            grads[self.input_weight] += inputs.weight_gradient(d_projected)
            for name, rows, part in self.merged_biases:
                grads[name][part] += lead_sum(d_terms[..., rows])
        return inputs.input_gradient(d_projected, self.params[self.input_weight])

    # --- forward ---------------------------------------------------------------------------------
    def _candidate_weight(self):
        """W_hn: the last H rows of the recurrent weights (all of them for GRU3)."""
        return self.params[self.recurrent_weight][-self.hidden_size :]

    def _keep(self, z):
        """The share of h₋₁ that survives the step: z or 1 − z, depending on the convention."""
        return z if self.update == "old" else 1.0 - z

    def buffer_widths(self):
        """r|z side by side (one sigmoid call activates both), n, the reset-after candidate's
        W_hn h₋₁ + b_hn (unused otherwise), h."""
        H = self.hidden_size
        return (2 * H, H, H, H)

    def trace_of(self, buffers):
        rz, n, _, h = buffers
        H = self.hidden_size
        return {"r": rz[..., :H], "z": rz[..., H:], "n": n, "h": h}

    def recur(self, terms, state, out=None):
        H = self.hidden_size
        h_prev = state["h"]
        # Arrays to write into, or None: NumPy allocates (contiguous, which batched steps run faster on).
        rz_out, n_out, hidden_out, h_out = out or (None, None, None, None)
        gate_pre = terms[..., : 2 * H]
        if self.gates_see_hidden:
            recurrent = np.dot(h_prev, self.params[self.recurrent_weight][self.hidden_rows].T)
            gate_pre = gate_pre + recurrent[..., : 2 * H]
        rz = sigmoid(gate_pre, rz_out)
        r, z = rz[..., :H], rz[..., H:]
        if self.reset == "after":
            hidden_n = np.add(recurrent[..., 2 * H :], self.params["bias_hh"][self.candidate_rows], hidden_out)
            reset_part = r * hidden_n
        else:
            hidden_n = None
            reset_part = np.dot(r * h_prev, self._candidate_weight().T)
        n = np.add(terms[..., self.candidate_rows], reset_part, n_out)
        np.tanh(n, n)
        h = blend(self._keep(z), h_prev, n, out=h_out)
        return {"h": h}, {"r": r, "z": z, "n": n, "h": h}, (h_prev, r, z, n, hidden_n)

    # --- backward --------------------------------------------------------------------------------
    def recur_backward(self, cache, d_state, grads, out=None):
        H = self.hidden_size
        h_prev, r, z, n, hidden_n = cache
        dh = d_state["h"]
        # Pre-activation gradients: written into row t of ``out``, or made apart and joined at the end.
        d_r, d_z, d_n = (None, None, None) if out is None else (out[..., :H], out[..., H : 2 * H], out[..., 2 * H :])
        # Per-unit factors (…, H) are multiplied together before they meet the cotangent, which may carry
        # an extra leading axis (the gradient lab's H output directions) and so is the expensive operand.
        keep = self._keep(z)
        d_n = np.multiply(dh, (1.0 - keep) * (1.0 - n * n), d_n)  # h = keep ⊙ h₋₁ + (1 − keep) ⊙ n
        old_minus_new = h_prev - n if self.update == "old" else n - h_prev  # ∂h/∂z, by convention
        d_z = np.multiply(dh, old_minus_new * (z * (1.0 - z)), d_z)
        dh_prev = dh * keep
        weight_n = self._candidate_weight()
        if self.reset == "after":
            d_hidden_n = d_n * r
            d_r = np.multiply(d_n, hidden_n * (r * (1.0 - r)), d_r)
            dh_prev += d_hidden_n @ weight_n
        else:
            d_gated = d_n @ weight_n  # ∂loss/∂(r ⊙ h₋₁)
            d_r = np.multiply(d_gated, h_prev * (r * (1.0 - r)), d_r)
            dh_prev += d_gated * r
        if out is None:
            out = np.concatenate([d_r, d_z, d_n], axis=-1)
        d_gate_pre = out[..., : 2 * H]
        if self.gates_see_hidden:
            dh_prev += d_gate_pre @ self.params[self.recurrent_weight][: 2 * H]
        if grads is not None:
            if self.reset == "after":
                grads[self.recurrent_weight][-H:] += outer_sum(d_hidden_n, h_prev)
                grads["bias_hh"][self.candidate_rows] += lead_sum(d_hidden_n)
            else:
                grads[self.recurrent_weight][-H:] += outer_sum(d_n, r * h_prev)
            if self.gates_see_hidden:
                grads[self.recurrent_weight][: 2 * H] += outer_sum(d_gate_pre, h_prev)
        return out, {"h": dh_prev}


def gru_equations(reset="after", update="old", gate_inputs="full") -> tuple[Equation, ...]:
    """The equations a given switch setting computes, in the notation of the module docstring."""
    if gate_inputs == "full":
        equations = [sigmoid_equation(g, f"W_i{g} x", f"b_i{g}", f"W_h{g} h₋₁", f"b_h{g}") for g in "rz"]
        if reset == "after":
            reset_part = Hadamard(Value("r"), Group(affine("W_hn h₋₁", "b_hn")))
            equations.append(tanh_equation("n", "W_in x", "b_in", reset_part))
        else:
            equations.append(tanh_equation("n", "W_in x", "b_in", gated_reset("r"), "b_hn"))
    else:
        terms = {"hidden+bias": ("W_h{g} h₋₁", "b_{g}"), "hidden": ("W_h{g} h₋₁",), "bias": ("b_{g}",)}[gate_inputs]
        equations = [sigmoid_equation(g, *(term.format(g=g) for term in terms)) for g in "rz"]
        equations.append(tanh_equation("n", "W_in x", gated_reset("r"), "b_n"))
    equations.append(blend_equation("h", "z", "n", gate_keeps_old=update == "old"))
    return tuple(equations)
