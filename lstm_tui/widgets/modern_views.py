"""Two views for the revival's cells, each a few fixed rows of text the session computes:

* ``MemoryView``: the memory half-life at the shown step, the same measure for every gated cell
  (``Session.memory_readings``): the selected unit's decay d and both readings, and how the units spread;
* ``ScanView``: the parallel form beside the step loop on the typed text, with their largest difference
  from zero, in float32 and from a non-zero initial state, where the reference code's scan goes wrong
  (``Session.scan_comparison``).

Rows keep their places while the numbers change, so a key repaints only the numbers that moved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text

from ..display import format_signed, glyph
from .lines import LineView

if TYPE_CHECKING:
    from ..analysis.parallel import Gap
    from ..session import Session

MEMORY_ROWS = 5
SCAN_ROWS = 6
# n½ classes for the spread row: a half-life under one step forgets at once, over a hundred holds a text
HALF_LIFE_CLASSES = ((0, 1, "<1"), (1, 10, "1–10"), (10, 100, "10–100"), (100, np.inf, "≥100"))
COLUMNS = (11, 10, 10, 10, 12)  # the scan table: start, parallel, float32 scan, float32 loop, reference


def padded(lines: list[Text], rows: int) -> list[Text]:
    return (lines + [Text()] * rows)[:rows]


def where(session: Session) -> str:
    step = session.step_index
    return f"step {step + 1} {glyph(session.window_text[step])}"


def steps(value: float) -> str:
    """A half-life in steps: ∞, two decimals below 10, whole steps above."""
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "∞"
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


class FixedRows(LineView):
    """A view of ``ROWS`` lines whatever it shows."""

    ROWS = 1

    def rows_for(self, session: Session, outer_width: int) -> int:
        return self.ROWS

    def show_rows(self, lines: list[Text]) -> None:
        self.show(padded(lines, self.ROWS))


class MemoryView(FixedRows):
    """The memory half-life of every unit at the shown step."""

    ROWS = MEMORY_ROWS

    def update_from(self, session: Session) -> None:
        readings = session.memory_readings()
        title = Text("memory half-life", style="bold")
        if readings is None:
            if session.step_index is None:
                self.show_rows([title, Text("type to step the model")])
            else:
                name = session.model.name
                self.show_rows(
                    [title, Text(f"{name} has no gate that carries its memory:"), Text("it keeps it in W_hh")]
                )
            return
        title.append(f" · {where(session)} · d = {readings.formula}", style="bold")
        unit = session.selected_unit
        decay, half = float(readings.decay[unit]), float(readings.half_life[unit])
        halved = int(readings.halved_after[unit])
        if np.isnan(decay):
            back = "no decay to read: the run overflowed"
        else:
            back = (
                f"halved {halved} step{'s' * (halved > 1)} back"
                if halved
                else f"not halved in {readings.step + 1} steps"
            )
        lines = [
            title,
            Text(f"unit {unit}: d {decay:.3f} · n½ = ln ½ / ln d = {steps(half)} steps"),
            Text(f"  looking back over the text: {back}"),
        ]
        self.show_rows(lines + self._spread(readings.half_life))

    @staticmethod
    def _spread(half_life: np.ndarray) -> list[Text]:
        nan = np.isnan(half_life)
        if nan.all():
            return [Text("d is NaN in every unit: the run overflowed")]
        shortest = int(np.argmin(np.where(nan, np.inf, half_life)))
        longest = int(np.argmax(np.where(nan, -1.0, half_life)))
        summary = Text(
            f"{len(half_life)} units: n½ {steps(half_life[shortest])} (unit {shortest}) to "
            f"{steps(half_life[longest])} (unit {longest}), median {steps(float(np.nanmedian(half_life)))}"
        )
        counts = Text("units by n½:")
        for low, high, label in HALF_LIFE_CLASSES:
            counts.append(f" {label} ")
            counts.append(str(int(((half_life >= low) & (half_life < high)).sum())), style="bold")
        for label, count in (("∞", np.isinf(half_life).sum()), ("NaN", nan.sum())):
            if count:
                counts.append(f" {label} ")
                counts.append(str(int(count)), style="bold")
        return [summary, counts]


def difference(gap: Gap | None) -> str:
    """A gap as a table cell: the largest difference, and the units with a NaN."""
    if gap is None:
        return "–"
    if not gap.nan_units:
        return f"{gap.largest:.1e}"
    return f"NaN×{gap.nan_units}" if gap.largest == 0 else f"{gap.largest:.0e} NaN×{gap.nan_units}"


def table_row(cells: tuple[str, ...], style: str = "") -> Text:
    return Text("".join(cell.ljust(width) for cell, width in zip(cells, COLUMNS)).rstrip(), style=style)


class ScanView(FixedRows):
    """The parallel form beside the step loop, on the text up to the shown step."""

    ROWS = SCAN_ROWS

    def update_from(self, session: Session) -> None:
        title = Text("sequential vs parallel", style="bold")
        if not session.has_parallel_form:
            if not session.model.stack.is_single:
                reason = ["a stacked model: its upper layers read", "the layer below, not the text"]
            else:
                reason = [
                    f"{session.model.name} has no parallel form: its gates read h₋₁",
                    "(minGRU's, minLSTM's and mLSTM's do not)",
                ]
            self.show_rows([title, *map(Text, reason)])
            return
        scans = session.scan_comparison()
        if scans is None:
            self.show_rows([title, Text("type to step the model")])
            return
        title.append(f" · {scans.steps} steps to {where(session)}: largest |Δh|", style="bold")
        lines = [
            title,
            table_row(("start", "parallel", "f32 scan", "f32 loop", "reference"), "italic"),
            table_row(
                (
                    "zero",
                    difference(scans.from_zero),
                    difference(scans.float32_scan),
                    difference(scans.float32_loop),
                    "–",
                )
            ),
        ]
        if not scans.split:
            lines.append(Text("type two characters: the second half then starts from the first's state"))
            self.show_rows(lines)
            return
        after = f"h{subscript(scans.split)}"
        lines.append(table_row((after, difference(scans.from_state), "", "", difference(scans.reference))))
        if scans.from_negated is not None:
            lines.append(
                table_row(("−" + after, difference(scans.from_negated), "", "", difference(scans.reference_negated)))
            )
        else:
            lines.append(Text(f"{after}: the loop's state after {scans.split} chars starts the rest"))
        loop, ours, reference = scans.unit_values
        first = (
            f"unit {session.selected_unit}, step {scans.split + 1}: loop {format_signed(loop, 4)} "
            f"parallel {format_signed(ours, 4)}"
        )
        if reference is not None:
            first += f" ref {format_signed(reference, 4)}"
        lines.append(Text(first))
        self.show_rows(lines)


def subscript(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
