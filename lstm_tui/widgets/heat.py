"""The heat line (typed text coloured by the selected unit) and the units × time heatmap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

from ..display import glyph
from .lines import LineView, redrawn_on_theme_change, value_style
from .palette import palette_for

if TYPE_CHECKING:
    from ..session import Session

CURSOR = Style(underline=True, bold=True)
UNKNOWN = Style(italic=True, dim=True)


def visible_span(session: Session, width: int) -> tuple[int, int]:
    """The window steps [start, end) that fit ``width`` cells, paged so the shown step stays in view.

    The span moves in half-pages, so typing at the end shifts the view rarely (fewer redrawn cells).
    """
    length = session.length
    if length <= width or width <= 1:
        return max(0, length - width), length
    page = max(1, width // 2)
    step = session.step_index
    start = max(0, ((step - width) // page + 1) * page) if step >= width else 0
    start = min(start, length - width) if session.cursor is not None else start
    return start, min(length, start + width)


class HeatLine(LineView):
    """The text, one cell per character, each on the colour of the selected unit's h at that step."""

    @redrawn_on_theme_change
    def update_from(self, session: Session, quantity: str = "h") -> None:
        palette = palette_for(self)
        width = max(self.size.width - 2, 1)
        start, end = visible_span(session, width)
        low, high = session.value_range(quantity)
        values = session.trace(quantity)[:, session.selected_unit] if session.length else ()
        known = session.in_vocab
        line = Text("…" if start > 0 else " ")
        shown = session.step_index
        for t in range(start, end):
            style = value_style(float(values[t]), low, high, palette)
            if not known[t]:
                style = style + UNKNOWN
            if t == shown:
                style = style + CURSOR
            line.append(glyph(session.window_text[t]), style=style)
        self.show([line])


class Heatmap(LineView):
    """Shown units (rows) × recent steps (columns), coloured by h; a header row of the characters."""

    @redrawn_on_theme_change
    def update_from(self, session: Session, units: list[int], quantity: str = "h") -> None:
        palette = palette_for(self)
        label = 4
        width = max(self.size.width - label, 1)
        start, end = visible_span(session, width)
        low, high = session.value_range(quantity)
        header = Text(f"{quantity:>3} ".rjust(label), style="bold")
        for t in range(start, end):
            header.append(glyph(session.window_text[t]), style=CURSOR if t == session.step_index else "")
        lines = [header]
        values = session.trace(quantity)
        for unit in units:
            row = Text(f"{unit:>3}{'▸' if unit == session.selected_unit else ' '}")
            for t in range(start, end):
                row.append(" ", style=value_style(float(values[t, unit]), low, high, palette))
            lines.append(row)
        self.show(lines)
