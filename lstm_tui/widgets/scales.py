"""Display scales fitted to the values in view: the plot's y axis and the heat colours' range.

Both round to a short ladder of round numbers, so a scale changes only when the values cross a rung
(a scale that moved with every key would repaint every cell of its view on every key).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..display import format_signed

# Round numbers per decade, for values per row and for scales. Finer than 1-2-5, so a scale fits its
# values within about 25%.
RUNGS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
TICK_STEPS = (1.0, 2.0, 2.5, 5.0)  # tick spacings: labels that read at a glance
SMALLEST = 0.01  # below this every value shows as 0.00: no finer scale is worth drawing
MIN_SPAN = 0.1  # the plot's y axis spans at least this much
EPSILON = 1e-9
LARGE_TICK = 1e6  # ticks this far apart are labelled in powers of ten


def nice_ceiling(value: float, rungs: tuple[float, ...] = RUNGS) -> float:
    """The smallest round number (a rung times a power of ten) at least ``value`` (and SMALLEST)."""
    value = max(value, SMALLEST)
    exponent = math.floor(math.log10(value))
    for rung in (*rungs, 10.0):
        rounded = float(f"{rung:g}e{exponent}")  # 6 × 0.1 would be 0.6000000000000001
        if rounded >= value * (1 - EPSILON):
            return rounded
    raise AssertionError("unreachable: the last rung is the next decade")


def symmetric_scale(largest: float) -> float:
    """The half-range ±S of a colour scale for values up to ``largest`` in size (S round, at least 0.01)."""
    return nice_ceiling(abs(largest)) if math.isfinite(largest) else 1.0


def scale_label(scale: float) -> str:
    return f"±{scale:g}"


@dataclass(frozen=True)
class Axis:
    """A y axis of ``rows`` character rows with a tick every ``tick_rows`` rows, ``tick`` apart in value
    (a round number), and the value 0 on row ``zero_row`` (counted from the bottom), so 0 and every tick
    fall exactly on a row."""

    rows: int
    tick: float
    tick_rows: int
    zero_row: int

    @property
    def per_row(self) -> float:
        return self.tick / self.tick_rows

    @property
    def bottom(self) -> float:
        return -self.zero_row * self.per_row

    @property
    def top(self) -> float:
        return (self.rows - 1 - self.zero_row) * self.per_row

    def fits(self, low: float, high: float) -> bool:
        slack = self.per_row * EPSILON
        return self.bottom - slack <= low and high <= self.top + slack

    def ticks(self) -> list[float]:
        """Tick values, bottom to top: every ``tick_rows`` rows, zero among them."""
        first = -(self.zero_row // self.tick_rows)
        last = (self.rows - 1 - self.zero_row) // self.tick_rows
        return [k * self.tick for k in range(first, last + 1)]

    def labels(self) -> list[str]:
        """The ticks with as many decimals as their spacing needs, and a real minus sign; from 10⁶ up
        (an sLSTM without its stabiliser) in powers of ten, which fit beside the plot."""
        if self.tick >= LARGE_TICK:
            return [f"{value:.0e}".replace("e+", "e").replace("-", "−") if value else "0" for value in self.ticks()]
        decimals = next(d for d in range(6) if abs(round(self.tick, d) - self.tick) <= self.tick * 1e-6)
        return [format_signed(value, decimals) for value in self.ticks()]


def rows_needed(low: float, high: float, per_row: float) -> int:
    """Rows between the lowest and the highest row that hold [low, high] (0 included) at ``per_row``."""
    return math.ceil(-low / per_row - EPSILON) + math.ceil(high / per_row - EPSILON)


def candidate_axes(low: float, high: float, rows: int):
    """(tick, rows per tick) pairs, ticks round (TICK_STEPS) and two to five rows apart (three or more
    on tall axes, where two would crowd the labels), that hold [low, high] in ``rows`` rows."""
    span = high - low
    least = 2 if rows < 12 else 3
    decade = 10.0 ** math.floor(math.log10(span))
    for scale in (decade / 10, decade, decade * 10, decade * 100):
        for rung in TICK_STEPS:
            tick = float(f"{rung * scale:.12g}")
            for tick_rows in range(least, 6):
                if rows_needed(low, high, tick / tick_rows) <= rows - 1:
                    yield tick, tick_rows


def fit_axis(low: float, high: float, rows: int, previous: Axis | None = None) -> Axis:
    """A y axis of ``rows`` rows holding [low, high] and 0, with 0 and every tick exactly on a row.

    The finest value per row wins among the axes that label a tick besides 0 (when any does); the rows
    left over are shared between the two sides. ``previous`` is kept while it still fits at the same
    value per row, so the zero row does not wander as the values move within the axis."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low < MIN_SPAN:  # values all near 0: an axis of ±0.005 would draw rounding noise as shape
        pad = (MIN_SPAN - (high - low)) / 2
        low, high = min(low - pad, 0.0), max(high + pad, 0.0)
    rows = max(rows, 3)
    axes = [placed(low, high, rows, tick, tick_rows) for tick, tick_rows in candidate_axes(low, high, rows)]
    best = min(axes, key=lambda axis: (len(axis.ticks()) < 2, axis.per_row, -axis.tick_rows))
    if (
        previous is not None
        and previous.rows == rows
        and math.isclose(previous.per_row, best.per_row)
        and previous.fits(low, high)
    ):
        return previous
    return best


def placed(low: float, high: float, rows: int, tick: float, tick_rows: int) -> Axis:
    """The axis with this tick spacing, its spare rows shared between the two sides of 0."""
    per_row = tick / tick_rows
    below = math.ceil(-low / per_row - EPSILON)
    above = math.ceil(high / per_row - EPSILON)
    return Axis(rows, tick, tick_rows, below + max(0, rows - 1 - below - above) // 2)
