"""Drawing text from a character model: temperature, top-k and a seed, reproducibly.

Each next character is drawn from softmax(logits / T) over the k most likely characters, by inverting the
cumulative distribution at one uniform number from ``numpy.random.default_rng(seed)`` (PCG64, the same
stream on every platform). The model steps over every drawn character exactly as the live panel steps
over a typed one (``CharModel.step``), so a continuation drawn here and one drawn in the panel agree.
Temperature 0 takes the most likely character (the first of equals) and draws nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import UserError
from ..limits import MAX_SAMPLE_CHARS, MAX_SEED, MAX_TEMPERATURE
from .cell import State
from .charmodel import CharModel


@dataclass(frozen=True)
class SamplingSettings:
    temperature: float = 1.0  # 0: always the most likely character
    top_k: int | None = None  # draw among the k most likely characters only (None: all)
    seed: int = 0

    def check(self) -> None:
        """Refuse (UserError) settings that cannot draw: one line naming the setting."""
        if not (
            isinstance(self.temperature, (int, float))
            and math.isfinite(self.temperature)
            and 0 <= self.temperature <= MAX_TEMPERATURE
        ):
            raise UserError(f"the temperature must be a number from 0 to {MAX_TEMPERATURE:g}, not {self.temperature!r}")
        top_k = self.top_k
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
            raise UserError(f"top-k must be a whole number of at least 1, not {self.top_k!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= MAX_SEED:
            raise UserError(f"the seed must be a whole number from 0 to {MAX_SEED}, not {self.seed!r}")


def check_can_sample(model: CharModel, source: str = "this model") -> None:
    if model.output is None:
        raise UserError(
            f"{source} has no output layer, so it predicts no characters to sample from "
            "(a file needs weight_out and bias_out)"
        )
    if model.bidirectional:
        raise UserError(
            f"{source} is bidirectional: its predictions read the text from both ends, so it "
            "cannot write a text one character at a time"
        )


class Sampler:
    """Draws character indices from logits; one seeded random stream per sampler."""

    def __init__(self, settings: SamplingSettings):
        settings.check()
        self.settings = settings
        self.rng = np.random.default_rng(settings.seed)

    def distribution(self, logits: np.ndarray) -> np.ndarray:
        """The probabilities a draw uses (float64): softmax(logits / T) over the top k, 0 elsewhere."""
        logits = np.asarray(logits, dtype=np.float64)
        kept = np.ones(logits.shape, dtype=bool)
        if self.settings.top_k is not None and self.settings.top_k < logits.size:
            kept[:] = False
            kept[np.argsort(-logits, kind="stable")[: self.settings.top_k]] = True
        probabilities = np.zeros_like(logits)
        if self.settings.temperature == 0:
            probabilities[np.argmax(np.where(kept, logits, -np.inf))] = 1.0
            return probabilities
        shifted = logits[kept] - logits[kept].max()
        with np.errstate(over="ignore", under="ignore"):  # a tiny temperature: exp(−huge) is 0, as it should be
            weights = np.exp(shifted / self.settings.temperature)
        probabilities[kept] = weights / weights.sum()
        return probabilities

    def draw(self, logits: np.ndarray) -> int:
        probabilities = self.distribution(logits)
        if self.settings.temperature == 0:
            return int(np.argmax(probabilities))
        cumulative = np.cumsum(probabilities)
        index = int(np.searchsorted(cumulative, self.rng.random() * cumulative[-1], side="right"))
        # Rounding can put the point at the very top; never return a character of probability 0.
        return min(index, int(np.flatnonzero(probabilities)[-1]))


@dataclass(frozen=True)
class Sample:
    prime: str
    text: str  # the model's continuation
    settings: SamplingSettings


def step_over(model: CharModel, text: str, state: State | None = None) -> State:
    """The state after stepping ``model`` over ``text`` one character at a time, as the panel does."""
    state = model.init_state() if state is None else state
    for char in text:
        state = model.step(char, state).state
    return state


def continue_text(model: CharModel, state: State, length: int, sampler: Sampler) -> tuple[str, State]:
    """``length`` characters drawn one at a time, each fed back in; returns them and the state after."""
    chars = []
    for _ in range(length):
        char = model.vocab.chars[sampler.draw(model.logits(model.top_output(state)))]
        chars.append(char)
        state = model.step(char, state).state
    return "".join(chars), state


def sample(model: CharModel, prime: str = "", length: int = 200, settings: SamplingSettings | None = None) -> Sample:
    """Prime the model with ``prime`` (from the zero state), then draw ``length`` characters."""
    settings = settings or SamplingSettings()
    check_can_sample(model)
    check_sample_size(prime, length)
    sampler = Sampler(settings)
    text, _ = continue_text(model, step_over(model, prime), length, sampler)
    return Sample(prime, text, settings)


def check_sample_size(prime: str, length: int) -> None:
    """Costs are bounded before any step: the prime and the continuation are steps of the model."""
    if isinstance(length, bool) or not isinstance(length, int) or not 0 <= length <= MAX_SAMPLE_CHARS:
        raise UserError(f"the length must be a whole number from 0 to {MAX_SAMPLE_CHARS:,}, not {length!r}")
    if len(prime) > MAX_SAMPLE_CHARS:
        raise UserError(f"the prime is {len(prime):,} characters; at most {MAX_SAMPLE_CHARS:,}")
