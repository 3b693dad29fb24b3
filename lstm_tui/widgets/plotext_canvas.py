"""The one place that reaches into plotext's and textual-plotext's private parts.

Why the versions are pinned (pyproject): the plots read plotext's character matrix instead of writing and
parsing ANSI text (far cheaper per key), size the figure to the widget rather than to plotext's guess of
the terminal, and place markers with plotext's own mapping from values to cells. Each of those uses an
underscore name; keep them all here.
"""

from __future__ import annotations

from functools import lru_cache

from plotext import _utility as plotext_utility
from plotext._dict import themes as plotext_themes
from rich.style import Style
from rich.text import Span, Text


def start_figure(plot, width: int, height: int):
    """``plot.plt`` cleared and sized to the widget (width × height cells), in the app's theme."""
    plot.plt.clear_data()
    return fit_figure(plot, width, height)


def fit_figure(plot, width: int, height: int):
    """``plot.plt`` sized to the widget (width × height cells), in the app's theme."""
    plt = plot.plt
    plt._limit_size(False, False)  # the widget's size, not plotext's guess at the terminal's, is the limit
    plt.plotsize(width, height)
    plt._set_size(width, height)  # textual-plotext does the same before each build (its issue #5)
    name = plot._get_plotext_theme_name(plot.app.theme)
    if name not in plotext_themes:  # a theme chosen since mount, before textual-plotext heard of it
        plot._register_theme(plot.app.theme)
    plt.theme(name)
    return plt


def dot_cell(value: float, limits: tuple[float, float], cells: int, dots: int) -> float:
    """The value plotext draws one marker per cell at in the cell where, at ``dots`` dots per cell, it
    draws ``value``'s dot (its own rounding, so a marker lands on its curve's cell, not one beside it)."""
    low, high = limits
    dot = plotext_utility.get_matrix_data([value], limits, cells * dots)[0]
    return low + (dot // dots) * (high - low) / max(cells - 1, 1)


@lru_cache(maxsize=256)
def _cell_style(colours: tuple) -> Style:
    """The Rich style of a plotext cell's (foreground, style, background), via plotext's own ANSI codes."""
    decoded = Text.from_ansi(plotext_utility.colors_to_ansi(*colours) + "x")
    return decoded.spans[0].style if decoded.spans else Style.null()


def _frozen(colour):
    return tuple(colour) if isinstance(colour, list) else colour


def matrix_rows(plt) -> list[Text]:
    """The built figure, top row first, as Rich text with one span per run of equal colours. A blank
    cell joins the run before it whatever its foreground (it shows none): the gaps between a curve's
    dots then cost no change of colour and back, which is most of a plot row's bytes on the wire."""
    plt._build_matrix()
    matrix = plt.monitor.matrix
    rows = []
    for y in reversed(range(matrix.rows)):
        marker, fg, style, bg = matrix.marker[y], matrix.fullground[y], matrix.style[y], matrix.background[y]
        spans, start = [], 0
        for x in range(1, matrix.cols + 1):
            colour_changed = fg[x] != fg[start] and marker[x] != " " if x < matrix.cols else True
            if colour_changed or style[x] != style[start] or bg[x] != bg[start]:
                colours = (_frozen(fg[start]), style[start], _frozen(bg[start]))
                spans.append(Span(start, x, _cell_style(colours)))
                start = x
        rows.append(Text("".join(marker), spans=spans))
    return rows
