"""State plot (plotext through textual-plotext): the selected unit's c and h (and gates) over the text.

What it shows: one column per step, the steps up to the shown one filling the width (typing pages the
view by an eighth of it, scrubbing back by half, so the shown step stays in view); a y axis fitted to the
values in view, with 0 and every tick on a row of its own (``scales.fit_axis``); a marker on each state
curve at the shown step, placed on the very row where plotext draws that curve's dot; the legend above the
curves and the characters below them, drawn here rather than by plotext (its legend is drawn over the
curves).

Cheap on the CPU and the wire: the axis only changes when the values leave it or a finer one fits,
only plot rows that differ from the previous frame are repainted, and the rows are read from
plotext's character matrix (no ANSI text to write and parse back). Redraws are coalesced by the
screen: one replot per frame however many keys arrived.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text
from textual_plotext import PlotextPlot

from ..display import glyph
from .ascii_mode import in_ascii_mode
from .heat import CURSOR, visible_span
from .lines import LineView
from .palette import Palette, hex_colour, palette_for
from .plotext_canvas import dot_cell, matrix_rows, start_figure
from .scales import Axis, fit_axis

if TYPE_CHECKING:
    from ..session import Session

AXIS_MARGIN = 8  # columns plotext spends on y tick labels and the frame (the loss and gradient plots)
FRAME_ROWS = 2  # the legend above the curves and the characters below them
MIN_CANVAS_ROWS = 3
PAGES = 8  # typing at the end pages the plot by an eighth of its width: a full replot every eighth key
MIN_CANVAS_COLUMNS = 4
BRAILLE_DOTS = (2, 4)  # a braille cell's dots across and down: plotext's resolution for its curves


def curve_marker(name: str, palette: Palette, ascii: bool) -> str:
    """Braille where colours tell curves apart; else each curve drawn with its own letter."""
    return name if ascii or palette.colourless else "braille"


PLOTTED_STATES = ("c", "h")


class StatePlot(LineView, PlotextPlot):
    """Draws with plotext, shows like a ``LineView`` (only changed rows are repainted)."""

    DEFAULT_CSS = """
    StatePlot { background: $surface; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self._session: Session | None = None
        self.show_gates = False
        self.axis: Axis | None = None
        self._label_width = 4

    def update_from(self, session: Session) -> None:
        self._session = session
        self._replot()

    def on_resize(self) -> None:
        self._replot()

    def redraw(self) -> None:
        self._replot()

    def names(self, session: Session) -> tuple[str, ...]:
        return self.states(session) + (session.gate_names if self.show_gates else ())

    @staticmethod
    def states(session: Session) -> tuple[str, ...]:
        """c and h: sLSTM's and mLSTM's n and m (in the bars) would flatten them on a shared axis (m follows
        ĩ, ~90 with the ĩ knob up, and n grows with it)."""
        return tuple(name for name in session.state_names if name in PLOTTED_STATES)

    def _replot(self) -> None:
        session = self._session
        width, rows = self.size.width, self.size.height - FRAME_ROWS
        if session is None or rows < MIN_CANVAS_ROWS or width < self._label_width + 1 + MIN_CANVAS_COLUMNS:
            return
        names = self.names(session)
        columns, start, end = self._fit(session, names, width, rows)
        palette, ascii = palette_for(self), in_ascii_mode(self)
        plt = start_figure(self, width, rows)
        plt.xaxes(False, False)  # the characters below replace the x axis; 0 and the ticks mark the y axis
        plt.yaxes(True, False)
        axis = self.axis
        labels = [label.rjust(self._label_width) for label in axis.labels()]
        plt.ylim(axis.bottom, axis.top)
        plt.yticks(axis.ticks(), labels)
        plt.xlim(start - 0.5, start + columns - 0.5)  # step start + j in column j
        plt.xticks([], [])
        unit, shown = session.selected_unit, session.step_index
        steps = list(range(start, end))
        if steps:
            for name in names:
                values = session.trace(name)[start:end, unit]
                finite = np.isfinite(values)  # an overflowed run (stabiliser off): inf and NaN are not drawn
                plt.plot(
                    np.asarray(steps)[finite].tolist(),
                    values[finite].tolist(),
                    color=palette.plot.get(name, palette.cursor),
                    marker=curve_marker(name, palette, ascii),
                )
            for name in self.states(session):
                # on the row (and column) that holds the curve's own dot at this step, not where plotext
                # would put a one-per-cell marker for the same value
                dots_down = BRAILLE_DOTS[1] if curve_marker(name, palette, ascii) == "braille" else 1
                value = float(session.trace(name)[shown, unit])
                if not np.isfinite(value):
                    continue
                value = dot_cell(value, (axis.bottom, axis.top), rows, dots_down)
                plt.scatter([shown], [value], marker="O" if ascii else "●", color=palette.cursor)
        self.show(
            [
                self._legend(session, names, palette, ascii),
                *matrix_rows(plt),
                self._characters(session, start, end, width - columns),
            ]
        )

    def _fit(self, session: Session, names: tuple[str, ...], width: int, rows: int) -> tuple[int, int, int]:
        """(canvas columns, first step, end step) for this size, fitting ``self.axis`` to the values in
        view; the tick labels' width, which decides the columns, is found again if the axis changed it."""
        for _ in range(2):
            columns = width - self._label_width - 1  # the labels and the left axis
            start, end = visible_span(session, columns, page=max(1, columns // PAGES))
            low, high = 0.0, 0.0
            if end > start:
                unit = session.selected_unit
                for name in names:
                    values = session.trace(name)[start:end, unit]
                    values = values[np.isfinite(values)]
                    if values.size:
                        low, high = min(low, float(values.min())), max(high, float(values.max()))
            self.axis = fit_axis(low, high, rows, self.axis)
            label_width = max(len(label) for label in self.axis.labels())
            if label_width == self._label_width:
                break
            self._label_width = label_width
        return columns, start, end

    def _legend(self, session: Session, names: tuple[str, ...], palette: Palette, ascii: bool) -> Text:
        line = Text(f"unit {session.selected_unit} ", style="bold")
        for name in names:
            colour = palette.plot.get(name)
            if palette.colourless or ascii or colour is None:
                line.append(f" {name}{name} {name}")  # the curve's own letter is its marker
            else:
                line.append(" ━━", style=hex_colour(colour))
                line.append(f" {name}")
        cursor = palette.cursor if isinstance(palette.cursor, tuple) else None
        line.append("   ")
        line.append("O" if ascii else "●", style=hex_colour(cursor) if cursor else "")
        line.append(" the step shown")
        return line

    def _characters(self, session: Session, start: int, end: int, indent: int) -> Text:
        """The typed characters under their columns, the shown one underlined."""
        line = Text(" " * indent)
        for t in range(start, end):
            line.append(glyph(session.window_text[t]), style=CURSOR if t == session.step_index else "")
        return line
