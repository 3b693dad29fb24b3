"""The gradient lab's plot: ‖∂h_T/∂x_t‖ (and Π f) by distance on a log scale, drawn from a ``LabView``.

Shown like the state plot (rows read from plotext's character matrix), so ASCII mode applies to the
frame as well.
"""

from __future__ import annotations

from textual_plotext import PlotextPlot

from .ascii_mode import in_ascii_mode, spell_ascii
from ..analysis.gradient_lab import LabView, draw_plot
from .lines import LineView
from .palette import palette_for
from .plot import AXIS_MARGIN
from .plotext_canvas import fit_figure, matrix_rows


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
        if self.view is None or width < AXIS_MARGIN + 4 or height < 4:
            return
        palette, ascii = palette_for(self), in_ascii_mode(self)
        draw_plot(self.plt, self.view, colours=palette.sequence, numbered=ascii or palette.colourless,
                  spell=spell_ascii if ascii else str)
        self.show(matrix_rows(fit_figure(self, width, height)))
