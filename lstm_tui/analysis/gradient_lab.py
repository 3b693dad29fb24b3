"""The gradient lab's state: knobs, cached results, readout text and the plot, for the screen and the CLI.

Plain Python over ``lstm_tui.analysis.gradient_flow``: no terminal code. The plot is drawn through a
plotext-like object passed in (the ``plotext`` module in the CLI, a ``PlotextPlot``'s ``plt`` in the
screen), so this module never imports plotext itself.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace

import numpy as np

from ..display import finite_or_none
from ..limits import LAB_MAX_TEXT
from ..model.registry import CELLS, build_cell
from .gradient_flow import (
    CellGradients,
    Clipping,
    GradientSettings,
    by_distance,
    clip,
    compare,
    comparison_vocab,
    forget_rows,
    input_text,
    spectral_radii,
)

# Knob ladders. The spectral radius and the forget bias start at None, "the weights as built (or loaded)",
# which sits between rungs: → and ← step from its value (ctrl+r goes back to it).
RADII = tuple(round(0.5 + 0.1 * k, 1) for k in range(16))
FORGET_BIASES = tuple(-3.0 + 0.5 * k for k in range(17))
HIDDEN_SIZES = (4, 8, 16, 32, 64, 128)
LENGTHS = (10, 20, 50, 100, 200, 500, 1000)
CLIP_THRESHOLDS = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)
LADDERS = {
    "radius": ("spectral_radius", RADII),
    "forget_bias": ("forget_bias", FORGET_BIASES),
    "hidden": ("hidden_size", HIDDEN_SIZES),
    "length": ("length", LENGTHS),
    "clip": ("clip_threshold", CLIP_THRESHOLDS),
}
VISIBLE_DECADES = 40  # the plot's y range: at most this many powers of ten below the highest point
CACHE_SIZE = 64


@dataclass(frozen=True)
class LabView:
    """One computed comparison, ready to draw."""

    settings: GradientSettings
    text: str
    cells: dict[str, CellGradients]
    clipping: dict[str, Clipping]


def step_along(ladder: tuple, value, direction: int):
    """The ladder's next value in ``direction`` (+1/−1) from ``value``, clamped at the ends; a value
    between rungs moves to the nearest rung in that direction (and stays where no rung lies beyond)."""
    if value in ladder:
        index = ladder.index(value) + direction
        return ladder[min(max(index, 0), len(ladder) - 1)]
    beyond = [v for v in ladder if (v > value if direction > 0 else v < value)]
    if not beyond:
        return value
    return min(beyond) if direction > 0 else max(beyond)


class GradientLab:
    """Knobs and results of the gradient lab. The screen calls ``select``/``adjust``/``add_cell``/
    ``remove_cell``/``set_text`` on key presses and ``compute`` (possibly in a worker thread) to get a
    ``LabView``; everything shown is formatted here so the CLI prints the same text."""

    def __init__(self, settings: GradientSettings | None = None, text: str | None = None, model=None):
        self.settings = settings or GradientSettings()
        self.model = model  # a CharModel (e.g. from a weights file) instead of random cells
        self.text = ""
        self.use_text = False
        self.selected = 0
        self.set_text(text if text is not None else self.settings.text or "")
        self.candidate = self._candidates()[0] if self._candidates() else None
        self._cache: dict[GradientSettings, CellGradients] = {}
        self._cache_lock = threading.Lock()  # the screen computes in worker threads

    # --- knobs -----------------------------------------------------------------------------------
    def knob_names(self) -> list[str]:
        names = ["radius", "forget_bias"]
        if self.model is None:
            names.append("hidden")
        names.append("seed")
        if self.text:
            names.append("source")
        names += ["length", "clip"]
        if self.model is None:
            names.append("add")
        return names

    @property
    def selected_knob(self) -> str:
        return self.knob_names()[self.selected]

    def select(self, direction: int) -> None:
        self.selected = (self.selected + direction) % len(self.knob_names())

    def adjust(self, direction: int) -> bool:
        """Turn the selected knob one step; True when something changed."""
        knob = self.selected_knob
        before = (self.settings, self.use_text, self.candidate)
        if knob in LADDERS:
            field_name, ladder = LADDERS[knob]
            value = getattr(self.settings, field_name)
            if value is None:  # "as built": step from the built value, so → raises it and ← lowers it
                built = self.built_values(knob)
                if not built:  # no cell has this knob
                    return False
                value = max(built) if direction > 0 else min(built)
            stepped = step_along(ladder, value, direction)
            if stepped in ladder:
                self.settings = replace(self.settings, **{field_name: stepped})
        elif knob == "seed":
            self.settings = replace(self.settings, seed=max(0, self.settings.seed + direction))
        elif knob == "source":
            self.use_text = not self.use_text
            self._sync_text()
        elif knob == "add":
            self._cycle_candidate(direction)
        return before != (self.settings, self.use_text, self.candidate)

    def built_values(self, knob: str) -> list[float]:
        """The knob's value in each cell as built (or loaded): its recurrent blocks' largest spectral
        radius ("radius"), or its mean effective forget bias ("forget_bias", cells that learn a forget
        gate only)."""
        vocab = comparison_vocab(self.model)
        s = self.settings
        cells = (
            [self.model.cell]
            if self.model is not None
            else [build_cell(name, len(vocab), s.hidden_size, seed=s.seed) for name in s.cells]
        )
        if knob == "radius":
            return [max(radii.values()) for radii in map(spectral_radii, cells) if radii]
        values = []
        for cell in cells:
            rows = forget_rows(cell)
            if rows is not None:
                values.append(float((cell.params["bias_ih"][rows] + cell.params["bias_hh"][rows]).mean()))
        return values

    def _candidates(self) -> list[str]:
        return [name for name in CELLS if name not in self.settings.cells]

    def _cycle_candidate(self, direction: int) -> None:
        candidates = self._candidates()
        if not candidates:
            self.candidate = None
            return
        index = candidates.index(self.candidate) if self.candidate in candidates else -1
        self.candidate = candidates[(index + direction) % len(candidates)]

    def add_cell(self) -> bool:
        if self.model is not None or self.candidate is None or self.candidate in self.settings.cells:
            return False
        self.settings = replace(self.settings, cells=self.settings.cells + (self.candidate,))
        self._cycle_candidate(+1)
        return True

    def remove_cell(self) -> bool:
        """Remove the most recently added cell (at least one always stays)."""
        if self.model is not None or len(self.settings.cells) == 1:
            return False
        self.settings = replace(self.settings, cells=self.settings.cells[:-1])
        if self.candidate is None:
            self._cycle_candidate(+1)
        return True

    def set_text(self, text: str) -> None:
        """The panel's text; non-empty text becomes the input (its last 1000 characters at most)."""
        self.text = text[-LAB_MAX_TEXT:]
        self.use_text = bool(self.text)
        self._sync_text()
        self.selected = min(self.selected, len(self.knob_names()) - 1)  # the input knob may have gone

    def _sync_text(self) -> None:
        self.settings = replace(self.settings, text=self.text if self.use_text and self.text else None)

    # --- computing -------------------------------------------------------------------------------
    def compute(self, settings: GradientSettings | None = None, should_stop=None) -> LabView | None:
        """Results for ``settings`` (default: the current ones). Each cell's result is cached, so adding a
        cell or changing the clipping threshold recomputes nothing else. Safe to call from worker
        threads; ``should_stop()`` is asked between cells, and a stopped computation returns None (a
        newer knob setting has made it useless)."""
        settings = settings or self.settings
        text = input_text(settings, comparison_vocab(self.model))
        names = (self.model.cell.name,) if self.model is not None else settings.cells
        cells = {}
        for name in names:
            if should_stop is not None and should_stop():
                return None
            key = replace(settings, cells=(name,), clip_threshold=1.0)  # clipping is applied afterwards
            with self._cache_lock:
                cached = self._cache.get(key)
            if cached is None:
                cached = compare(key, self.model)[1][name]
                with self._cache_lock:
                    while len(self._cache) >= CACHE_SIZE:
                        self._cache.pop(next(iter(self._cache)))
                    self._cache[key] = cached
            cells[name] = cached
        clipping = {name: clip(result.norms, settings.clip_threshold) for name, result in cells.items()}
        return LabView(settings, text, cells, clipping)

    # --- text ------------------------------------------------------------------------------------
    def knob_lines(self) -> list[str]:
        """One line per knob, the selected one marked with ▶."""
        selected = self.selected_knob
        return [f"{'▶' if name == selected else ' '} {label:<12}{value}" for name, label, value in self._knobs()]

    def _knobs(self):
        s = self.settings
        texts = {
            "radius": ("ρ(W_hh)", "as built" if s.spectral_radius is None else f"{s.spectral_radius:.1f}"),
            "forget_bias": ("forget bias", "as built" if s.forget_bias is None else f"{s.forget_bias:+.1f}"),
            "hidden": ("hidden H", str(s.hidden_size)),
            "seed": ("seed", str(s.seed)),
            "source": ("input", "panel text" if self.use_text else "random"),
            "length": ("length T", f"{len(s.text)} (text)" if s.text is not None else str(s.length)),
            "clip": ("clip at", f"{s.clip_threshold:g}"),
            "add": ("add cell", self.candidate or "(all added)"),
        }
        return [(name, *texts[name]) for name in self.knob_names()]


