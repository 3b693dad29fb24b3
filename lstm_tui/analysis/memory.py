"""Memory half-life: how many steps until a stored value halves, the same measure for every gated cell.

Each cell's memory carries its previous value by a factor d per step and unit (``Cell.memory_decay``: f
for an LSTM, z or 1 − z for a GRU, a for RG-LRU, σ(f̃) for sLSTM and mLSTM, …). Two readings of it:

* ``half_life(d)``: ln ½ / ln d, the steps a value takes to halve if every step decayed it by this step's
  d (lesson 3's n½), ∞ for d = 1;
* ``halved_after(decay, step)``: looking back from ``step`` over the text actually read, the age of the
  youngest stored value that has already lost half: the fewest k with d_{step−k+1} ⋯ d_step < ½.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HALF = 0.5


def half_life(decay: np.ndarray) -> np.ndarray:
    """ln ½ / ln d elementwise: 0 for d = 0, ∞ for d ≥ 1, NaN stays NaN."""
    decay = np.asarray(decay, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.log(HALF) / np.log(decay)
    steps[decay >= 1.0] = np.inf
    steps[decay == 0.0] = 0.0
    return steps


def halved_after(decay: np.ndarray, step: int) -> np.ndarray:
    """Per unit, the fewest k ≥ 1 with d_{step−k+1} ⋯ d_step < ½ over the (T, H) ``decay``, or 0 where even
    the value stored before the first step keeps half or more (NaN factors count as 1: nothing stored)."""
    factors = np.nan_to_num(np.asarray(decay[: step + 1], dtype=np.float64)[::-1], nan=1.0)
    kept = np.cumprod(factors, axis=0)  # row k − 1: what a value stored k steps back keeps
    below = kept < HALF
    return np.where(below.any(axis=0), below.argmax(axis=0) + 1, 0)


@dataclass(frozen=True)
class MemoryReadings:
    """A cell's memory decay at one step, and both half-life readings of it, per unit."""

    formula: str  # how d is read off the trace ("f", "1 − z", "f·exp(m − m₋₁)", …)
    step: int
    decay: np.ndarray  # (H,): d at the step
    half_life: np.ndarray  # (H,): ln ½ / ln d
    halved_after: np.ndarray  # (H,): see ``halved_after``; 0: not within the text


def memory_readings(cell, trace: dict, initial_state: dict, step: int) -> MemoryReadings | None:
    """The readings at ``step`` of a trace (T, H) that started from ``initial_state``; None for a cell
    without a decay."""
    decay = cell.memory_decay(trace, initial_state)
    if decay is None:
        return None
    return MemoryReadings(cell.decay_formula, step, decay[step], half_life(decay[step]), halved_after(decay, step))
