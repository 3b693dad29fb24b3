"""The gradient lab's plot: ‖∂h_T/∂x_t‖ (and Π f) by distance on a log scale, drawn from a ``LabView``."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from ..gradient_lab import LabView, draw_plot


class GradientPlot(PlotextPlot):
    """Holds the last view and redraws it; the numbers come from ``GradientLab.compute``, never from here."""

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.view: LabView | None = None

    def show(self, view: LabView) -> None:
        self.view = view
        draw_plot(self.plt, view)
        self.refresh()
