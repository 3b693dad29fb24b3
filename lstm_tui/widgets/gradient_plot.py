"""The gradient lab's plot: ‖∂h_T/∂x_t‖ (and Π f) by distance on a log scale, drawn from a ``LabView``.

Shown like the state plot (rows read from plotext's character matrix), so ASCII mode applies to the
frame as well. The title and the legend sit above the curves (plotext would draw its legend over
them). Each curve has a colour of its own; without colours (NO_COLOR, ASCII) or with more curves than
the palette has colours that stay distinct on every terminal, each is drawn with its number instead.
"""

from __future__ import annotations

from rich.text import Text
from textual_plotext import PlotextPlot

from ..analysis.gradient_lab import PLOT_TITLE, LabView, draw_plot, legend_rows, plot_series
from .ascii_mode import in_ascii_mode, spell_ascii
from .lines import LineView
from .palette import hex_colour, palette_for
from .plot import AXIS_MARGIN
from .plotext_canvas import fit_figure, matrix_rows

SWATCH = "━━"


class GradientPlot(LineView, PlotextPlot):
    """Holds the last view and redraws it; the numbers come from ``GradientLab.compute``, never from here."""

    DEFAULT_CSS = """
    GradientPlot { width: 1fr; height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.view: LabView | None = None

    def draw(self, view: LabView) -> None:
        self.view = view
        self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        width, height = self.size.width, self.size.height
        if self.view is None or width < AXIS_MARGIN + 4:
            return
        palette, ascii = palette_for(self), in_ascii_mode(self)
        spell = spell_ascii if ascii else str
        labels = [spell(label) for label, _ in plot_series(self.view)]
        numbered = ascii or palette.colourless or len(labels) > len(palette.sequence)
        entries = [f"{index + 1} {label}" if numbered else f"{SWATCH} {label}" for index, label in enumerate(labels)]
        header = [Text(spell(PLOT_TITLE).center(width).rstrip(), style="bold")]
        for row in legend_rows(entries, width - 2):
            line = Text(" ")
            for index in row:
                line.append("  " if len(line) > 1 else "")
                if numbered:
                    line.append(entries[index])
                else:
                    line.append(SWATCH, style=hex_colour(palette.sequence[index]))
                    line.append(f" {labels[index]}")
            header.append(line)
        rows = height - len(header)
        if rows < 4:
            return
        draw_plot(self.plt, self.view, colours=palette.sequence, numbered=numbered)
        self.show([*header, *matrix_rows(fit_figure(self, width, rows))])
