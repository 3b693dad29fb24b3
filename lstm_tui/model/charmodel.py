"""A character-level model: recurrent layers of a registry cell, a vocabulary, an optional output layer.

The layers are a ``Stack`` (see ``stack.py``): one cell for the common one-layer model, or up to
``MAX_LAYERS`` layers, each with one or two directions. A one-layer model keeps the simple API: ``cell``
is its cell and its state is that cell's state dict. A stack's state is a tuple per layer and direction.

Three ways to run one:

* ``step``: one character, for a model that can stream (not bidirectional);
* ``run``: a whole text from a given state;
* ``LiveRun``: a text edited at its end, a key at a time, as the live panel types it.

A bidirectional model cannot stream: its reverse direction reads the text from its last character, so a
new character changes every one of that direction's steps (and everything above it). ``step`` refuses
it; ``LiveRun`` re-runs those parts over the whole text on every change and says how many steps that took.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cell import Cell, ForwardResult, State, Trace
from .numerics import softmax, uniform_init
from .stack import Stack, StackResult, reading_order
from .vocab import PRINTABLE_ASCII, Vocabulary

CANNOT_STREAM = (
    "a bidirectional model cannot step one character at a time: its reverse direction reads the text "
    "from the end, so every new character changes all of its steps; run it over the whole text"
)


@dataclass
class StepResult:
    char: str
    in_vocab: bool
    state: object  # pass back to ``step``: a state dict (one layer) or a tuple per layer (a stack)
    trace: Trace  # the top layer's, which the output layer reads
    probabilities: np.ndarray | None  # over the vocabulary, for the next character
    layer_traces: tuple[Trace, ...] = ()  # every layer's, bottom first


@dataclass
class RunResult:
    text: str
    in_vocab: np.ndarray  # bool per character
    stack: StackResult
    probabilities: np.ndarray | None  # (T, V)

    @property
    def forward(self) -> ForwardResult:
        """The top layer's forward-direction result: a one-layer model's only one."""
        return self.stack.results[-1][0]

    @property
    def outputs(self) -> np.ndarray:
        """(T, directions·H): what the output layer reads at every step."""
        return self.stack.output


class CharModel:
    def __init__(self, layers: Cell | Stack, vocab: Vocabulary, output: dict | None = None):
        self.stack = layers if isinstance(layers, Stack) else Stack([[layers]])
        if self.stack.input_size != len(vocab):
            raise ValueError(f"cell input size {self.stack.input_size} != vocabulary size {len(vocab)}")
        self.vocab = vocab
        self.output = output  # {"weight_out": (V, directions·H), "bias_out": (V,)} or None
        self._input_tables = [None] * self.stack.num_directions

    @classmethod
    def random(
        cls,
        cell_name="lstm",
        hidden_size=32,
        seed=0,
        vocab=PRINTABLE_ASCII,
        output_layer=False,
        num_layers=1,
        bidirectional=False,
        **cell_kwargs,
    ):
        """A seeded, untrained model (optionally with a random output layer). Its first cell and output
        layer do not depend on ``num_layers`` and ``bidirectional``."""
        vocab = vocab if isinstance(vocab, Vocabulary) else Vocabulary(vocab)
        stack = Stack.build(cell_name, len(vocab), hidden_size, num_layers, bidirectional, seed=seed, **cell_kwargs)
        output = None
        if output_layer:
            rng = np.random.default_rng([seed, 1])
            output = {
                "weight_out": uniform_init(rng, (len(vocab), stack.output_size), hidden_size, stack.dtype),
                "bias_out": np.zeros(len(vocab), dtype=stack.dtype),
            }
        return cls(stack, vocab, output)

    @property
    def cell(self) -> Cell:
        """The first layer's forward cell: a one-layer model's only cell."""
        return self.stack.cells[0][0]

    def astype(self, dtype) -> CharModel:
        """The same model computing in ``dtype``."""
        output = None if self.output is None else {name: value.astype(dtype) for name, value in self.output.items()}
        stack = Stack([[cell.astype(dtype) for cell in layer] for layer in self.stack.cells])
        return CharModel(stack, self.vocab, output)

    @property
    def name(self) -> str:
        return self.stack.name

    @property
    def num_layers(self) -> int:
        return self.stack.num_layers

    @property
    def bidirectional(self) -> bool:
        return self.stack.bidirectional

    def params_changed(self) -> None:
        """Call after editing cell parameters in place: the tabulated input terms are rebuilt lazily."""
        self._input_tables = [None] * self.stack.num_directions

    def input_table(self, direction: int = 0) -> np.ndarray:
        """Input terms of the first layer's cell in ``direction`` for every vocabulary entry, plus a last
        row for an unknown character (x = 0).

        Row k equals ``cell.input_terms(one_hot(k))`` exactly, so a step is a row lookup, not a product; the
        table is gathered from weight columns (``Cell.one_hot_terms``), never from a (V × V) identity.
        """
        if self._input_tables[direction] is None:
            self._input_tables[direction] = self.stack.cells[0][direction].one_hot_terms()
        return self._input_tables[direction]

    def init_state(self):
        return self.cell.init_state() if self.stack.is_single else self.stack.init_state()

    def step(self, char: str, state=None) -> StepResult:
        if self.bidirectional:
            raise ValueError(CANNOT_STREAM)
        index = self.vocab.index(char)  # −1 selects the table's last row: the unknown character
        layers = self.stack.init_state() if state is None else self.stack.as_stack_state(state)
        terms = self.input_table()[index]
        new_states, traces = [], []
        for k, (cell,) in enumerate(self.stack.cells):
            if k:
                terms = cell.input_terms(new_states[-1]["h"])
            new_state, trace, _ = cell.recur(terms, layers[k][0])
            new_states.append(new_state)
            traces.append(trace)
        top = new_states[-1]["h"]
        probabilities = self.probabilities(top) if self.output else None
        new = new_states[0] if self.stack.is_single else tuple((s,) for s in new_states)
        return StepResult(char, index >= 0, new, traces[-1], probabilities, tuple(traces))

    def top_output(self, state) -> np.ndarray:
        """What the output layer reads in a state ``step`` returned: the top layer's h."""
        return state["h"] if self.stack.is_single else state[-1][0]["h"]

    def run(self, text: str, state=None) -> RunResult:
        indices = self.vocab.indices(text)
        inputs = self.vocab.one_hot(text, self.stack.dtype)
        first_terms = [self.input_table(d)[reading_order(indices, d)] for d in range(self.stack.num_directions)]
        result = self.stack.forward(inputs, state, first_terms=first_terms)
        probabilities = None
        if self.output and text:
            probabilities = self.probabilities(result.output)
        return RunResult(text, indices >= 0, result, probabilities)

    def logits(self, h: np.ndarray) -> np.ndarray:
        return h @ self.output["weight_out"].T + self.output["bias_out"]

    def probabilities(self, h: np.ndarray) -> np.ndarray:
        return softmax(self.logits(h))

    def top_predictions(self, probabilities: np.ndarray, k: int = 5) -> list[tuple[str, float]]:
        best = np.argsort(-probabilities, kind="stable")[:k]
        return [(self.vocab.chars[j], float(probabilities[j])) for j in best]


