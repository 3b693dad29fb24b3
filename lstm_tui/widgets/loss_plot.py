"""The training screen's loss curve (plotext through textual-plotext): loss against step.

The axes are fixed for a whole run (x from 0 to the planned steps, y from 0 to a ceiling set by the
first loss), so a redraw only adds to the curve and the frame never jumps. Drawn like the state plot:
rows read from plotext's character matrix, only changed rows repainted. The screen decides when to
redraw (a fixed cadence while training), never the worker thread.
"""

from __future__ import annotations

import math

from textual_plotext import PlotextPlot

from .ascii_mode import in_ascii_mode
from .lines import LineView
from .palette import palette_for
from .plot import AXIS_MARGIN
from .plotext_canvas import matrix_rows, start_figure

TITLE = "training loss (nats per character)"
MIN_ROWS = 5


def loss_ceiling(first_loss: float) -> float:
    """A round y limit above the first loss (losses fall from there, rarely rise above it)."""
    return max(0.5, math.ceil(first_loss * 1.1 * 2) / 2)


class LossPlot(LineView, PlotextPlot):
    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.total_steps = 1
        self.ceiling: float | None = None
        self.steps: list[int] = []
        self.losses: list[float] = []

    def start(self, total_steps: int) -> None:
        """A new run of ``total_steps``: empty curve, x axis fixed to the run."""
        self.total_steps = max(1, total_steps)
        self.ceiling = None
        self.steps, self.losses = [], []
        self.replot()

    def show_points(self, steps: list[int], losses: list[float]) -> None:
        """The curve so far (every point since the start of the run); redraws only when it grew."""
        if len(steps) == len(self.steps):
            return
        if self.ceiling is None and losses:
            self.ceiling = loss_ceiling(losses[0])
        self.steps, self.losses = list(steps), list(losses)
        self.replot()

    def on_resize(self) -> None:
        self.replot()

    def redraw(self) -> None:
        self.replot()

    def replot(self) -> None:
        width, height = self.size.width, self.size.height
        if width < AXIS_MARGIN + 4 or height < MIN_ROWS:
            return
        plt = start_figure(self, width, height)
        plt.xlim(0, self.total_steps)
        ceiling = self.ceiling or 1.0
        plt.ylim(0, ceiling)
        # explicit ticks, one row each: plotext's own choice on a crowded axis depends on string hashing
        plt.yticks([0, ceiling / 2, ceiling], ["0", f"{ceiling / 2:g}", f"{ceiling:g}"])
        plt.xticks([0, self.total_steps // 2, self.total_steps])
        if self.steps:
            marker = "*" if in_ascii_mode(self) else "braille"
            plt.plot(
                self.steps,
                [min(loss, ceiling) for loss in self.losses],
                marker=marker,
                color=palette_for(self).plot.get("loss", "default"),
            )
        plt.title(TITLE if self.steps else f"{TITLE}: drawn while training runs")
        self.show(matrix_rows(plt))
