"""The gradient lab's numbers: how much the final hidden state still depends on each earlier input.

For an input sequence x_0 … x_{T−1} and h_T the hidden state after the last step, the lab computes the
Frobenius norm of the Jacobian ‖∂h_T/∂x_t‖_F for every t, exactly, from the cell's own BPTT: one backward
pass whose cotangent is the H×H identity pushes all H output directions back at once, so ``dx`` comes out
as the (T, H, D) stack of Jacobians. Plots use the *distance* d = T − 1 − t, the number of recurrent
steps between input t and the final state (the last input has d = 0).

A stacked or bidirectional model (``layers``, ``bidirectional``) is differentiated the same way at its
top layer's output at the last step, y_{T−1} (what an output layer reads there): for one direction that
is the top layer's h_T; a bidirectional y_{T−1} = [h→_{T−1}, h←_{T−1}] also holds the reverse direction's
state after its *first* step, which has read only x_{T−1} in the first layer.

Knobs, each documented where it is applied:

* ``spectral_radius`` rescales every H×H row block of every recurrent weight matrix of every cell (the parameters
  named ``weight_hh``/``weight_hh_*``, shaped (k·H, H): one block per gate, so an LSTM's R_i, R_f, R_g,
  R_o and a GRU's W_hr, W_hz, W_hn each get that spectral radius). Peepholes, FGR's gate-to-gate weights
  and every input weight and bias are left as they are, and so are cells whose recurrence has no weight
  matrix at all (minGRU, minLSTM, mLSTM, RG-LRU: h₋₁ reaches h only through elementwise gates or a
  memory written from the input).
* ``forget_bias`` sets the forget gate's effective bias (``bias_ih + bias_hh`` in PyTorch's layout) to
  the same value in every unit, for LSTM-family cells with a learned forget gate; other cells ignore it.

A "random sequence" is ``length`` characters drawn uniformly, with replacement, from the vocabulary, from
a generator seeded by the lab's seed; it is fed as one-hot vectors like typed text.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError
from ..limits import (
    LAB_FORGET_BIAS_RANGE,
    LAB_HIDDEN,
    LAB_HIDDEN_RANGE,
    LAB_LENGTH_RANGE,
    LAB_MAX_TEXT,
    LAB_RADIUS_RANGE,
    MAX_LAYERS,
    check_run_size,
)
from ..model.cell import Cell, ForwardResult
from ..model.registry import get_spec
from ..model.stack import Stack, StackResult
from ..model.vocab import PRINTABLE_ASCII, Vocabulary

DEFAULT_CELLS = ("rnn", "lstm", "gru")
VANISHED_BELOW = 1e-6  # "vanished": the norm has fallen below this fraction of its value at d = 0
EXPLODED_ABOVE = 1e6  # "exploded": the norm has grown above this multiple of its value at d = 0
SEQUENCE_STREAM = 5  # random sequences use generator [seed, 5], apart from the weights' generator [seed]
CHUNK_ELEMENTS = 4_000_000  # cap on a backward pass's (T, k, width) arrays; more directions go in chunks


# --- inputs ------------------------------------------------------------------------------------------
def random_sequence(vocab: Vocabulary, length: int, seed: int) -> str:
    """``length`` characters drawn uniformly, with replacement, from the vocabulary (seeded)."""
    rng = np.random.default_rng([seed, SEQUENCE_STREAM])
    return "".join(vocab.chars[k] for k in rng.integers(0, len(vocab), size=length))


# --- knobs -------------------------------------------------------------------------------------------
def recurrent_blocks(cell: Cell) -> dict[str, tuple[str, slice]]:
    """Every H×H block of the cell's recurrent weights: label → (parameter name, rows).

    A block is labelled by the gate its rows feed (an LSTM's i f g o, a GRU's r z n, the RNN's h).
    Empty for a cell without such a matrix."""
    H = cell.hidden_size
    blocks = {}
    for name, weight in cell.params.items():
        if not name.startswith("weight_hh") or weight.ndim != 2 or weight.shape[1] != H or weight.shape[0] % H:
            continue
        count = weight.shape[0] // H
        labels = _block_labels(cell, name, count)
        for k, label in enumerate(labels):
            blocks[label] = (name, slice(k * H, (k + 1) * H))
    return blocks


def _block_labels(cell: Cell, param_name: str, count: int) -> list[str]:
    suffix = param_name[len("weight_hh") :].lstrip("_")
    if suffix and count == 1:  # e.g. GRU3's weight_hh_n holds W_hn alone
        return [suffix]
    recurrent_rows = getattr(cell, "recurrent_rows", None)  # MUT1: weight_hh holds rows r|n only
    if isinstance(recurrent_rows, dict) and len(recurrent_rows) == count:
        return list(recurrent_rows)
    gates = list(getattr(cell, "blocks", None) or cell.gate_names)
    if len(gates) == count:
        return gates
    if count == 1:
        return ["h"]
    return [f"{param_name}[{k}]" for k in range(count)]


def spectral_radii(cell: Cell) -> dict[str, float]:
    """Spectral radius (largest |eigenvalue|) of each recurrent block, by block label."""
    return {
        label: float(np.max(np.abs(np.linalg.eigvals(cell.params[name][rows]))))
        for label, (name, rows) in recurrent_blocks(cell).items()
    }


def set_spectral_radius(cell: Cell, radius: float) -> None:
    """Rescale each recurrent block in place so that its spectral radius is ``radius``.

    A block that is all zeros (radius 0) cannot be rescaled and stays zero."""
    blocks = recurrent_blocks(cell)
    if not blocks:
        raise UserError(f"cell {cell.name!r} has no recurrent weight matrix (weight_hh) to rescale")
    for name, rows in blocks.values():
        block = cell.params[name][rows]
        current = np.max(np.abs(np.linalg.eigvals(block)))
        if current > 0:
            cell.params[name][rows] = block * (radius / current)


def forget_rows(cell: Cell) -> slice | None:
    """The forget gate's rows in the gate-stacked weights, for LSTM-family cells that learn one."""
    rows = getattr(cell, "rows", None)
    if getattr(cell, "forget_gate", None) == "learned" and isinstance(rows, dict) and "f" in rows:
        return rows["f"]
    return None


def set_forget_bias(cell: Cell, bias: float) -> None:
    """Effective forget bias = ``bias`` in every unit: bias_ih[f] = bias, bias_hh[f] = 0 (a no-op for
    cells without a learned forget gate)."""
    rows = forget_rows(cell)
    if rows is not None:
        cell.params["bias_ih"][rows] = bias
        cell.params["bias_hh"][rows] = 0.0


# --- the Jacobian norms ------------------------------------------------------------------------------
def input_jacobian_norms(
    layers: Cell | Stack, result: ForwardResult | StackResult, step: int | None = None
) -> np.ndarray:
    """‖∂y_s/∂x_t‖_F for t = 0 … T−1 at step s = ``step`` (default the last: y_{T−1} = h_T for one layer
    and direction), from BPTT with all output directions as one batch of cotangents. ``layers``: a cell
    and its ``forward`` result, or a stack and its.

    When T times the number of directions is large they go through in chunks of rows of the identity
    (same numbers, bounded memory): the squared Frobenius norm is a sum over output directions."""
    stack = layers if isinstance(layers, Stack) else Stack([[layers]])
    if isinstance(result, ForwardResult):
        result = StackResult(((result,),), (result.trace.get("h"),), result.inputs)
    T, outputs = result.steps, stack.output_size
    step = T - 1 if step is None else step
    width = max(stack.input_size, outputs, *(cell.terms_size() for *_, cell in stack.all_cells()))
    chunk = max(1, min(outputs, CHUNK_ELEMENTS // max(1, T * width)))
    identity = np.eye(outputs, dtype=stack.dtype)
    squares = np.zeros(T)
    for start in range(0, outputs, chunk):
        dy, d_state = output_cotangents(stack, T, step, identity[start : start + chunk])
        _, dx, _ = stack.backward(result, dy=dy, d_state=d_state, param_grads=False)
        squares += np.einsum("tkd,tkd->t", dx, dx)
    return np.sqrt(squares)


def output_cotangents(stack: Stack, steps: int, step: int, cotangents: np.ndarray):
    """(dy, d_state) for ``Stack.backward`` that put ``cotangents`` (…, outputs) on the top layer's output
    at ``step``. A forward-only stack's last output is its final state, so there they go in as
    ``d_state`` (no (T, …) array); anywhere else, or with a reverse direction, through ``dy``."""
    if not stack.bidirectional and step == steps - 1:
        d_state = tuple((None,) for _ in range(stack.num_layers - 1)) + (({"h": cotangents},),)
        return None, d_state
    dy = np.zeros((steps,) + cotangents.shape, dtype=stack.dtype)
    dy[step] = cotangents
    return dy, None


def forget_product(cell: Cell, result: ForwardResult) -> np.ndarray | None:
    """Π f along the cell-state path: row t is Π_{s=t+1}^{T−1} f_s per unit (row T−1 is all ones).

    This is the factor by which c_t reaches the final cell state on the direct path c_t → c_{t+1} → …
    The factor is the cell's memory decay (``Cell.memory_decay``): f for an LSTM, σ(f̃) for sLSTM, whose
    stabilised f also carries the stabiliser's rescaling exp(m₋₁ − m), which c and n share and h does not
    see. Only for cells with a cell state c and a forget gate f in their trace; otherwise None."""
    trace = result.trace
    if "f" not in trace or "c" not in trace:
        return None
    forget = np.asarray(cell.memory_decay(trace, result.initial_state), dtype=np.float64)
    later = np.cumprod(forget[:0:-1], axis=0)[::-1]  # row t: f_{t+1} ⋯ f_{T−1}, for t < T−1
    return np.vstack([later, np.ones((1, forget.shape[1]))])


# --- readouts ----------------------------------------------------------------------------------------
def by_distance(values: np.ndarray) -> np.ndarray:
    """Reorder a per-position array (index t) by distance d = T − 1 − t."""
    return np.asarray(values)[::-1]


def first_distance(by_d: np.ndarray, condition) -> int | None:
    hits = np.flatnonzero(condition(by_d))
    return int(hits[0]) if hits.size else None


def growth_per_step(norms: np.ndarray) -> float | None:
    """exp(slope) of the least-squares line through ln‖∂h_T/∂x_t‖ against the distance d: the fitted
    factor by which the norm changes per step back in time (> 1 grows, < 1 decays). Points that
    underflowed to 0 or overflowed are left out; None with fewer than two usable points."""
    by_d = by_distance(norms)
    distance = np.arange(len(by_d))
    usable = np.isfinite(by_d) & (by_d > 0)
    if usable.sum() < 2:
        return None
    slope = np.polyfit(distance[usable], np.log(by_d[usable]), 1)[0]
    return float(np.exp(slope))


@dataclass(frozen=True)
class Readouts:
    vanish_distance: int | None  # first d with norm < 1e-6 × norm at d = 0; None: not within the sequence
    explode_distance: int | None  # first d with norm > 1e6 × norm at d = 0; None: not within the sequence
    growth_per_step: float | None  # fitted per-step factor (see growth_per_step)
    half_life: int | None  # first d where the mean over units of Π f drops below ½ (cells with c and f)


def readouts(norms: np.ndarray, forget: np.ndarray | None = None) -> Readouts:
    by_d = by_distance(norms)
    start = by_d[0]
    vanish = explode = None
    if np.isfinite(start) and start > 0:
        vanish = first_distance(by_d, lambda v: v < VANISHED_BELOW * start)
        explode = first_distance(by_d, lambda v: v > EXPLODED_ABOVE * start)
    half_life = None
    if forget is not None:
        half_life = first_distance(by_distance(forget.mean(axis=1)), lambda v: v < 0.5)
    return Readouts(vanish, explode, growth_per_step(norms), half_life)


@dataclass(frozen=True)
class Clipping:
    """Gradient clipping by global norm (Pascanu et al. 2013) applied to the whole Jacobian
    ∂h_T/∂(x_0 … x_{T−1}): if its norm exceeds the threshold, every part is scaled by threshold/norm.
    Clipping scales all distances alike, so it tames an explosion but cannot revive a vanished tail."""

    threshold: float
    before: float
    after: float

    @property
    def factor(self) -> float:
        return 1.0 if self.before == 0 else self.after / self.before


def clip(norms: np.ndarray, threshold: float) -> Clipping:
    if not threshold > 0:
        raise UserError(f"the clipping threshold must be positive, not {threshold}")
    total = float(np.sqrt(np.sum(np.square(norms, dtype=np.float64))))
    return Clipping(threshold, total, min(total, threshold))


# --- one comparison -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class GradientSettings:
    """Everything that decides the lab's numbers. ``None`` for a knob means: weights as built or loaded."""

    cells: tuple[str, ...] = DEFAULT_CELLS
    hidden_size: int = LAB_HIDDEN
    seed: int = 0
    length: int = 200  # of the random sequence; ignored when ``text`` is given
    text: str | None = None
    spectral_radius: float | None = None
    forget_bias: float | None = None
    clip_threshold: float = 1.0
    layers: int = 1
    bidirectional: bool = False

    def __post_init__(self):
        check_range("length", self.length, LAB_LENGTH_RANGE)
        check_range("layers", self.layers, (1, MAX_LAYERS))
        check_range("hidden size", self.hidden_size, LAB_HIDDEN_RANGE)
        if self.spectral_radius is not None:
            check_range("spectral radius", self.spectral_radius, LAB_RADIUS_RANGE)
        if self.forget_bias is not None:
            check_range("forget bias", self.forget_bias, LAB_FORGET_BIAS_RANGE)
        if not self.clip_threshold > 0:
            raise UserError(f"the clipping threshold must be positive, not {self.clip_threshold}")
        if self.text is not None and not 1 <= len(self.text) <= LAB_MAX_TEXT:
            raise UserError(f"the text must have 1 to {LAB_MAX_TEXT} characters, not {len(self.text)}")
        if not self.cells:
            raise UserError("choose at least one cell")
        if len(set(self.cells)) != len(self.cells):
            raise UserError(f"a cell is listed twice in {', '.join(self.cells)}")
        for name in self.cells:
            get_spec(name)  # an unknown name is a UserError listing the known ones


def check_range(what: str, value, bounds) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise UserError(f"{what} must be between {low} and {high}, not {value}")


@dataclass(frozen=True)
class CellGradients:
    name: str
    hidden_size: int
    norms: np.ndarray  # (T,): ‖∂h_T/∂x_t‖_F, index t
    forget_product: np.ndarray | None  # (T, H): Π_{s>t} f_s per unit, index t; None without c and f
    spectral_radii: dict[str, float]  # of the first layer's forward cell's recurrent blocks, as used
    readouts: Readouts = field(repr=False)
    num_layers: int = 1
    bidirectional: bool = False

    @property
    def forget_mean(self) -> np.ndarray | None:
        """Π f averaged over units, index t."""
        return None if self.forget_product is None else self.forget_product.mean(axis=1)


def prepare_stack(stack: Stack, settings: GradientSettings) -> Stack:
    """A copy of ``stack`` with the settings' knobs applied to every cell (the original is never modified)."""
    stack = copy.deepcopy(stack)
    for *_, cell in stack.all_cells():
        if settings.spectral_radius is not None and recurrent_blocks(cell):
            set_spectral_radius(cell, settings.spectral_radius)
        if settings.forget_bias is not None:
            set_forget_bias(cell, settings.forget_bias)
    return stack


def analyse(layers: Cell | Stack, inputs: np.ndarray) -> CellGradients:
    """Forward over ``inputs`` (T, D) from the zero state, then the exact Jacobian norms and readouts.
    The forget-gate product and spectral radii are those of the top layer's and the first layer's
    forward cell (the same cell for a one-layer model)."""
    stack = layers if isinstance(layers, Stack) else Stack([[layers]])
    result = stack.forward(inputs)
    norms = input_jacobian_norms(stack, result)
    forget = forget_product(stack.cells[-1][0], result.results[-1][0])
    first = stack.cells[0][0]
    return CellGradients(
        stack.name,
        stack.hidden_size,
        norms,
        forget,
        spectral_radii(first),
        readouts(norms, forget),
        stack.num_layers,
        stack.bidirectional,
    )


def comparison_vocab(model=None) -> Vocabulary:
    """The vocabulary inputs are encoded with: the model's, or printable ASCII for random cells."""
    return model.vocab if model is not None else Vocabulary(PRINTABLE_ASCII)


def input_text(settings: GradientSettings, vocab: Vocabulary) -> str:
    """The settings' text, or their seeded random sequence."""
    return settings.text if settings.text is not None else random_sequence(vocab, settings.length, settings.seed)


def compare(settings: GradientSettings, model=None) -> tuple[str, dict[str, CellGradients]]:
    """Run the comparison: (the input text, cell name → CellGradients).

    Without ``model``: seeded random cells (``settings.cells``) over printable ASCII. With ``model`` (a
    ``CharModel``, e.g. from a weights file): its layers and vocabulary, and ``settings.cells``, ``layers``
    and ``bidirectional`` are ignored."""
    vocab = comparison_vocab(model)
    if model is not None:
        # all output directions go back through BPTT: the cost grows as H³, so a model file is held to the
        # hidden sizes the lab's own knob offers
        check_range("the model's hidden size", model.stack.hidden_size, LAB_HIDDEN_RANGE)
        stacks = [model.stack]
    else:
        stacks = [
            Stack.build(
                name, len(vocab), settings.hidden_size, settings.layers, settings.bidirectional, seed=settings.seed
            )
            for name in settings.cells
        ]
    text = input_text(settings, vocab)
    check_run_size(
        len(text),
        max(stack.units for stack in stacks),
        len(vocab),
        untraced_values=max(stack.untraced_values_per_step() for stack in stacks),
    )
    inputs = vocab.one_hot(text, stacks[0].dtype)
    return text, {stack.name: analyse(prepare_stack(stack, settings), inputs) for stack in stacks}