@dataclass(frozen=True)
class EditCost:
    """What one ``LiveRun.set_text`` took: ``kept`` steps reused from before, ``stepped`` new steps of the
    cells that stream, ``rerun`` steps of the cells that had to read the whole text again (a bidirectional
    model's reverse direction and the layers above its first). Steps are counted per cell."""

    kept: int
    stepped: int
    rerun: int


class LiveRun:
    """A model's run over a text edited at its end, one key at a time: what the live panel shows.

    Every cell writes into its own (capacity, …) step buffers (``Cell.step_buffers``) and keeps each step's
    cache, so:

    * a model that streams (not bidirectional) keeps every step before the first changed character and
      takes one step per layer for a typed character;
    * a bidirectional model keeps only its first layer's forward steps; its reverse direction, and every
      layer above the first, run over the whole text again on every change;
    * ``result()`` is the whole run as a ``StackResult`` for BPTT (attribution) without running it again.

    Views (``trace``, ``probabilities``) are in text order and valid until the next change.
    """

    def __init__(self, model: CharModel, capacity: int):
        if capacity < 1:
            raise ValueError("a live run holds at least one character")
        self.model = model
        self.capacity = int(capacity)
        self.text = ""
        stack = model.stack
        self._buffers = [[cell.step_buffers((self.capacity,)) for cell in layer] for layer in stack.cells]
        self._initial = [[cell.init_state() for cell in layer] for layer in stack.cells]
        self._caches = [[[] for _ in layer] for layer in stack.cells]
        self._states = [[[] for _ in layer] for layer in stack.cells]  # streaming cells: the state after each step
        self._reruns: dict[tuple[int, int], ForwardResult] = {}  # cells that re-run: their last result
        # A bidirectional layer's output [h→, h←] is assembled here; a one-direction layer's is its cell's h.
        self._joined = [
            np.zeros((self.capacity, stack.output_size), stack.dtype) if len(layer) == 2 else None
            for layer in stack.cells
        ]
        self._traces: dict[tuple[int, int], Trace] = {}  # views made since the last change
        self._indices = np.zeros(self.capacity, dtype=np.int64)
        self._probabilities = np.zeros((self.capacity, len(model.vocab)), stack.dtype) if model.output else None

    @property
    def length(self) -> int:
        return len(self.text)

    def streams(self, layer: int, direction: int) -> bool:
        """Does this cell keep its earlier steps when text is typed at the end?"""
        return direction == 0 and (layer == 0 or not self.model.bidirectional)

    def set_text(self, text: str, rerun: bool = False) -> EditCost:
        """Make ``text`` (at most ``capacity`` characters) the run's text, stepping only what changed;
        ``rerun``: step everything again (after the parameters changed)."""
        if len(text) > self.capacity:
            raise ValueError(f"the live run holds {self.capacity} characters, not {len(text)}")
        keep = 0 if rerun else common_prefix(self.text, text)
        length = len(text)
        self._traces.clear()  # views of the old length
        self._indices[:length] = self.model.vocab.indices(text)
        self.text = text
        stack = self.model.stack
        stepped = rerun_steps = 0
        for k, layer in enumerate(stack.cells):
            for d, cell in enumerate(layer):
                if self.streams(k, d):
                    self._step_cell(k, cell, keep, length)
                    stepped += length - keep
                else:
                    self._rerun_cell(k, d, cell, length)
                    rerun_steps += length
            if self._joined[k] is not None:
                self._join(k, length)
        self._traces.clear()  # views made while stepping may hold values computed before the last steps
        first_changed = 0 if stack.bidirectional else keep
        if self._probabilities is not None and length > first_changed:
            self._probabilities[first_changed:length] = self.model.probabilities(self.outputs(-1)[first_changed:])
        kept = sum(keep for k, layer in enumerate(stack.cells) for d in range(len(layer)) if self.streams(k, d))
        return EditCost(kept, stepped, rerun_steps)

    def _layer_input(self, layer: int, start: int, stop: int, direction: int) -> np.ndarray:
        """Input terms source for a cell: rows of the table (layer 0) or the layer below's outputs."""
        below = self.outputs(layer - 1)
        return reading_order(below, direction)[start:stop]

    def _terms(self, layer: int, direction: int, cell: Cell, start: int, stop: int) -> np.ndarray:
        if layer == 0:
            indices = reading_order(self._indices[: len(self.text)], direction)[start:stop]
            return self.model.input_table(direction)[indices]
        return cell.input_terms(self._layer_input(layer, start, stop, direction))

    def _step_cell(self, layer: int, cell: Cell, keep: int, length: int) -> None:
        states, caches, buffers = self._states[layer][0], self._caches[layer][0], self._buffers[layer][0]
        del states[keep:], caches[keep:]
        state = states[-1] if states else self._initial[layer][0]
        terms = self._terms(layer, 0, cell, keep, length)
        for t in range(keep, length):
            state, _, cache = cell.recur(terms[t - keep], state, tuple(buffer[t] for buffer in buffers))
            states.append(state)
            caches.append(cache)

    def _rerun_cell(self, layer: int, direction: int, cell: Cell, length: int) -> None:
        if layer == 0:
            inputs = reading_order(self.model.vocab.one_hot(self.text, cell.dtype), direction)
        else:
            inputs = self._layer_input(layer, 0, length, direction)
        terms = self._terms(layer, direction, cell, 0, length)
        buffers = tuple(buffer[:length] for buffer in self._buffers[layer][direction])
        self._reruns[layer, direction] = cell.forward(
            inputs, self._initial[layer][direction], terms=terms, buffers=buffers
        )

    def _join(self, layer: int, length: int) -> None:
        H = self.model.stack.hidden_size
        self._joined[layer][:length, :H] = self.trace(layer, 0)["h"]
        self._joined[layer][:length, H:] = self.trace(layer, 1)["h"]

    # --- what views read -----------------------------------------------------------------------------
    def trace(self, layer: int = -1, direction: int = 0) -> Trace:
        """One cell's trace in text order: name → (T, H) views (made once per change: views ask often)."""
        layer %= self.model.stack.num_layers
        if (layer, direction) not in self._traces:
            cell = self.model.stack.cells[layer][direction]
            buffers = tuple(
                reading_order(buffer[: self.length], direction) for buffer in self._buffers[layer][direction]
            )
            self._traces[layer, direction] = cell.trace_of(buffers)
        return self._traces[layer, direction]

    def outputs(self, layer: int = -1) -> np.ndarray:
        """(T, directions·H): a layer's outputs in text order."""
        joined = self._joined[layer]
        return self.trace(layer, 0)["h"] if joined is None else joined[: self.length]

    @property
    def probabilities(self) -> np.ndarray | None:
        """(T, V): the next-character distribution after each step, or None without an output layer."""
        return None if self._probabilities is None else self._probabilities[: self.length]

    @property
    def in_vocab(self) -> np.ndarray:
        return self._indices[: self.length] >= 0

    def state_before(self, step: int, layer: int = -1, direction: int = 0) -> State:
        """The state a cell held before it read text position ``step``: after ``step − 1`` for the forward
        direction, after ``step + 1`` for the reverse one (the initial state at either end)."""
        before = step + (1 if direction else -1)
        cell = self.model.stack.cells[layer][direction]
        if not 0 <= before < self.length:
            return self._initial[layer][direction]
        trace = self.trace(layer, direction)
        return {name: trace[name][before] for name in cell.state_names if name in trace}

    def state_after(self, step: int, layer: int = -1, direction: int = 0) -> State:
        """The whole state a streaming cell held after text position ``step``: every state it keeps, traced
        or not (mLSTM's matrix C too). A cell that re-runs keeps only its final state: ValueError."""
        layer %= self.model.stack.num_layers
        if not self.streams(layer, direction):
            raise ValueError("only a cell that streams keeps the state after each step")
        return self._states[layer][0][step]

    def result(self) -> StackResult:
        """The run as ``Stack.forward`` would have returned it (same caches and buffers, no new steps)."""
        stack, length = self.model.stack, self.length
        one_hot = self.model.vocab.one_hot(self.text, stack.dtype)
        results = []
        for k, layer in enumerate(stack.cells):
            layer_results = []
            for d, cell in enumerate(layer):
                if not self.streams(k, d):
                    layer_results.append(self._reruns[k, d])
                    continue
                inputs = one_hot if k == 0 else self.outputs(k - 1)
                buffers = tuple(buffer[:length] for buffer in self._buffers[k][d])
                states = self._states[k][d]
                final = states[-1] if states else self._initial[k][d]
                layer_results.append(
                    ForwardResult(
                        final,
                        cell.trace_of(buffers) if length else {},
                        inputs,
                        self._initial[k][d],
                        list(self._caches[k][d]),
                        buffers,
                    )
                )
            results.append(tuple(layer_results))
        return StackResult(tuple(results), tuple(self.outputs(k) for k in range(stack.num_layers)), one_hot)


def common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix of two strings."""
    if b.startswith(a):
        return len(a)
    limit = min(len(a), len(b))
    for k in range(limit):
        if a[k] != b[k]:
            return k
    return limit