# --- shared text and plot ----------------------------------------------------------------------------
def view_json(view: LabView) -> dict:
    """The lab's view as JSON-ready data (``lstm-tui gradients --format json``, the lab's export); a norm that
    overflowed is written as null."""
    s = view.settings
    cells = {}
    for name, result in view.cells.items():
        r, clipping = result.readouts, view.clipping[name]
        entry = {
            "norms": [finite_or_none(v) for v in result.norms],
            "vanish_distance": r.vanish_distance,
            "explode_distance": r.explode_distance,
            "growth_per_step": None if r.growth_per_step is None else finite_or_none(r.growth_per_step),
            "spectral_radii": result.spectral_radii,
            "layers": result.num_layers,
            "bidirectional": result.bidirectional,
            "clip": {
                "threshold": clipping.threshold,
                "before": finite_or_none(clipping.before),
                "after": finite_or_none(clipping.after),
            },
        }
        if result.forget_mean is not None:
            entry["forget_product_mean"] = [finite_or_none(v) for v in result.forget_mean]
            entry["half_life"] = r.half_life
        cells[name] = entry
    return {
        "input": {"source": "random" if s.text is None else "text", "length": len(view.text), "text": view.text},
        "settings": {
            "hidden_size": s.hidden_size,
            "seed": s.seed,
            "spectral_radius": s.spectral_radius,
            "forget_bias": s.forget_bias,
            "clip_threshold": s.clip_threshold,
        },
        "cells": cells,
    }


