"""Stacked and bidirectional recurrent layers, run as PyTorch's ``nn.RNN``/``nn.LSTM``/``nn.GRU`` with
``num_layers`` and ``bidirectional`` run them.

Layer 0 reads the inputs x_0 … x_{T−1}; layer k > 0 reads layer k − 1's outputs. A bidirectional layer
holds two cells of one kind with their own weights: the *forward* cell reads its inputs from the first to
the last, the *reverse* cell from the last to the first, and the layer's output at t is the concatenation
[h→_t, h←_t] (2H wide), where h←_t is the reverse cell's state once it has read the inputs T−1 down to t.
That is PyTorch's ``output``; its ``h_n`` holds each direction's state after the last step it took, so
the reverse direction's final state is h←_0. Dropout between layers (PyTorch's ``dropout``) acts only while
training and is not modelled.

Which cells: every registry cell maps an input vector of any width D to a hidden state of width H, with
no tie between D and H (MUT1's tanh(x) goes through a learned projection P x), so every registry cell
stacks and runs in both directions, layer k > 0 simply having D = H (or 2H when bidirectional). The
maths of the stack is cell-agnostic: it only chains ``Cell.forward`` and ``Cell.backward``.

A stack's state (and a cotangent on it) is a tuple over layers of a tuple over directions of the cells'
state dicts: ``state[layer][direction]``, direction 0 forward and 1 reverse.

Reading order: a reverse cell's ``ForwardResult`` is over the reversed sequence, so its step j is input
position T − 1 − j. ``StackResult.trace`` turns it back into text order (views, no copies).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..limits import MAX_LAYERS
from .cell import Cell, ForwardResult, State, Trace
from .registry import build_cell

StackState = tuple[tuple[State, ...], ...]  # [layer][direction]
DIRECTIONS = ("forward", "reverse")


def reading_order(array: np.ndarray, direction: int) -> np.ndarray:
    """A (T, …) array in the order a direction reads it: as is, or reversed in time (a view either way)."""
    return array[::-1] if direction else array


def param_key(name: str, layer: int, direction: int) -> str:
    """A parameter's name in a flat dict of the whole stack: the cell's own name for layer 0's forward
    cell (so a one-layer model keeps its cell's names), else with PyTorch's suffix (``_l1``,
    ``_l0_reverse``)."""
    return name if (layer, direction) == (0, 0) else name + layer_suffix(layer, direction)


def layer_suffix(layer: int, direction: int) -> str:
    """PyTorch's suffix for a layer and direction: ``_l0``, ``_l1``, ``_l0_reverse``, …"""
    return f"_l{layer}" + ("_reverse" if direction else "")


@dataclass
class StackResult:
    """What ``Stack.forward`` returns.

    ``results[layer][direction]``: each cell's ``ForwardResult`` (a reverse cell's in its reading order);
    ``outputs[layer]``: (T, …, directions·H), each layer's output in text order."""

    results: tuple[tuple[ForwardResult, ...], ...]
    outputs: tuple[np.ndarray, ...]
    inputs: np.ndarray

    @property
    def output(self) -> np.ndarray:
        """The top layer's outputs (T, …, directions·H): what an output layer reads."""
        return self.outputs[-1]

    @property
    def state(self) -> StackState:
        return tuple(tuple(result.state for result in layer) for layer in self.results)

    @property
    def steps(self) -> int:
        return len(self.inputs)

    def prefix(self, steps: int) -> StackResult:
        """The run over the first ``steps`` inputs alone (views), for BPTT from a step inside the text. Only a
        one-direction stack has one: a reverse direction's steps depend on every input."""
        if any(len(layer) > 1 for layer in self.results):
            raise ValueError("a bidirectional run has no prefix: its reverse direction read every input")
        return StackResult(
            tuple((layer[0].prefix(steps),) for layer in self.results),
            tuple(output[:steps] for output in self.outputs),
            self.inputs[:steps],
        )

    def trace(self, layer: int = -1, direction: int = 0) -> Trace:
        """One cell's trace in text order: name → (T, …, H) views."""
        trace = self.results[layer][direction].trace
        return {name: reading_order(values, direction) for name, values in trace.items()}


class Stack:
    """``num_layers`` × (1 or 2) cells of one registry kind: ``cells[layer][direction]``."""

    def __init__(self, cells: Sequence[Sequence[Cell]]):
        self.cells = tuple(tuple(layer) for layer in cells)
        if not self.cells or len({len(layer) for layer in self.cells}) != 1 or len(self.cells[0]) not in (1, 2):
            raise ValueError("a stack needs at least one layer, each of one or two directions, all alike")
        if len(self.cells) > MAX_LAYERS:
            raise ValueError(f"a stack holds at most {MAX_LAYERS} layers, not {len(self.cells)}")
        first = self.cells[0][0]
        self.num_layers = len(self.cells)
        self.num_directions = len(self.cells[0])
        self.hidden_size = first.hidden_size
        self.input_size = first.input_size
        self.dtype = first.dtype
        for layer, cells in enumerate(self.cells):
            width = self.input_size if layer == 0 else self.output_size
            for cell in cells:
                if (cell.name, cell.hidden_size, cell.input_size, cell.dtype) != (
                    first.name,
                    self.hidden_size,
                    width,
                    self.dtype,
                ):
                    raise ValueError(
                        f"layer {layer} must hold {first.name} cells of {self.hidden_size} units reading {width} "
                        f"inputs in {self.dtype}, not {cell.name} with {cell.hidden_size} reading {cell.input_size}"
                    )

    @classmethod
    def build(
        cls,
        cell_name: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        seed: int = 0,
        **cell_kwargs,
    ) -> Stack:
        """Seeded cells: layer 0's forward cell from ``seed`` alone, exactly as ``build_cell`` builds a lone
        cell, every other cell from its own stream [seed, layer, direction]."""
        directions = 2 if bidirectional else 1
        cells = []
        for layer in range(num_layers):
            width = input_size if layer == 0 else directions * hidden_size
            cells.append(
                [
                    build_cell(
                        cell_name,
                        width,
                        hidden_size,
                        seed=seed if (layer, d) == (0, 0) else [seed, layer, d],
                        **cell_kwargs,
                    )
                    for d in range(directions)
                ]
            )
        return cls(cells)

    # --- shape and names -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.cells[0][0].name

    @property
    def bidirectional(self) -> bool:
        return self.num_directions == 2

    @property
    def is_single(self) -> bool:
        """One layer, one direction: the stack is one cell."""
        return self.num_layers == 1 and self.num_directions == 1

    @property
    def output_size(self) -> int:
        return self.num_directions * self.hidden_size

    @property
    def units(self) -> int:
        """Hidden units in all cells together: what a run's traces grow with."""
        return self.num_layers * self.output_size

    def untraced_values_per_step(self) -> int:
        """What all cells keep per step beyond their traced values (``Cell.untraced_values_per_step``)."""
        return sum(cell.untraced_values_per_step() for _, _, cell in self.all_cells())

    def all_cells(self):
        """(layer, direction, cell) for every cell, bottom layer first."""
        return [(k, d, cell) for k, layer in enumerate(self.cells) for d, cell in enumerate(layer)]

    def parameter_count(self) -> int:
        return sum(cell.parameter_count() for _, _, cell in self.all_cells())

    def named_params(self) -> dict[str, np.ndarray]:
        """Every cell's parameters in one flat dict (``param_key`` names; the arrays themselves)."""
        return {param_key(name, k, d): value for k, d, cell in self.all_cells() for name, value in cell.params.items()}

    # --- state -----------------------------------------------------------------------------------
    def init_state(self, batch_shape: tuple[int, ...] = ()) -> StackState:
        return tuple(tuple(cell.init_state(batch_shape) for cell in layer) for layer in self.cells)

    def as_stack_state(self, state) -> StackState:
        """Accept a lone cell's state dict for a one-cell stack, as a one-layer model's callers pass it."""
        if isinstance(state, dict):
            if not self.is_single:
                raise ValueError("a stacked or bidirectional model's state is a tuple per layer and direction")
            return ((state,),)
        return state

    # --- forward -----------------------------------------------------------------------------------
    def forward(
        self, inputs: np.ndarray, state=None, first_terms=None, buffers=None, terms_prepared: bool = False
    ) -> StackResult:
        """Run every layer over inputs (T, …, D).

        ``first_terms[direction]``: layer 0's input terms in that direction's reading order, for a caller
        that looks them up in a table (``terms_prepared`` as in ``Cell.forward``). ``buffers[layer][direction]``:
        step buffers to write into (see ``Cell.forward``)."""
        inputs = np.asarray(inputs, dtype=self.dtype)
        state = self.init_state(inputs.shape[1:-1]) if state is None else self.as_stack_state(state)
        layer_input, results, outputs = inputs, [], []
        for k, cells in enumerate(self.cells):
            layer_results = []
            for d, cell in enumerate(cells):
                terms = first_terms[d] if (k == 0 and first_terms is not None) else None
                layer_results.append(
                    cell.forward(
                        reading_order(layer_input, d),
                        state[k][d],
                        terms=terms,
                        buffers=None if buffers is None else buffers[k][d],
                        terms_prepared=terms_prepared and terms is not None,
                    )
                )
            results.append(tuple(layer_results))
            layer_input = self.layer_output(layer_results, len(inputs), inputs.shape[1:-1])
            outputs.append(layer_input)
        return StackResult(tuple(results), tuple(outputs), inputs)

    def layer_output(self, layer_results, steps: int, batch_shape) -> np.ndarray:
        """A layer's output in text order: the forward cell's h, or [h→, h←] side by side."""
        if not steps:
            return np.zeros((0,) + tuple(batch_shape) + (self.output_size,), dtype=self.dtype)
        if len(layer_results) == 1:
            return layer_results[0].trace["h"]
        forward, reverse = layer_results
        return np.concatenate([forward.trace["h"], reverse.trace["h"][::-1]], axis=-1)

    # --- backward ----------------------------------------------------------------------------------
    def backward(self, result: StackResult, dy=None, d_state=None, param_grads: bool = True):
        """Exact BPTT through every layer. ``dy``: ∂loss/∂(top layer's outputs), (T, …, directions·H) in
        text order; ``d_state``: ∂loss/∂(final states), ``[layer][direction]`` (None entries are zero).
        The cotangents may carry leading axes the forward pass did not have (``param_grads=False``): the
        gradient lab pushes many output directions back at once that way. Returns (gradients
        ``[layer][direction]`` or None, ∂loss/∂inputs in text order, ∂loss/∂(initial states))."""
        grads = self.zero_grads() if param_grads else None
        first_d_terms, d_state0 = self.backward_terms(result, dy, d_state, grads)
        dx = None
        for d, cell in enumerate(self.cells[0]):
            if first_d_terms[d] is None:  # no steps
                return grads, np.zeros_like(result.inputs), d_state0
            dx_d = reading_order(
                cell.input_terms_backward(result.results[0][d].inputs, first_d_terms[d], _at(grads, 0, d)), d
            )
            dx = dx_d if dx is None else dx + dx_d
        return grads, dx, d_state0

    def zero_grads(self):
        return tuple(
            tuple({name: np.zeros_like(value) for name, value in cell.params.items()} for cell in layer)
            for layer in self.cells
        )

    def backward_terms(self, result: StackResult, dy=None, d_state=None, grads=None, out=None):
        """Backward down to layer 0's input terms: accumulates every parameter gradient except layer 0's
        input side into ``grads[layer][direction]`` (if given) and returns (layer 0's ∂loss/∂terms per
        direction, in its reading order, or None without steps; ∂loss/∂(initial states)). A caller with a
        cheaper input side (the trainer's one-hot scatter) stops here. ``out[layer][direction]``: arrays to
        hold each cell's ∂loss/∂terms (see ``Cell.backward_terms``)."""
        H = self.hidden_size
        d_state = None if d_state is None else self.as_stack_state(d_state)
        d_layer_output = dy
        d_state0 = [None] * self.num_layers
        first_d_terms = None
        for k in reversed(range(self.num_layers)):
            layer_d_terms, layer_d_state0, d_below = [], [], None
            for d, cell in enumerate(self.cells[k]):
                forward = result.results[k][d]
                dh = None
                if d_layer_output is not None:
                    dh = reading_order(d_layer_output[..., d * H : (d + 1) * H], d)
                d_terms, d0 = cell.backward_terms(
                    forward,
                    dh,
                    _at(d_state, k, d),
                    _at(grads, k, d),
                    out=_at(out, k, d),
                )
                layer_d_terms.append(d_terms)
                layer_d_state0.append(d0)
                if k > 0 and d_terms is not None:
                    dx = reading_order(cell.input_terms_backward(forward.inputs, d_terms, _at(grads, k, d)), d)
                    d_below = dx if d_below is None else d_below + dx
            d_state0[k] = tuple(layer_d_state0)
            d_layer_output = d_below
            first_d_terms = layer_d_terms
        return tuple(first_d_terms), tuple(d_state0)


def _at(nested, layer: int, direction: int):
    """``nested[layer][direction]``, or None when ``nested`` is None (nothing given for any cell)."""
    return None if nested is None else nested[layer][direction]
