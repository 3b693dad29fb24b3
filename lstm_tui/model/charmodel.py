"""A character-level model: a registry cell, its vocabulary and an optional next-character output layer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cell import Cell, ForwardResult, State, Trace
from .numerics import softmax, uniform_init
from .registry import build_cell
from .vocab import PRINTABLE_ASCII, Vocabulary


@dataclass
class StepResult:
    char: str
    in_vocab: bool
    state: State
    trace: Trace
    probabilities: np.ndarray | None  # over the vocabulary, for the next character


@dataclass
class RunResult:
    text: str
    in_vocab: np.ndarray  # bool per character
    forward: ForwardResult
    probabilities: np.ndarray | None  # (T, V)


class CharModel:
    def __init__(self, cell: Cell, vocab: Vocabulary, output: dict | None = None):
        if cell.input_size != len(vocab):
            raise ValueError(f"cell input size {cell.input_size} != vocabulary size {len(vocab)}")
        self.cell = cell
        self.vocab = vocab
        self.output = output  # {"weight_out": (V, H), "bias_out": (V,)} or None
        self._input_table = None

    @classmethod
    def random(cls, cell_name="lstm", hidden_size=32, seed=0, vocab=PRINTABLE_ASCII, output_layer=False, **cell_kwargs):
        """A seeded, untrained model (optionally with a random output layer)."""
        vocab = vocab if isinstance(vocab, Vocabulary) else Vocabulary(vocab)
        cell = build_cell(cell_name, len(vocab), hidden_size, seed=seed, **cell_kwargs)
        output = None
        if output_layer:
            rng = np.random.default_rng([seed, 1])
            output = {
                "weight_out": uniform_init(rng, (len(vocab), hidden_size), hidden_size, cell.dtype),
                "bias_out": np.zeros(len(vocab), dtype=cell.dtype),
            }
        return cls(cell, vocab, output)

    @property
    def name(self) -> str:
        return self.cell.name

    def params_changed(self) -> None:
        """Call after editing ``cell.params`` in place: the tabulated input terms are rebuilt lazily."""
        self._input_table = None

    def input_table(self) -> np.ndarray:
        """Input terms of every vocabulary entry, plus a last row for an unknown character (x = 0).

        Row k equals ``cell.input_terms(one_hot(k))`` exactly, so a step is a row lookup, not a product; the
        table is gathered from weight columns (``Cell.one_hot_terms``), never from a (V × V) identity.
        """
        if self._input_table is None:
            self._input_table = self.cell.one_hot_terms()
        return self._input_table

    def init_state(self) -> State:
        return self.cell.init_state()

    def step(self, char: str, state: State | None = None) -> StepResult:
        index = self.vocab.index(char)  # −1 selects the table's last row: the unknown character
        state = self.init_state() if state is None else state
        new_state, trace, _ = self.cell.recur(self.input_table()[index], state)
        probabilities = self.probabilities(new_state["h"]) if self.output else None
        return StepResult(char, index >= 0, new_state, trace, probabilities)

    def run(self, text: str, state: State | None = None) -> RunResult:
        indices = self.vocab.indices(text)
        inputs = self.vocab.one_hot(text, self.cell.dtype)
        result = self.cell.forward(inputs, state, terms=self.input_table()[indices])
        probabilities = None
        if self.output and text:
            probabilities = self.probabilities(result.trace["h"])
        return RunResult(text, indices >= 0, result, probabilities)

    def logits(self, h: np.ndarray) -> np.ndarray:
        return h @ self.output["weight_out"].T + self.output["bias_out"]

    def probabilities(self, h: np.ndarray) -> np.ndarray:
        return softmax(self.logits(h))

    def top_predictions(self, probabilities: np.ndarray, k: int = 5) -> list[tuple[str, float]]:
        best = np.argsort(-probabilities, kind="stable")[:k]
        return [(self.vocab.chars[j], float(probabilities[j])) for j in best]
