"""Character-level next-character training: a registry cell, a linear output layer, softmax cross-entropy.

Truncated BPTT over batches of parallel streams (char-rnn style): the training text is cut into
``batch`` strips read side by side, ``seq_len`` characters at a time, and the state is carried from one
chunk to the next so the model sees context longer than one chunk while gradients stop at its start.
Adam with global-norm gradient clipping; float32; every random choice comes from the seed.

Inputs are one-hot, so the input half of every step is a row of a table: ``cell.one_hot_terms()`` gives
each vocabulary entry's terms (gathered from weight columns, no V × V identity), a chunk gathers rows,
and the gradient of those terms is summed per character (a scatter-add) and handed back to
``cell.one_hot_terms_backward``. That is the cell's own input maths evaluated once per vocabulary entry
instead of once per position, exact for any cell, and it saves the forward input product and the unused
∂loss/∂x.

Stacked and bidirectional models (``layers``, ``bidirectional``) train through ``Stack.forward`` and
``Stack.backward_terms``: only the first layer reads characters, so only it takes the table path; the layers
above compute their input terms from the layer below. The forward direction's state is carried from chunk
to chunk; a reverse direction reads each chunk from its end and starts from zero every time (its state
after a chunk is the one at the chunk's *start*, which the next chunk cannot use). Note that a
bidirectional model trained on next-character targets reads the answer from its reverse direction.

``Trainer.run`` reports through a callback and checks a stop flag (anything with ``is_set()``, e.g. a
``threading.Event``) before every step, so a command line or a UI worker thread can drive it. The
products here are small: BLAS threads do not help them, and on a busy machine they stall badly, so
callers that can should start NumPy with one BLAS thread (``lstm-tui train`` does).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError
from ..limits import MAX_BATCH, MAX_HIDDEN, MAX_LAYERS, MAX_SEED, MAX_SEQ_LEN, MAX_STEPS, TRAINING_DEFAULTS
from ..model.charmodel import CharModel
from ..model.numerics import softmax
from ..model.stack import param_key, reading_order
from ..model.vocab import Vocabulary


@dataclass
class TrainConfig:
    cell: str = TRAINING_DEFAULTS["cell"]
    hidden: int = TRAINING_DEFAULTS["hidden"]
    steps: int = TRAINING_DEFAULTS["steps"]
    seed: int = TRAINING_DEFAULTS["seed"]
    batch: int = TRAINING_DEFAULTS["batch"]
    seq_len: int = TRAINING_DEFAULTS["seq_len"]
    learning_rate: float = TRAINING_DEFAULTS["learning_rate"]
    clip: float = TRAINING_DEFAULTS["clip"]  # maximum global gradient norm
    report_every: int = 10  # steps between progress callbacks
    layers: int = TRAINING_DEFAULTS["layers"]
    bidirectional: bool = TRAINING_DEFAULTS["bidirectional"]

    def check(self) -> None:
        """Every setting in range, named by its ``lstm-tui train`` option: before any text is made or read, so
        a run never fails (or trains to NaN, as an infinite --lr did) after its work is done."""
        for name, option, low, high in WHOLE_NUMBER_RANGES:
            value = getattr(self, name)
            if not low <= value <= high:
                bound = f"between {low} and {high}" if high < float("inf") else f"at least {low}"
                raise UserError(f"{option} must be {bound}, not {value}")
        for name, option in (("learning_rate", "--lr"), ("clip", "--clip")):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise UserError(f"{option} must be a positive finite number, not {value}")


WHOLE_NUMBER_RANGES = (  # (setting, option, lowest, highest)
    ("hidden", "--hidden", 1, MAX_HIDDEN),
    ("steps", "--steps", 1, MAX_STEPS),
    ("seed", "--seed", 0, MAX_SEED),
    ("batch", "--batch", 1, MAX_BATCH),
    ("seq_len", "--seq-len", 1, MAX_SEQ_LEN),
    ("layers", "--layers", 1, MAX_LAYERS),
    ("report_every", "--report-every", 1, float("inf")),
)


def format_duration(seconds: float) -> str:
    """m:ss, for progress lines."""
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass
class Progress:
    """What a progress callback receives: loss and accuracy averaged since the previous report, the
    rate averaged since the start."""

    step: int
    steps: int
    loss: float
    accuracy: float
    steps_per_second: float
    eta_seconds: float
    elapsed_seconds: float


@dataclass
class TrainResult:
    model: CharModel
    steps_done: int
    stopped: bool  # True when the stop flag ended training early
    elapsed_seconds: float
    history: list[Progress] = field(default_factory=list)


class Adam:
    """Adam (Kingma & Ba 2015, algorithm 1; ε added to √v̂ as torch.optim.Adam does), in place on a dict."""

    def __init__(self, params: dict[str, np.ndarray], learning_rate: float, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate = learning_rate
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.moment1 = {name: np.zeros_like(value) for name, value in params.items()}
        self.moment2 = {name: np.zeros_like(value) for name, value in params.items()}
        self.steps = 0

    def update(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.steps += 1
        b1, b2 = self.beta1, self.beta2
        for name, grad in grads.items():
            m, v = self.moment1[name], self.moment2[name]
            m *= b1
            m += (1.0 - b1) * grad
            v *= b2
            v += (1.0 - b2) * grad * grad
            m_hat = m / (1.0 - b1**self.steps)  # bias corrections: the moments start at zero
            v_hat = v / (1.0 - b2**self.steps)
            params[name] -= (self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)).astype(params[name].dtype)


def clip_gradients(grads: dict[str, np.ndarray], max_norm: float) -> float:
    """Scale all gradients together so their joint L2 norm is at most ``max_norm``; return the norm before."""
    norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
    if norm > max_norm:
        for grad in grads.values():
            grad *= max_norm / norm
    return norm


def new_model(vocab: Vocabulary, config: TrainConfig) -> CharModel:
    """A seeded float32 model with an output layer, ready to train."""
    return CharModel.random(
        config.cell,
        config.hidden,
        config.seed,
        vocab,
        output_layer=True,
        dtype="float32",
        num_layers=config.layers,
        bidirectional=config.bidirectional,
    )


class ChunkStream:
    """The training text as ``batch`` strips read in step; yields (inputs, targets, restarted) chunks.

    ``inputs`` and ``targets`` are (seq_len, batch) vocabulary indices, targets one character ahead.
    When a strip runs out every strip starts over together, and ``restarted`` says the carried state
    must be reset (the next chunk does not continue the last one).
    """

    def __init__(self, indices: np.ndarray, batch: int, seq_len: int):
        strip = len(indices) // batch
        if strip < seq_len + 1:
            raise UserError(
                f"the training text has {len(indices)} characters; batch {batch} × (seq-len {seq_len} + 1) needs"
                f" at least {batch * (seq_len + 1)}"
            )
        if len(indices) and np.min(indices) < 0:
            raise UserError("the training text has characters outside the model's vocabulary")
        self.strips = np.ascontiguousarray(np.asarray(indices[: strip * batch]).reshape(batch, strip).T)
        self.seq_len = seq_len
        self.position = 0

    def next(self) -> tuple[np.ndarray, np.ndarray, bool]:
        restarted = self.position + self.seq_len + 1 > len(self.strips)
        if restarted:
            self.position = 0
        start, stop = self.position, self.position + self.seq_len
        self.position = stop
        return self.strips[start:stop], self.strips[start + 1 : stop + 1], restarted


@dataclass
class Workspace:
    """Reusable arrays for chunks of one (T, B) shape; see ``Trainer.workspace_for``. Per-cell arrays are
    nested ``[layer][direction]`` like the stack's cells."""

    shape: tuple[int, int]
    terms: list[np.ndarray]  # per direction of the first layer: (T, B, gates) input terms, reading order
    one_hot: np.ndarray  # (T, B, V) inputs
    steps: list  # each cell's step buffers: the forward trace
    logits: np.ndarray  # (V, T·B) logits, then ∂loss/∂logits in place
    dy: np.ndarray  # (T·B, directions·H) ∂loss/∂(top layer's outputs) from the output layer
    d_terms: list  # each cell's (T, B, gates) ∂loss/∂terms

    @classmethod
    def allocate(cls, stack, vocab_size: int, shape: tuple[int, int]) -> Workspace:
        rows = shape[0] * shape[1]

        def per_cell(make):
            return [[make(cell) for cell in layer] for layer in stack.cells]

        return cls(
            shape,
            [np.empty(shape + (cell.terms_size(),), dtype=cell.dtype) for cell in stack.cells[0]],
            np.empty(shape + (vocab_size,), dtype=stack.dtype),
            per_cell(lambda cell: cell.step_buffers(shape)),
            np.empty((vocab_size, rows), dtype=stack.dtype),
            np.empty((rows, stack.output_size), dtype=stack.dtype),
            per_cell(lambda cell: np.empty(shape + (cell.terms_size(),), dtype=cell.dtype)),
        )