def settings_line(view: LabView) -> str:
    s = view.settings
    source = "text" if s.text is not None else f"random (seed {s.seed})"
    radius = "as built" if s.spectral_radius is None else f"{s.spectral_radius:g}"
    bias = "as built" if s.forget_bias is None else f"{s.forget_bias:+g}"
    sizes = "/".join(sorted({str(result.hidden_size) for result in view.cells.values()}))
    shapes = "/".join(sorted({layer_shape(result) for result in view.cells.values()}))
    return f"T = {len(view.text)} {source}, H = {sizes}{shapes and ', ' + shapes}, ρ(W_hh) {radius}, forget bias {bias}"


def layer_shape(result: CellGradients) -> str:
    """'2 layers, bidirectional', …; empty for one layer in one direction."""
    parts = [f"{result.num_layers} layers"] * (result.num_layers > 1) + ["bidirectional"] * result.bidirectional
    return ", ".join(parts)


def fate(result: CellGradients) -> str:
    """Where the norm first leaves [1e-6, 1e6] × its value at d = 0, or how far it holds."""
    r = result.readouts
    if r.vanish_distance is not None:
        return f"↓1e-6 at d={r.vanish_distance}"
    if r.explode_distance is not None:
        return f"↑1e6 at d={r.explode_distance}"
    return f"holds to d={len(result.norms) - 1}"


READOUT_WIDTHS = (14, 18, 10, 8, 7)  # every column but the last (clipping), at least


