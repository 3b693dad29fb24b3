"""Sequential against parallel: the step loop the panel runs beside the parallel form of the same cell.

mLSTM, minGRU and minLSTM compute a whole sequence without a loop (``parallel_forward``: mLSTM's
stabilised attention-like form, the minimal cells' log-space scan). ``compare_scans`` runs it on the text
the panel shows and measures the largest difference from the loop's h:

* from the zero state, in the cell's own precision, and in float32 (the scan's logarithms and
  exponentials lose more than the loop's products do there, which the float32 loop alone shows);
* from a non-zero initial state: the text is split in two, the loop's state after the first part starts
  the second, as when a long text is processed in chunks. Ours takes h₀ outside the logarithm and agrees;
  the reference code's minimal scans (``reference_parallel_forward``) take log h₀ (minGRU: NaN for a
  negative entry) or log g(h₀) (minLSTM: a start of g(h₀) ≠ h₀). The cell's own states are positive for
  minGRU, so the start is also negated, as a state from elsewhere (another layer, a user) may be.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Gap:
    """The largest |a − b| over every step and unit where both are numbers, and the units with a NaN."""

    largest: float
    nan_units: int


def gap(actual: np.ndarray, expected: np.ndarray) -> Gap:
    bad = np.isnan(actual) | np.isnan(expected)
    difference = np.abs(np.where(bad, 0.0, actual.astype(np.float64) - expected))
    return Gap(float(difference.max()) if difference.size else 0.0, int(bad.any(axis=0).sum()))


@dataclass(frozen=True)
class ScanComparison:
    steps: int  # steps compared: the text up to the shown step
    from_zero: Gap  # the parallel form against the loop, from the zero state
    float32_scan: Gap  # the parallel form in float32 against the loop in the cell's precision
    float32_loop: Gap  # the loop in float32 against the loop in the cell's precision
    split: int  # characters before the split: their final state starts the rest (0: text too short)
    from_state: Gap | None  # ours from that state against the loop
    reference: Gap | None  # the reference code's scan from that state (None: its parallel form takes none)
    from_negated: Gap | None  # ours from minus that state (minimal cells)
    reference_negated: Gap | None
    # the selected unit's h at the first step from the split state: loop, ours, reference
    unit_values: tuple[float, float, float | None] | None


def has_parallel_form(cell) -> bool:
    return hasattr(cell, "parallel_forward")


def compare_scans(model, text: str, loop_h: np.ndarray, split_state: dict | None, unit: int) -> ScanComparison:
    """``loop_h``: the step loop's h over ``text`` from the zero state (T, H), as the panel holds it;
    ``split_state``: the loop's state after the first ``len(text) // 2`` characters (None with fewer than
    two characters)."""
    cell = model.cell
    inputs = model.vocab.one_hot(text, cell.dtype)
    single = cell.astype("float32")
    from_zero = gap(cell.parallel_forward(inputs), loop_h)
    float32_scan = gap(single.parallel_forward(inputs.astype(np.float32)), loop_h)
    float32_loop = gap(single.forward(inputs.astype(np.float32)).trace["h"], loop_h)
    split = len(text) // 2 if split_state is not None else 0
    if not split:
        return ScanComparison(len(text), from_zero, float32_scan, float32_loop, 0, None, None, None, None, None)
    rest, expected = inputs[split:], loop_h[split:]
    ours = cell.parallel_forward(rest, split_state)
    reference = (
        cell.reference_parallel_forward(rest, split_state) if hasattr(cell, "reference_parallel_forward") else None
    )
    negated = negated_gaps(cell, rest, split_state) if reference is not None else (None, None)
    # the first step from the state: where the reference's wrong start shows most, before the gates forget it
    first = (float(expected[0, unit]), float(ours[0, unit]), None if reference is None else float(reference[0, unit]))
    return ScanComparison(
        len(text),
        from_zero,
        float32_scan,
        float32_loop,
        split,
        gap(ours, expected),
        None if reference is None else gap(reference, expected),
        *negated,
        first,
    )


def negated_gaps(cell, inputs: np.ndarray, state: dict) -> tuple[Gap, Gap]:
    """Ours and the reference's scan against the loop, all three from −h₀."""
    start = {"h": -np.asarray(state["h"])}
    loop = cell.forward(inputs, start).trace["h"]
    return gap(cell.parallel_forward(inputs, start), loop), gap(cell.reference_parallel_forward(inputs, start), loop)