class Trainer:
    """Owns a model, its optimiser and the carried state; ``train_step`` does one chunk of TBPTT."""

    def __init__(self, model: CharModel, config: TrainConfig):
        if model.output is None:
            raise ValueError("training needs a model with an output layer")
        self.model = model
        self.config = config
        self.stack = model.stack
        self.vocab_size = len(model.vocab)
        self.optimizer = Adam(self.all_params(), config.learning_rate)
        self.state = None  # the stack's state carried between chunks (a one-layer model's state dict also works)
        self.workspace: Workspace | None = None

    def all_params(self) -> dict[str, np.ndarray]:
        """Every parameter by ``param_key`` name (a one-layer model's: its cell's names) and the output layer's."""
        return {**self.stack.named_params(), **self.model.output}

    def train_step(self, inputs: np.ndarray, targets: np.ndarray) -> tuple[float, float]:
        """One forward/backward/update on (T, B) index arrays; returns (mean loss in nats, accuracy)."""
        loss, accuracy, grads = self.gradients(inputs, targets)
        clip_gradients(grads, self.config.clip)
        self.optimizer.update(self.all_params(), grads)
        self.model.params_changed()
        return loss, accuracy

    def gradients(self, inputs: np.ndarray, targets: np.ndarray) -> tuple[float, float, dict[str, np.ndarray]]:
        """Loss, accuracy and exact gradients of one chunk from the carried state, which moves on to the
        chunk's final state."""
        stack, output = self.stack, self.model.output
        first_layer = stack.cells[0]
        if self.state is None:
            self.state = stack.init_state(inputs.shape[1:])
        work = self.workspace_for(inputs.shape)
        if inputs.size and not 0 <= inputs.min() <= inputs.max() < self.vocab_size:
            raise ValueError(f"inputs must be vocabulary indices, 0 to {self.vocab_size - 1}")
        # (T, B, gates): a row gather per character. mode="clip" (a no-op after the check above) lets take
        # write straight into ``out``; its default mode goes through a temporary, 4× slower.
        first_terms = []
        for d, cell in enumerate(first_layer):
            table = cell.prepare_terms(cell.one_hot_terms())  # prepared per character, not per position
            first_terms.append(np.take(table, reading_order(inputs, d), axis=0, out=work.terms[d], mode="clip"))
        work.one_hot.fill(0)
        np.put_along_axis(work.one_hot, inputs[..., None], 1, axis=-1)
        result = stack.forward(
            work.one_hot, self.state, first_terms=first_terms, buffers=work.steps, terms_prepared=True
        )
        self.state = self.carried_state(result)
        y = result.output.reshape(-1, stack.output_size)  # 2-D products are faster than stacked 3-D ones
        logits = np.dot(output["weight_out"], y.T, out=work.logits)  # (V, T·B): see softmax_cross_entropy
        logits += output["bias_out"][:, None]
        loss, accuracy, d_logits = softmax_cross_entropy(logits, targets, out=logits)
        grads = stack.zero_grads()
        dy = np.dot(d_logits.T, output["weight_out"], out=work.dy).reshape(inputs.shape + (stack.output_size,))
        # The recurrent half of the backward pass only: the first layer's input half would form ∂loss/∂x, a
        # (T·B × gates) × (gates × V) product nobody needs here, and its input weights' gradient comes
        # cheaper from the scatter below.
        d_terms, _ = stack.backward_terms(result, dy, grads=grads, out=work.d_terms)
        for d, cell in enumerate(first_layer):
            per_char = scatter_rows(d_terms[d], reading_order(inputs, d), self.vocab_size)
            cell.one_hot_terms_backward(per_char, grads[0][d])
        flat = {
            param_key(name, k, d): grad
            for k, layer in enumerate(grads)
            for d, cell in enumerate(layer)
            for name, grad in cell.items()
        }
        flat["weight_out"] = d_logits @ y
        flat["bias_out"] = d_logits.sum(axis=1)
        return loss, accuracy, flat

    def carried_state(self, result):
        """The state the next chunk starts from: each forward direction's final state; a reverse direction
        starts from zero (see the module docstring). A one-layer model's is its cell's state dict."""
        if self.stack.is_single:
            return result.state[0][0]
        return tuple(
            tuple(
                state if d == 0 else cell.init_state(state["h"].shape[:-1])
                for d, (state, cell) in enumerate(zip(layer_states, layer_cells))
            )
            for layer_states, layer_cells in zip(result.state, self.stack.cells)
        )

    def workspace_for(self, shape: tuple[int, int]) -> Workspace:
        """The arrays one chunk of this (T, B) shape fills, kept from step to step: fresh ones cost page
        faults (glibc hands freed multi-megabyte blocks back to the system), which measured a third of a
        step's time. A step overwrites everything the previous one left there."""
        if self.workspace is None or self.workspace.shape != shape:
            self.workspace = Workspace.allocate(self.stack, self.vocab_size, shape)
        return self.workspace

    def reset_state(self) -> None:
        self.state = None

    def run(
        self,
        stream: ChunkStream,
        steps: int,
        on_progress: Callable[[Progress], None] | None = None,
        stop=None,
    ) -> TrainResult:
        """Train for ``steps`` chunks or until ``stop.is_set()`` (checked before every step)."""
        history: list[Progress] = []
        start = time.perf_counter()
        losses, accuracies = [], []
        done = 0
        while done < steps and not (stop is not None and stop.is_set()):
            inputs, targets, restarted = stream.next()
            if restarted:
                self.reset_state()
            loss, accuracy = self.train_step(inputs, targets)
            losses.append(loss)
            accuracies.append(accuracy)
            done += 1
            if done % self.config.report_every == 0 or done == steps:
                history.append(self._progress(done, steps, losses, accuracies, start))
                losses, accuracies = [], []
                if on_progress is not None:
                    on_progress(history[-1])
        if losses:  # stopped between reports: still record where training ended
            history.append(self._progress(done, steps, losses, accuracies, start))
            if on_progress is not None:
                on_progress(history[-1])
        elapsed = time.perf_counter() - start
        return TrainResult(self.model, done, done < steps, elapsed, history)

    @staticmethod
    def _progress(done, steps, losses, accuracies, start) -> Progress:
        elapsed = time.perf_counter() - start
        rate = done / elapsed if elapsed > 0 else float("inf")
        return Progress(
            done, steps, float(np.mean(losses)), float(np.mean(accuracies)), rate, (steps - done) / rate, elapsed
        )


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray, out=None) -> tuple[float, float, np.ndarray]:
    """Mean cross-entropy (nats) of logits (V, N), one column per position, against N integer targets, top-1
    accuracy, ∂loss/∂logits (V, N). ``out``: an array to hold ∂loss/∂logits (it may be ``logits`` itself).

    Classes run down the columns because every reduction over the vocabulary is then an elementwise
    operation between contiguous rows; over the short rows of an (N, V) array it is several times slower.
    """
    targets = targets.ravel()
    probabilities = softmax(logits, out=out, axis=0)
    columns = np.arange(len(targets))
    picked = probabilities[targets, columns]
    loss = float(-np.mean(np.log(np.maximum(picked, np.finfo(probabilities.dtype).tiny))))
    accuracy = float(np.mean(first_top_is(probabilities, targets)))
    d_logits = probabilities  # ours to overwrite
    d_logits[targets, columns] -= 1.0
    d_logits /= len(targets)
    return loss, accuracy, d_logits