def readout_lines(view: LabView, spell=str) -> list[str]:
    """A header and one line per cell: fate, fitted growth per step, Π f half-life, ρ, clipping.
    ``spell`` rewrites each cell's text (e.g. into ASCII) before the columns are lined up."""
    rows = [["cell", "fate", "per step", "Πf<½", "ρ max", f"clip at {view.settings.clip_threshold:g}"]]
    for name, result in view.cells.items():
        r, clipping = result.readouts, view.clipping[name]
        growth = "–" if r.growth_per_step is None else f"×{r.growth_per_step:.3f}"
        if result.forget_product is None:
            half_life = "–"
        else:
            half_life = "never" if r.half_life is None else f"d={r.half_life}"
        radius = f"{max(result.spectral_radii.values()):.2f}" if result.spectral_radii else "–"
        clipped = f"{clipping.before:.3g} → {clipping.after:.3g}"
        rows.append([name, fate(result), growth, half_life, radius, clipped])
    rows = [[spell(cell) for cell in row] for row in rows]
    widths = [max(width, *(len(row[column]) + 1 for row in rows)) for column, width in enumerate(READOUT_WIDTHS)]
    return ["".join(cell.ljust(width) for cell, width in zip(row, widths)) + row[-1] for row in rows]


def decade_ticks(bottom: float, top: float, most: int = 6) -> tuple[list[float], list[str]]:
    """Tick positions on a log₁₀ axis at whole powers of ten, at most ``most`` of them."""
    span = max(top - bottom, 1.0)
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if span / s <= most - 1)
    first = math.ceil(bottom / step) * step
    positions = [float(k) for k in range(first, math.floor(top) + 1, step)]
    return positions, ["1" if k == 0 else f"1e{int(k)}" for k in positions]


def distance_ticks(last: int, most: int = 6) -> list[int]:
    """Whole-number ticks 0, step, 2·step, … up to ``last``, with a round step."""
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500) if last / s <= most - 1)
    return list(range(0, last + 1, step))


def plot_series(view: LabView) -> list[tuple[str, np.ndarray]]:
    """(label, values by distance d) for every curve: each cell's norms, then Π f (mean over units)."""
    series = []
    for name, result in view.cells.items():
        series.append((name, by_distance(result.norms)))
        if result.forget_mean is not None:
            series.append((f"{name} Πf", by_distance(result.forget_mean)))
    return series


PLOT_TITLE = "‖∂h_T/∂x_t‖ and Π f by d = T−1−t (log)"


def draw_plot(plt, view: LabView, *, colours: tuple = (), numbered: bool = False) -> None:
    """Draw the norms against the distance on a log₁₀ y axis, without a title or legend (plotext draws
    its legend over the curves: callers put ``PLOT_TITLE`` and a legend of ``plot_series`` above it).
    Values that underflowed to 0 (or lie more than VISIBLE_DECADES below the top) are left out rather
    than drawn at a false floor. Curve ``index`` of ``plot_series`` has colour ``colours[index]``
    (default: plotext's) and, with ``numbered``, the marker ``index + 1`` (for output without colours)."""
    plt.clear_figure()
    logged = []
    for label, values in plot_series(view):
        distance = np.arange(len(values))
        usable = np.isfinite(values) & (values > 0)
        logged.append((label, distance[usable], np.log10(values[usable])))
    heights = [y for _, _, y in logged if y.size]
    if not heights:
        return
    top = max(float(y.max()) for y in heights)
    bottom = max(min(float(y.min()) for y in heights), top - VISIBLE_DECADES)
    for index, (_, distance, y) in enumerate(logged):
        shown = y >= bottom
        if shown.any():
            style = {"color": colours[index % len(colours)]} if colours else {}
            if numbered:
                style["marker"] = str(index + 1)
            plt.plot(distance[shown].tolist(), y[shown].tolist(), **style)
    low, high = (bottom, top) if top > bottom else (bottom - 1, top + 1)
    plt.ylim(low, high)
    plt.yticks(*decade_ticks(low, high))
    last = max(len(view.text) - 1, 1)
    plt.xlim(0, last)
    plt.xticks(distance_ticks(last))


def legend_rows(entries: list[str], width: int) -> list[list[int]]:
    """The legend entries (as written, e.g. "━━ rnn" or "1 rnn") in rows of at most ``width`` columns,
    two spaces apart: the indices of each row's entries, in order."""
    rows: list[list[int]] = [[]]
    used = 0
    for index, entry in enumerate(entries):
        if rows[-1] and used + 2 + len(entry) > width:
            rows.append([])
            used = 0
        used += (2 if rows[-1] else 0) + len(entry)
        rows[-1].append(index)
    return rows
