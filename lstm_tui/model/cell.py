"""The interface every recurrent cell implements, and the sequence loops they share.

A cell splits each step in two, which is what makes whole-sequence work cheap:

* ``input_terms(x)``: everything that depends on the input alone. It is affine in x for most cells, so
  ``forward`` computes it for the whole sequence in one matrix product (and a character model can
  tabulate it once per vocabulary entry).
* ``recur(terms_t, state)``: the recurrent part of one step. It returns the new state, a *trace* (every
  gate activation and state by name, ready to draw) and a *cache* for the backward pass.

``recur_backward`` and ``input_terms_backward`` undo the two halves; ``backward`` runs exact BPTT over a
``forward`` result.

Speed: at the sizes this app uses, a step costs NumPy call overhead (a fraction of a microsecond per
ufunc), not arithmetic, so the loops avoid allocating and stacking. ``forward`` allocates (T, …) arrays
once (``step_buffers``) and hands ``recur`` their row t as ``out``: the step writes its results there,
and the arrays then *are* the stacked trace. ``backward`` likewise hands ``recur_backward`` row t of the
(T, …) input-term gradients. A lone step (``out=None``) lets NumPy allocate. Either way ``step`` and
``forward`` run the same ``recur``, so they agree (to the rounding of BLAS, whose summation order
can depend on the arrays' memory layout).

Arrays carry features on the last axis, so a single sequence (T, D) and a batch
(T, B, D) go through the same code. Gradients may carry extra leading axes that the forward pass did not
have (``param_grads=False``): the gradient lab pushes all H output directions back at once that way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .numerics import lead_sum, outer_sum, resolve_dtype, uniform_init

State = dict[str, np.ndarray]
Trace = dict[str, np.ndarray]


@dataclass
class ForwardResult:
    """What ``Cell.forward`` returns: the final state, the stacked trace (name → (T, …, H)) and caches."""

    state: State
    trace: Trace
    inputs: np.ndarray
    initial_state: State
    caches: list = field(repr=False, default_factory=list)
    buffers: tuple = field(repr=False, default=())  # everything the steps wrote (the trace's arrays and more)

    def prefix(self, steps: int) -> ForwardResult:
        """The result of the first ``steps`` steps alone (views, no new steps), for BPTT from a step inside
        the sequence. Its ``state`` holds the traced parts of the state after them."""
        trace = {name: values[:steps] for name, values in self.trace.items()}
        state = {name: trace[name][steps - 1] for name in self.state if name in trace} if steps else self.initial_state
        return ForwardResult(
            state,
            trace if steps else {},
            self.inputs[:steps],
            self.initial_state,
            self.caches[:steps],
            tuple(buffer[:steps] for buffer in self.buffers),
        )


class DenseInputs:
    """Inputs as given, (…, D): what ``input_terms`` and ``input_terms_backward`` work on."""

    def __init__(self, x: np.ndarray):
        self.x = x
        self.leading_shape = x.shape[:-1]

    def project(self, weight: np.ndarray) -> np.ndarray:
        return self.x @ weight.T

    def weight_gradient(self, d_projected: np.ndarray) -> np.ndarray:
        return outer_sum(d_projected, self.x)

    def input_gradient(self, d_projected: np.ndarray, weight: np.ndarray) -> np.ndarray:
        return d_projected @ weight


class OneHotRows:
    """Every one-hot input of size D in turn, then x = 0 (D + 1 rows), without the (D × D) identity: the
    projection of one-hot k is column k of the weight, so it is gathered, not multiplied. Exactly what
    the product gives (its other terms are zeros), and a vocabulary of 50,000 characters costs a copy of
    the weights instead of 2.5 billion floats."""

    def __init__(self, size: int):
        self.size = size
        self.leading_shape = (size + 1,)

    def project(self, weight: np.ndarray) -> np.ndarray:
        rows = np.zeros((self.size + 1, weight.shape[0]), dtype=weight.dtype)
        rows[: self.size] = weight.T
        return rows

    def weight_gradient(self, d_projected: np.ndarray) -> np.ndarray:
        return d_projected[: self.size].T  # rows past the vocabulary (x = 0) contribute nothing

    def input_gradient(self, d_projected: np.ndarray, weight: np.ndarray) -> None:
        return None  # a table's callers want parameter gradients only


class Cell:
    """Base class: named parameters, state handling and the BPTT loops.

    Subclasses set ``gate_names``, ``state_names`` and ``trace_names`` and implement ``param_shapes``,
    ``buffer_widths``, ``trace_of``, ``recur`` and ``recur_backward``. The default input terms are ``x @ weight_ihᵀ +
    bias_ih`` (+ ``bias_hh`` when the cell's recurrent bias sits outside any gate product and so can be
    merged).
    """

    gate_names: tuple[str, ...] = ()
    state_names: tuple[str, ...] = ("h",)
    trace_names: tuple[str, ...] = ("h",)  # the keys of every step's trace, in order
    merge_recurrent_bias = True
    # Cells whose recurrent parameters' gradients are sums over steps of ∂loss/∂terms times forward values
    # (RNN, LSTM family) compute them after the loop, in a few large products (``recurrent_grads``),
    # instead of many small ones inside ``recur_backward``.
    recurrent_grads_after_loop = False
    name = "cell"  # the registry sets the real name on every cell it builds

    def __init__(self, input_size: int, hidden_size: int, *, dtype="float64", seed: int = 0, params=None):
        if input_size < 1 or hidden_size < 1:
            raise ValueError("input and hidden sizes must be at least 1")
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.dtype = resolve_dtype(dtype)
        if params is None:
            self.params = self.init_params(np.random.default_rng(seed))
        else:
            self.params = self.check_params(params)

    # --- parameters -------------------------------------------------------------------------
    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        raise NotImplementedError

    def parameter_count(self) -> int:
        return sum(int(np.prod(shape)) for shape in self.param_shapes().values())

    def init_params(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {
            name: uniform_init(rng, shape, self.hidden_size, self.dtype) for name, shape in self.param_shapes().items()
        }

    def check_params(self, params: dict) -> dict[str, np.ndarray]:
        """Exactly the expected names and shapes, cast to the cell's dtype (copies, never views)."""
        expected = self.param_shapes()
        if set(params) != set(expected):
            missing = sorted(set(expected) - set(params))
            extra = sorted(set(params) - set(expected))
            raise ValueError(f"parameters do not match {self.name}: missing {missing}, unexpected {extra}")
        checked = {}
        for name, shape in expected.items():
            array = np.asarray(params[name])
            if array.shape != shape:
                raise ValueError(f"{name} has shape {array.shape}, expected {shape}")
            checked[name] = np.array(array, dtype=self.dtype)
        return checked

    def build_options(self) -> dict:
        """The constructor options beyond what the registry name fixes (heads, the stabiliser): with the
        name, the sizes and the parameters they rebuild the same cell (``astype``, weight files)."""
        return {}

    def input_gate_bias(self) -> tuple[str, slice] | None:
        """Where an exponential input gate's bias sits (parameter name, rows), for cells with one (xLSTM)."""
        return None

    def equation_options(self) -> dict:
        """Options of the registry's equations function that follow this cell's switches (the stabiliser)."""
        return {}

    def astype(self, dtype) -> Cell:
        """The same cell computing in ``dtype`` (its parameters cast)."""
        from .registry import build_cell

        return build_cell(
            self.name, self.input_size, self.hidden_size, dtype=dtype, params=self.params, **self.build_options()
        )

    # --- memory ------------------------------------------------------------------------------------
    decay_formula: str | None = None  # how ``memory_decay`` is read off the trace, as the panel writes it

    def memory_decay(self, trace: Trace, initial_state: State) -> np.ndarray | None:
        """The factor d by which each step carries the memory's previous value, per step and unit (the
        trace's shape): memory = d ⊙ memory₋₁ + what the step writes, along the direct path (c for an LSTM,
        h for a GRU). None for a cell without such a gate (the plain RNN keeps its memory in W_hh).
        ``initial_state``: the state entering the trace's first step."""
        return None

    def untraced_values_per_step(self) -> int:
        """Values a run keeps per step beyond the 8 per unit that ``limits.check_run_size`` counts."""
        return 0

    # --- state ---------------------------------------------------------------------------------
    def state_size(self, name: str) -> int:
        return self.hidden_size

    def init_state(self, batch_shape: tuple[int, ...] = ()) -> State:
        return {
            name: np.zeros(tuple(batch_shape) + (self.state_size(name),), dtype=self.dtype) for name in self.state_names
        }

    # --- what a step writes --------------------------------------------------------------------
    def terms_size(self) -> int:
        """Width of ``input_terms`` (the last axis of ``recur``'s ``terms``)."""
        return self.params["weight_ih"].shape[0]

    def buffer_widths(self) -> tuple[int, ...]:
        """Widths of the arrays one step writes, in the order ``recur`` unpacks its ``out``."""
        raise NotImplementedError

    def step_buffers(self, leading_shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
        """Uninitialised arrays for what steps write, ``leading_shape`` = (T,) + batch shape in front of
        each width: row t of each is ``recur``'s ``out`` at step t."""
        return tuple(np.empty(tuple(leading_shape) + (width,), dtype=self.dtype) for width in self.buffer_widths())

    def trace_of(self, buffers: tuple[np.ndarray, ...]) -> Trace:
        """The trace (name → array) held in a step's buffers. Works on one step's rows and on the (T, …)
        arrays of a sequence alike, because features sit on the last axis."""
        raise NotImplementedError

    # --- one step --------------------------------------------------------------------------------
    def input_terms(self, x: np.ndarray) -> np.ndarray:
        return self.terms_from(DenseInputs(np.asarray(x, dtype=self.dtype)))

    def one_hot_terms(self) -> np.ndarray:
        """``input_terms`` of every one-hot input, then of x = 0: a (D + 1, terms) table of weight columns."""
        return self.terms_from(OneHotRows(self.input_size))

    def input_terms_backward(self, x: np.ndarray, d_terms: np.ndarray, grads) -> np.ndarray:
        """Accumulate the input-side parameter gradients; return ∂loss/∂x."""
        return self.terms_backward(DenseInputs(x), d_terms, grads)

    def one_hot_terms_backward(self, d_terms: np.ndarray, grads) -> None:
        """Accumulate the input-side parameter gradients given ∂loss/∂(row k of ``one_hot_terms``) for
        each one-hot input k (rows past D, if any, are the x = 0 row's and add to the biases only)."""
        self.terms_backward(OneHotRows(self.input_size), d_terms, grads)

    def terms_from(self, inputs) -> np.ndarray:
        """The input terms of ``DenseInputs`` or ``OneHotRows``: every cell's are affine in x, built from
        ``inputs.project(weight)`` and biases."""
        bias = self.params["bias_ih"]
        if self.merge_recurrent_bias:
            bias = bias + self.params["bias_hh"]
        terms = inputs.project(self.params["weight_ih"])
        terms += bias  # in place: a second (T, …) array costs a fresh allocation's page faults
        return terms

    def terms_backward(self, inputs, d_terms: np.ndarray, grads) -> np.ndarray | None:
        """The gradients of ``terms_from``; returns ∂loss/∂x (None for ``OneHotRows``)."""
        if grads is not None:
            grads["weight_ih"] += inputs.weight_gradient(d_terms)
            grads["bias_ih"] += lead_sum(d_terms)
            if self.merge_recurrent_bias:
                grads["bias_hh"] += lead_sum(d_terms)
        return inputs.input_gradient(d_terms, self.params["weight_ih"])

    def prepare_terms(self, terms: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The input terms as the steps of a sequence take them (see ``prepare_sequence``), written into
        ``out`` if given. Row by row, so a caller that looks terms up in a table can prepare the table
        once instead (``forward``'s ``terms_prepared``). Unchanged by default."""
        return terms

    def prepare_sequence(
        self, terms: np.ndarray, buffers: tuple, terms_prepared: bool = False
    ) -> tuple[np.ndarray, dict]:
        """Work ``forward`` does once per call instead of once per step, given the input terms (already
        through ``prepare_terms`` if ``terms_prepared``) and the step buffers: (the terms as its steps
        take them, keyword arguments for every ``recur`` call). By default only ``prepare_terms``."""
        return (terms if terms_prepared else self.prepare_terms(terms)), {}

    def recur(self, terms: np.ndarray, state: State, out: tuple | None = None) -> tuple[State, Trace, object]:
        """One step's recurrent part. ``out``: rows of ``step_buffers`` to write into (allocated if None);
        the returned state and trace are views of them."""
        raise NotImplementedError

    def recur_backward(self, cache, d_state: State, grads, out: np.ndarray | None = None) -> tuple[np.ndarray, State]:
        """Given ∂loss/∂(new state), return (∂loss/∂terms, ∂loss/∂(previous state)); ∂loss/∂terms is
        written into ``out`` when given."""
        raise NotImplementedError

    def step(self, x: np.ndarray, state: State | None = None) -> tuple[State, Trace]:
        x = np.asarray(x, dtype=self.dtype)
        if state is None:
            state = self.init_state(x.shape[:-1])
        new_state, trace, _ = self.recur(self.input_terms(x), state)
        return new_state, trace

    # --- sequences ----------------------------------------------------------------------------------
    def forward(
        self,
        inputs: np.ndarray,
        state: State | None = None,
        terms: np.ndarray | None = None,
        buffers: tuple[np.ndarray, ...] | None = None,
        terms_prepared: bool = False,
    ) -> ForwardResult:
        """Run over inputs of shape (T, …, D); the input terms of all T steps come from one product.

        A caller that already has ``terms = input_terms(inputs)`` (a character model looks them up in
        a table) may pass them to skip that product, or ``prepare_terms(input_terms(inputs))`` with
        ``terms_prepared`` (looked up in a prepared table). ``buffers``: ``step_buffers`` of the same shape
        to write into instead of fresh ones, for a caller that runs many sequences and is done with the
        previous result (its trace lives there). Fresh multi-megabyte arrays on every call cost page
        faults: the allocator hands freed ones back to the system.
        """
        inputs = np.asarray(inputs, dtype=self.dtype)
        if inputs.ndim < 2 or inputs.shape[-1] != self.input_size:
            raise ValueError(f"inputs must have shape (T, ..., {self.input_size}), got {inputs.shape}")
        if state is None:
            state = self.init_state(inputs.shape[1:-1])
        initial_state = state
        if buffers is None:
            buffers = self.step_buffers(inputs.shape[:-1])  # row t of each is what step t writes
        if terms is None:
            terms, terms_prepared = self.input_terms(inputs), False
        terms, prepared = self.prepare_sequence(terms, buffers, terms_prepared)
        caches = []
        for terms_t, out in zip(terms, zip(*buffers)):
            state, _, cache = self.recur(terms_t, state, out, **prepared)
            caches.append(cache)
        # Copies: the final state's arrays are rows of the trace, which a caller stepping on must not edit.
        final_state = {name: np.array(value) for name, value in state.items()}
        trace = self.trace_of(buffers) if caches else {}
        return ForwardResult(final_state, trace, inputs, initial_state, caches, buffers)

    def backward(self, result: ForwardResult, dh=None, d_state: State | None = None, param_grads: bool = True):
        """Exact BPTT. ``dh[t]`` is ∂loss/∂h_t from outside the recurrence (e.g. an output layer);
        ``d_state`` is ∂loss/∂(final state). Returns (parameter gradients or None, ∂loss/∂inputs,
        ∂loss/∂(initial state))."""
        grads = {name: np.zeros_like(value) for name, value in self.params.items()} if param_grads else None
        d_terms, d_state = self.backward_terms(result, dh, d_state, grads)
        if d_terms is None:
            return grads, np.zeros_like(result.inputs), d_state
        return grads, self.input_terms_backward(result.inputs, d_terms, grads), d_state

    def backward_terms(self, result: ForwardResult, dh=None, d_state: State | None = None, grads=None, out=None):
        """The recurrent half of ``backward``: accumulates the recurrent parameters' gradients into
        ``grads`` (if given) and returns (∂loss/∂terms for every step, ∂loss/∂(initial state)). A caller
        with its own cheaper input side (the trainer's one-hot scatter) stops here; ``out``: an array
        of the right shape to hold ∂loss/∂terms (see ``buffers`` in ``forward``)."""
        d_state = dict(d_state or {})
        template = dh[0] if dh is not None and len(dh) else result.state["h"]
        for name in self.state_names:
            if name not in d_state:
                d_state[name] = np.zeros(template.shape[:-1] + (self.state_size(name),), dtype=self.dtype)
        steps = len(result.caches)
        if not steps:
            return None, d_state
        # One step's ∂loss/∂terms has the broadcast shape of the cotangents and the forward batch.
        leading = np.broadcast_shapes(result.state["h"].shape[:-1], *(v.shape[:-1] for v in d_state.values()))
        d_terms = np.empty((steps,) + leading + (self.terms_size(),), dtype=self.dtype) if out is None else out
        per_step_grads = None if self.recurrent_grads_after_loop else grads
        prepared = self.prepare_backward(result, d_terms)
        for t in reversed(range(steps)):
            if dh is not None:
                d_state["h"] = d_state["h"] + dh[t]
            step_prepared = {name: value[t] for name, value in prepared.items()}
            _, d_state = self.recur_backward(result.caches[t], d_state, per_step_grads, d_terms[t], **step_prepared)
        if grads is not None and self.recurrent_grads_after_loop:
            self.recurrent_grads(result, d_terms, grads)
        return d_terms, d_state

    def prepare_backward(self, result: ForwardResult, d_terms: np.ndarray) -> dict[str, np.ndarray]:
        """Work ``backward_terms`` does once per call instead of once per step, given the forward result
        and the (T, …) array that will hold ∂loss/∂terms (it may write there): (T, …) arrays whose row t
        ``recur_backward`` receives as keyword arguments at step t. Nothing by default."""
        return {}

    def recurrent_grads(self, result: ForwardResult, d_terms: np.ndarray, grads) -> None:
        """Accumulate the recurrent parameters' gradients from every step's ∂loss/∂terms at once (only
        for cells with ``recurrent_grads_after_loop``)."""
        raise NotImplementedError


class AffineInput:
    """Input terms W x + b with one bias per pre-activation: parameters ``weight_ih`` and ``bias`` (mixed in
    before ``Cell``)."""

    def terms_from(self, inputs) -> np.ndarray:
        terms = inputs.project(self.params["weight_ih"])
        terms += self.params["bias"]  # in place, as in Cell.terms_from
        return terms

    def terms_backward(self, inputs, d_terms: np.ndarray, grads) -> np.ndarray | None:
        if grads is not None:
            grads["weight_ih"] += inputs.weight_gradient(d_terms)
            grads["bias"] += lead_sum(d_terms)
        return inputs.input_gradient(d_terms, self.params["weight_ih"])


def outer_sum_before_each_step(delta: np.ndarray, initial: np.ndarray, after_each_step: np.ndarray) -> np.ndarray:
    """``outer_sum(delta, before_each_step(initial, after_each_step))`` without building the shifted
    copy: the gradient of a weight that multiplies the previous step's value."""
    return outer_sum(delta[1:], after_each_step[:-1]) + outer_sum(delta[0], initial)


def before_each_step(initial: np.ndarray, after_each_step: np.ndarray) -> np.ndarray:
    """(T, …) values as they were before each step: the initial value, then all but the last step's."""
    return np.concatenate([initial[None], after_each_step[:-1]])