def first_top_is(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per column of (V, N) ``scores``: is the column's target the class argmax picks, the first of the
    largest? argmax down the columns is slow (it copies the array), so only columns where the target
    ties with another class go through it."""
    columns = np.arange(len(targets))
    at_top = scores == scores.max(axis=0)
    hit = at_top[targets, columns]
    at_top[targets, columns] = False
    tied = np.flatnonzero(hit & at_top.any(axis=0))
    hit[tied] = scores[:, tied].argmax(axis=0) == targets[tied]
    return hit


def scatter_rows(values: np.ndarray, indices: np.ndarray, size: int) -> np.ndarray:
    """Sum rows of ``values`` (…, G) into ``size`` bins by ``indices`` (…): the transpose of a row gather.

    Sorted by bin, each bin's rows are one contiguous block that one call sums. With a few dozen bins
    that is about twice as fast as one-hotᵀ @ values, a product that mostly multiplies zeros (0.2 against
    0.5 ms for 1600 rows of 256 into 60 bins), and twenty times as fast as np.add.at.
    """
    rows = values.reshape(-1, values.shape[-1])
    indices = indices.ravel()
    by_bin = np.take(rows, np.argsort(indices, kind="stable"), axis=0)
    sums = np.empty((size, rows.shape[1]), dtype=values.dtype)
    start = 0
    for k, stop in enumerate(np.cumsum(np.bincount(indices, minlength=size))):
        np.add.reduce(by_bin[start:stop], axis=0, out=sums[k])  # an empty block sums to 0
        start = stop
    return sums


def evaluate(model: CharModel, text: str) -> tuple[float, float]:
    """Mean next-character cross-entropy (nats) and top-1 accuracy of ``model`` on ``text``, from a zero state."""
    if len(text) < 2:
        raise UserError("evaluation needs at least two characters")
    indices = model.vocab.indices(text)
    if (indices < 0).any():
        raise UserError("the evaluation text has characters outside the model's vocabulary")
    outputs = model.run(text[:-1]).outputs
    loss, accuracy, _ = softmax_cross_entropy(model.logits(outputs).T, indices[1:])
    return loss, accuracy
