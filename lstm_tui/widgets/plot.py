"""State plot (plotext through textual-plotext): the selected unit's c and h over the recent text.

Cheap on the wire and on the CPU by construction: the y range is fixed, the x range moves in
half-pages, the time cursor is a marker on the curves (not a vertical line through every row), only
plot rows that differ from the previous frame are repainted, and the rows are read from plotext's
character matrix (no ANSI text to write and parse back). Redraws are coalesced by the screen: one
replot per frame however many keys arrived.
"""

from __future__ import annotations

from textual_plotext import PlotextPlot

from .ascii_mode import in_ascii_mode
from ..display import glyph
from ..session import UNBOUNDED_RANGE, Session
from .heat import visible_span
from .lines import LineView
from .palette import palette_for
from .plotext_canvas import matrix_rows, set_x_labels, start_figure

AXIS_MARGIN = 8  # columns plotext spends on y tick labels and the frame
FRAME_ROWS = 4  # title, top and bottom frame, x tick labels


def y_ticks(plot_rows: int) -> list[int]:
    """As many of −2…2 as get a row each: when two ticks share a row, plotext's choice of label
    depends on string hashing, so the picture would change from one process to the next."""
    return [-2, -1, 0, 1, 2] if plot_rows >= 5 else [-2, 0, 2] if plot_rows >= 3 else [0]


class StatePlot(LineView, PlotextPlot):
    """Draws with plotext, shows like a ``LineView`` (only changed rows are repainted)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self._session: Session | None = None
        self.show_gates = False

    def update_from(self, session: Session) -> None:
        self._session = session
        self._replot()

    def on_resize(self) -> None:
        self._replot()

    def redraw(self) -> None:
        self._replot()

    def _replot(self) -> None:
        session = self._session
        width, height = self.size.width, self.size.height
        if session is None or width < AXIS_MARGIN + 4 or height < 4:
            return
        plt = start_figure(self, width, height)
        plt.ylim(-UNBOUNDED_RANGE, UNBOUNDED_RANGE)
        plt.yticks(y_ticks(height - FRAME_ROWS))
        span = max(2, (width - AXIS_MARGIN) // 2)
        start, end = visible_span(session, span)
        plt.xlim(start - 0.5, start + span - 0.5)
        unit = session.selected_unit
        steps = list(range(start, end))
        names = session.state_names + (session.gate_names if self.show_gates else ())
        palette, ascii = palette_for(self), in_ascii_mode(self)
        cursor_marker = "O" if ascii else "●"
        if steps:
            for name in names:
                values = session.trace(name)[start:end, unit].clip(-UNBOUNDED_RANGE, UNBOUNDED_RANGE)
                # without colours (ASCII terminals may have few, NO_COLOR none) each curve is drawn with its letter
                marker = name if ascii or palette.colourless else "braille"
                plt.plot(steps, values.tolist(), color=palette.plot.get(name, palette.cursor), label=name, marker=marker)
            labels = [glyph(char) for char in session.window_text[start:end]]
            plt.xticks(steps, labels)
            set_x_labels(plt, steps, labels)  # in step order, whatever string hashing does
            shown = session.step_index
            for name in session.state_names:
                value = float(session.trace(name)[shown, unit])
                plt.scatter([shown], [max(-UNBOUNDED_RANGE, min(UNBOUNDED_RANGE, value))], marker=cursor_marker, color=palette.cursor)
        else:
            plt.xticks([], [])
        plt.title(f"unit {unit}: " + ", ".join(names))
        self.show(matrix_rows(plt))
