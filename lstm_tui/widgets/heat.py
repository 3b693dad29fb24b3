"""The heat line (typed text coloured by the selected unit) and the units × time heatmap.

Each colours its values on a scale fitted to what it shows (±S, S the round number at or above the
largest |value| in view, ``scales.symmetric_scale``), so typical values fill the palette's levels
instead of all looking like 0; a key at the right end of its first row gives the scale. While the
learner types, the scale only grows (``StickyScale``): a colour already on screen keeps its meaning
(lesson 12 asks to watch that earlier positions do not change as characters are added).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

from ..display import glyph
from .lines import LineView, redrawn_on_theme_change, value_style
from .palette import LEVELS, Palette, palette_for
from .scales import scale_label, symmetric_scale

if TYPE_CHECKING:
    import numpy as np

    from ..session import Session

CURSOR = Style(underline=True, bold=True)
UNKNOWN = Style(italic=True, dim=True)
KEY_LABEL = 6  # "±0.25": the scale's width, kept fixed so the columns do not move when it changes
KEY_WIDTH = 3 + 2 * LEVELS + 1 + 1 + KEY_LABEL  # " h " + a swatch per level + " " + the label


def visible_span(session: Session, width: int, page: int | None = None) -> tuple[int, int]:
    """The window steps [start, end) that fit ``width`` cells, paged so the shown step stays in view.

    The span moves in pages (default half the width, as the input above the heat line pages), so typing
    at the end shifts the view rarely (fewer redrawn cells); once scrubbing has moved the shown step
    back, the span is as full as the text allows.
    """
    length = session.length
    if length <= width or width <= 1:
        return max(0, length - width), length
    page = page or max(1, width // 2)
    step = session.step_index
    start = max(0, ((step - width) // page + 1) * page) if step >= width else 0
    start = min(start, length - width) if session.cursor is not None else start
    return start, min(length, start + width)


def scale_key(quantity: str, scale: float, palette: Palette) -> Text:
    """``h −▮▮▮0▮▮▮+ ±0.5``: each level's colour from −scale to +scale, then the scale."""
    key = Text(f" {quantity} ")
    for level in range(-LEVELS, LEVELS + 1):
        mark = "−" if level == -LEVELS else "+" if level == LEVELS else "0" if level == 0 else " "
        key.append(mark, style=value_style(level * scale / LEVELS, -scale, scale, palette))
    key.append(" " + scale_label(scale).ljust(KEY_LABEL))
    return key


def largest(values: np.ndarray) -> float:
    return float(abs(values).max()) if values.size else 0.0


class StickyScale:
    """The scale of one view: fitted afresh when what it shows changes (another unit, model, knob or a
    reset: the session's ``runs``), and otherwise only ever widened."""

    def __init__(self):
        self.context: tuple | None = None
        self.scale = 0.0

    def fit(self, context: tuple, values: np.ndarray) -> float:
        if context != self.context:
            self.context, self.scale = context, 0.0
        self.scale = max(self.scale, symmetric_scale(largest(values)))
        return self.scale


class HeatLine(LineView):
    """The text, one cell per character, each on the colour of the selected unit's value at that step."""

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.scale = StickyScale()

    @redrawn_on_theme_change
    def update_from(self, session: Session, quantity: str = "h") -> None:
        palette = palette_for(self)
        width = max(self.size.width - 1 - KEY_WIDTH, 1)
        start, end = visible_span(session, width)
        values = session.trace(quantity)[start:end, session.selected_unit]
        scale = self.scale.fit((session.runs, quantity, session.selected_unit), values)
        known = session.in_vocab
        line = Text("…" if start > 0 else " ")
        shown = session.step_index
        for t in range(start, end):
            style = value_style(float(values[t - start]), -scale, scale, palette)
            if not known[t]:
                style = style + UNKNOWN
            if t == shown:
                style = style + CURSOR
            line.append(glyph(session.window_text[t]), style=style)
        line.pad_right(1 + width - line.cell_len)
        self.show([line + scale_key(quantity, scale, palette)])


class Heatmap(LineView):
    """Shown units (rows) × recent steps (columns), coloured by h; a header row of the characters and
    the key."""

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.scale = StickyScale()

    @redrawn_on_theme_change
    def update_from(self, session: Session, units: list[int], quantity: str = "h") -> None:
        palette = palette_for(self)
        label = 4
        width = max(self.size.width - label - KEY_WIDTH, 1)
        start, end = visible_span(session, width)
        values = session.trace(quantity)[start:end][:, units]
        scale = self.scale.fit((session.runs, quantity, tuple(units)), values)
        header = Text(f"{quantity:>3} ".rjust(label), style="bold")
        for t in range(start, end):
            header.append(glyph(session.window_text[t]), style=CURSOR if t == session.step_index else "")
        header.pad_right(label + width - header.cell_len)
        lines = [header + scale_key(quantity, scale, palette)]
        for row, unit in enumerate(units):
            line = Text(f"{unit:>3}{'▸' if unit == session.selected_unit else ' '}")
            for t in range(end - start):
                line.append(" ", style=value_style(float(values[t, row]), -scale, scale, palette))
            lines.append(line)
        self.show(lines)
