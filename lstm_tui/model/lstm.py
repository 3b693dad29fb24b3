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

from .cell import Cell, before_each_step, outer_sum_before_each_step
from .equations import (
    TANH,
    Call,
    Difference,
    Equation,
    Hadamard,
    Kind,
    Number,
    Sum,
    Symbol,
    Value,
    affine,
    sigmoid_equation,
    tanh_equation,
)
from .numerics import lead_sum, sigmoid


class LSTMCell(Cell):
    gate_names = ("i", "f", "g", "o")
    trace_names = ("i", "f", "g", "o", "c", "h")  # an ablated gate is traced as the constant 1
    recurrent_grads_after_loop = True

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
        self.block_rows = tuple(self.rows.values())
        self.sigmoid_rows = np.concatenate([np.arange(H) + self.rows[b].start for b in self.sigmoid_blocks])
        super().__init__(input_size, hidden_size, **kwargs)
        self._constants = self._activation_constants()

    decay_formula = "f"

    def memory_decay(self, trace, initial_state):
        return trace["f"]

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
        """σ(x) = ½ + ½·tanh(x/2): scaling sigmoid rows by ½ lets one tanh call activate every block.
        The third constant, 1 on the tanh rows, turns 1 − a into a's derivative when multiplied by
        a + it: a(1 − a) = σ' on sigmoid rows, (1 − g)(1 + g) = tanh' on tanh rows."""
        scale = np.ones(len(self.blocks) * self.hidden_size, dtype=self.dtype)
        scale[self.sigmoid_rows] = 0.5
        offset = np.where(scale == 0.5, 0.5, 0.0).astype(self.dtype)
        return scale, offset, 1.0 - 2.0 * offset

    def buffer_widths(self):
        """Gate activations (rows as in the weights), c, tanh(c) and h."""
        H = self.hidden_size
        return (len(self.blocks) * H, H, H, H)

    def trace_of(self, buffers):
        gates, c, _, h = buffers
        i, f, g, o = self._gate_views(gates, c)
        return {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}

    def _gate_views(self, gates, like):
        """i, f, g, o as views of the activation rows; an ablated gate is the constant 1 (shaped like
        ``like``) and a coupled forget gate is 1 − i."""
        views = [gates[..., rows] for rows in self.block_rows]
        if len(views) == 4:
            return views
        block = dict(zip(self.blocks, views))
        ones = np.ones_like(like)
        block = {"i": ones, "f": ones, "o": ones, **block}
        f = 1.0 - block["i"] if self.forget_gate == "coupled" else block["f"]
        return block["i"], f, block["g"], block["o"]

    def prepare_terms(self, terms, out=None):
        """Halve the sigmoid rows (see ``scaled_weights``)."""
        return np.multiply(terms, self._constants[0], out)

    def prepare_sequence(self, terms, buffers, terms_prepared=False):
        """Halve the sigmoid rows of the terms and of the weights once for a whole sequence (see
        ``scaled_weights``), which saves every step one multiplication. Halved here, the terms go straight
        into the gate buffer, where each step then adds its recurrent part in place."""
        gates = terms if terms_prepared else self.prepare_terms(terms, buffers[0])
        return gates, {"scaled": self.scaled_weights()}

    def scaled_weights(self):
        """The weights that add into pre-activations, each sigmoid row halved: σ(x) = ½ + ½·tanh(x/2)
        lets one tanh call activate every block. Halving is exact in binary floating point, so a sequence
        that halves its weights once and a lone step that halves its sum compute the same products. The
        recurrent weights are laid out column-major, so the ``weight_hhᵀ`` a step multiplies by is
        contiguous: BLAS runs a batch's (B, H) × (H, 4H) product about twice as fast that way (its
        summation order, and so the last bit of a sum, may differ from the lone step's). Made afresh
        for every call and never kept: the trainer and the lab's knobs edit the parameters in place."""
        p = self.params
        scaled = {"weight_hh": np.multiply(p["weight_hh"], self._constants[0][:, None], order="F")}
        if self.full_gate_recurrence:
            scaled["weight_gates"] = 0.5 * p["weight_gates"]  # it feeds sigmoid rows only
        for gate in ("i", "f"):
            if f"peephole_{gate}" in p:
                scaled[f"peephole_{gate}"] = 0.5 * p[f"peephole_{gate}"]
        return scaled

    def recur(self, terms, state, out=None, scaled=None):
        """``scaled``: ``scaled_weights()``, with ``terms`` halved to match (``forward`` does this once);
        None: this step halves its own sum."""
        h_prev, c_prev = state["h"], state["c"]
        # Arrays to write into, or None: NumPy allocates. Passed positionally: a keyword costs more.
        gates_out, c_out, y_out, h_out = out or (None, None, None, None)
        w = self.params if scaled is None else scaled
        gates = np.add(np.dot(h_prev, w["weight_hh"].T), terms, gates_out)  # np.dot: less overhead than @
        if self.full_gate_recurrence:
            gates[..., self.sigmoid_rows] += state["gates"] @ w["weight_gates"].T
        if self.peepholes:  # the input and forget gates peep at the previous cell state
            for gate in ("i", "f"):
                if gate in self.rows:
                    gates[..., self.rows[gate]] += w[f"peephole_{gate}"] * c_prev
        scale, offset, _ = self._constants
        if scaled is None:
            gates *= scale
        if not self.input_activation:
            linear_g = gates[..., self.rows["g"]].copy()  # the candidate's rows are never halved
        peeping_o = self.peepholes and "o" in self.rows
        if peeping_o:
            pre_o = 2.0 * gates[..., self.rows["o"]]  # undo the halving (exact)
        np.tanh(gates, gates)
        gates *= scale
        gates += offset
        i, f, g, o = self._gate_views(gates, c_prev)
        if not self.input_activation:
            g[...] = linear_g
        c = np.multiply(f, c_prev, c_out)
        c += i * g
        if peeping_o:  # the output gate peeps at the new cell state
            o[...] = sigmoid(pre_o + self.params["peephole_o"] * c)
        y = np.tanh(c, y_out) if self.output_activation else c
        h = np.multiply(o, y, h_out)
        trace = {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}
        new_state = {"h": h, "c": c}
        if self.full_gate_recurrence:
            new_state["gates"] = gates[..., self.sigmoid_rows]
        return new_state, trace, (state, trace, y, gates)

    # --- backward --------------------------------------------------------------------------------
    # A step's backward pass is local derivatives times cotangents. The local factors depend on the
    # forward values alone, so for a whole sequence ``prepare_backward`` computes all steps' factors in a
    # few large operations, straight into the ∂loss/∂terms array; each step of the loop then only
    # multiplies its row by the cotangents. A lone step (or cotangents with an extra leading axis)
    # computes its own factors with the same ``local_factors``.
    def local_factors(self, c_prev, gates, trace, y, out):
        """Write into ``out`` (terms layout, …, gates) what each block's ∂loss/∂(pre-activation) is once
        multiplied by the cotangent of what the block feeds: y·σ'(o) for o (its cotangent is ∂loss/∂h),
        and for i, f, g (cotangent ∂loss/∂c) g·σ'(i) ((g − c₋₁)·σ'(i) when f = 1 − i), c₋₁·σ'(f),
        i·tanh'(g). Returns ∂c/∂h's counterpart: ∂loss/∂c gains ∂loss/∂h ⊙ o ⊙ tanh'(c). ``gates``: the
        activations in weight-row order, from which σ' = a(1 − a) and tanh' = (1 − g)(1 + g) come for
        every block at once: whole rows are several times faster than a block's strided columns. Works on
        one step's rows and on (T, …) arrays alike."""
        i, g, o = trace["i"], trace["g"], trace["o"]
        np.subtract(1.0, gates, out=out)
        out *= gates + self._constants[2]
        factor = {name: out[..., rows] for name, rows in self.rows.items()}  # views: written in place
        if "o" in factor:
            factor["o"] *= y
        if "i" in factor:
            factor["i"] *= g - c_prev if self.forget_gate == "coupled" else g
        if "f" in factor:
            factor["f"] *= c_prev
        if self.input_activation:
            factor["g"] *= i
        else:
            factor["g"][...] = i
        if not self.output_activation:
            return o
        dc_of_dh = y * y
        np.subtract(1.0, dc_of_dh, out=dc_of_dh)
        dc_of_dh *= o
        return dc_of_dh

    def prepare_backward(self, result, d_terms):
        if d_terms.shape[1:-1] != result.state["h"].shape[:-1]:
            return {}  # cotangents with an extra axis: the factors stay small, per step
        c_before = before_each_step(result.initial_state["c"], result.trace["c"])
        # y of every step: tanh(c), in the buffer ``recur`` wrote it to (see buffer_widths); NOAF: c itself
        y = result.buffers[2] if self.output_activation else result.trace["c"]
        dc_of_dh = self.local_factors(c_before, result.buffers[0], result.trace, y, d_terms)
        # The i, f, g columns as (…, blocks, H) once for all steps: a view per step costs two calls
        return {"dc_of_dh": dc_of_dh, "blocks_feeding_c": self._blocks_feeding_c(d_terms)}

    def recur_backward(self, cache, d_state, grads, out=None, dc_of_dh=None, blocks_feeding_c=None):
        """``dc_of_dh``, ``blocks_feeding_c``: this step's rows of what ``prepare_backward`` returned, whose
        factors are already in ``out``; None: this step computes its own."""
        p = self.params
        state, trace, y, gates = cache
        dh = d_state["h"]
        if out is None:
            leading = np.broadcast_shapes(dh.shape[:-1], d_state["c"].shape[:-1], y.shape[:-1])
            out = np.empty(leading + (self.terms_size(),), dtype=self.dtype)
        if dc_of_dh is None:
            factors = np.empty(y.shape[:-1] + (self.terms_size(),), dtype=self.dtype)
            dc_of_dh = self.local_factors(state["c"], gates, trace, y, factors)
        else:
            factors = out  # multiplied in place
        d_next = self._gate_recurrence_cotangents(d_state["gates"], trace) if self.full_gate_recurrence else {}
        o_rows = self.rows.get("o")
        if o_rows is not None:
            d_o = np.multiply(dh, factors[..., o_rows], out=out[..., o_rows])
            if "o" in d_next:
                d_o += d_next["o"]
        dc = dh * dc_of_dh
        dc += d_state["c"]
        if self.peepholes and o_rows is not None:
            dc += d_o * p["peephole_o"]
        # i, f and g, the blocks before o, all feed c: one product with ∂loss/∂c broadcast over them
        if blocks_feeding_c is None:  # a lone step: its factors and ``out`` are separate arrays
            np.multiply(dc[..., None, :], self._blocks_feeding_c(factors), out=self._blocks_feeding_c(out))
        else:  # factors are in ``out``: multiplied in place
            blocks_feeding_c *= dc[..., None, :]
        for name in ("i", "f"):
            if name in d_next:
                out[..., self.rows[name]] += d_next[name]
        dc_prev = dc * trace["f"]
        if self.peepholes:
            for name in ("i", "f"):
                if name in self.rows:
                    dc_prev += out[..., self.rows[name]] * p[f"peephole_{name}"]
        d_prev = {"h": np.dot(out, p["weight_hh"]), "c": dc_prev}
        if self.full_gate_recurrence:
            d_prev["gates"] = out[..., self.sigmoid_rows] @ p["weight_gates"]
        return out, d_prev

    def _blocks_feeding_c(self, terms_like):
        """The i, f, g columns of a terms-layout array as a (…, blocks, H) view (splitting the last axis
        never copies)."""
        width = len(self.blocks) * self.hidden_size - (self.hidden_size if "o" in self.rows else 0)
        return terms_like[..., :width].reshape(terms_like.shape[:-1] + (width // self.hidden_size, self.hidden_size))

    def _gate_recurrence_cotangents(self, d_gates, trace):
        """FGR: ∂loss/∂(pre-activation) of each sigmoid block from the next step's gate inputs."""
        H = self.hidden_size
        return {
            name: d_gates[..., k * H : (k + 1) * H] * trace[name] * (1.0 - trace[name])
            for k, name in enumerate(self.sigmoid_blocks)
        }

    def recurrent_grads(self, result, d_terms, grads):
        trace, initial = result.trace, result.initial_state
        grads["weight_hh"] += outer_sum_before_each_step(d_terms, initial["h"], trace["h"])
        if self.peepholes:
            c_before = before_each_step(initial["c"], trace["c"])
            for name in ("i", "f", "o"):
                if name in self.blocks:
                    source = trace["c"] if name == "o" else c_before  # the output gate peeps at the new c
                    grads[f"peephole_{name}"] += lead_sum(d_terms[..., self.rows[name]] * source)
        if self.full_gate_recurrence:
            gates = np.concatenate([trace[name] for name in self.sigmoid_blocks], axis=-1)
            grads["weight_gates"] += outer_sum_before_each_step(
                d_terms[..., self.sigmoid_rows], initial["gates"], gates
            )


def lstm_equations(
    peepholes=False,
    input_gate=True,
    forget_gate="learned",
    output_gate=True,
    input_activation=True,
    output_activation=True,
    full_gate_recurrence=False,
) -> tuple[Equation, ...]:
    """The equations a given switch setting computes, in the notation of the module docstring."""

    c_prev = Value("c", previous=True)

    def learned_gate(name, peeps_at):
        terms = [f"W_{name} x", f"R_{name} h₋₁"]
        if peepholes:
            terms.append(Hadamard(Symbol(f"p_{name}"), peeps_at))
        if full_gate_recurrence:
            terms.append(Symbol("Σ R·gate₋₁"))
        return sigmoid_equation(name, *terms, f"b_{name}")

    def absent(name):  # an ablated gate is the constant 1
        return Equation(name, Number(1), Kind.GATE)

    equations = [learned_gate("i", c_prev) if input_gate else absent("i")]
    if forget_gate == "learned":
        equations.append(learned_gate("f", c_prev))
    elif forget_gate == "coupled":
        equations.append(Equation("f", Difference(Number(1), Value("i")), Kind.GATE))
    else:
        equations.append(absent("f"))
    candidate = ("W_g x", "R_g h₋₁", "b_g")
    linear = Equation("g", affine(*candidate), Kind.UNBOUNDED)
    equations.append(tanh_equation("g", *candidate) if input_activation else linear)
    cell_update = Sum((Hadamard(Value("f"), c_prev), Hadamard(Value("i"), Value("g"))))
    equations.append(Equation("c", cell_update, Kind.UNBOUNDED))
    equations.append(learned_gate("o", Value("c")) if output_gate else absent("o"))
    if output_activation:
        equations.append(Equation("h", Hadamard(Value("o"), Call(TANH, Value("c"))), Kind.TANH))
    else:
        equations.append(Equation("h", Hadamard(Value("o"), Value("c")), Kind.UNBOUNDED))
    return tuple(equations)
