"""State plot (plotext through textual-plotext): the selected unit's c and h over the recent text.

Cheap on the wire by construction: the y range is fixed, the x range moves in half-pages, the time
cursor is a marker on the curves (not a vertical line through every row), and only plot lines that
differ from the previous frame are repainted.
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Region
from textual_plotext import PlotextPlot

from ..session import UNBOUNDED_RANGE, Session, glyph
from .heat import visible_span

COLOURS = {"c": "orange", "h": "cyan", "i": "green", "f": "red", "o": "magenta", "g": "yellow"}
AXIS_MARGIN = 8  # columns plotext spends on y tick labels and the frame
FRAME_ROWS = 4  # title, top and bottom frame, x tick labels


def y_ticks(plot_rows: int) -> list[int]:
    """As many of −2…2 as get a row each: when two ticks share a row, plotext's choice of label
    depends on string hashing, so the picture would change from one process to the next."""
    return [-2, -1, 0, 1, 2] if plot_rows >= 5 else [-2, 0, 2] if plot_rows >= 3 else [0]


class StatePlot(PlotextPlot):
    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self._text = Text()
        self._rows: list[Text] = []
        self._session: Session | None = None
        self.show_gates = False

    def update_from(self, session: Session) -> None:
        self._session = session
        self._replot()

    def on_resize(self) -> None:
        self._rows = []
        self._replot()

    def _replot(self) -> None:
        session = self._session
        width, height = self.size.width, self.size.height
        if session is None or width < AXIS_MARGIN + 4 or height < 4:
            return
        plt = self.plt
        plt.clear_data()
        plt.plotsize(width, height)
        plt._set_size(width, height)  # textual-plotext does the same before each build (its issue #5)
        plt.theme(self._get_plotext_theme_name(self.app.theme))
        plt.ylim(-UNBOUNDED_RANGE, UNBOUNDED_RANGE)
        plt.yticks(y_ticks(height - FRAME_ROWS))
        span = max(2, (width - AXIS_MARGIN) // 2)
        start, end = visible_span(session, span)
        plt.xlim(start - 0.5, start + span - 0.5)
        unit = session.selected_unit
        steps = list(range(start, end))
        names = session.state_names + (session.gate_names if self.show_gates else ())
        if steps:
            for name in names:
                values = session.trace(name)[start:end, unit].clip(-UNBOUNDED_RANGE, UNBOUNDED_RANGE)
                plt.plot(steps, values.tolist(), color=COLOURS.get(name, "white"), label=name, marker="braille")
            plt.xticks(steps, [glyph(char) for char in session.window_text[start:end]])
            shown = session.step_index
            for name in session.state_names:
                value = float(session.trace(name)[shown, unit])
                plt.scatter([shown], [max(-UNBOUNDED_RANGE, min(UNBOUNDED_RANGE, value))], marker="●", color="white")
        else:
            plt.xticks([], [])
        plt.title(f"unit {unit}: " + ", ".join(names))
        self._publish(Text.from_ansi(plt.build()))

    def _publish(self, text: Text) -> None:
        rows = text.split("\n")
        old = self._rows
        self._text, self._rows = text, rows
        if len(old) != len(rows):
            self.refresh()
            return
        for y, (before, after) in enumerate(zip(old, rows)):
            if before != after:
                self.refresh(Region(0, y, self.size.width, 1))

    def render(self) -> Text:
        return self._text
