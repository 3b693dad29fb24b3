"""Gate bars and state bars: one row per shown unit, one bar and value per traced quantity.

The unit labels are a widget of their own: Textual repaints a line from the left edge of a widget, so
labels that rarely change would otherwise be sent again with every key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from .ascii_mode import in_ascii_mode
from ..display import format_number
from .lines import LineView, bar, redrawn_on_theme_change, value_style
from .palette import palette_for

if TYPE_CHECKING:
    from ..session import Session

BAR_WIDTH = 4
COLUMN_WIDTH = BAR_WIDTH + 6  # bar, space, value (−0.00)


class UnitLabels(LineView):
    """The shown units' numbers, the selected one marked ▸ (and reversed)."""

    DEFAULT_CSS = """
    UnitLabels { width: 4; }
    """

    def update_from(self, session: Session, units: list[int]) -> None:
        lines = [Text("unit", style="bold")]
        for unit in units:
            selected = unit == session.selected_unit
            lines.append(Text(f"{unit:>3}{'▸' if selected else ' '}", style="bold reverse" if selected else ""))
        self.show(lines)


class UnitBars(LineView):
    """Bars for the gates (``kind="gates"``) or the states c, h (``kind="states"``) at the shown step."""

    def __init__(self, kind: str, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.kind = kind

    def names(self, session: Session) -> tuple[str, ...]:
        return session.gate_names if self.kind == "gates" else session.state_names

    @redrawn_on_theme_change
    def update_from(self, session: Session, units: list[int]) -> None:
        palette, ascii = palette_for(self), in_ascii_mode(self)
        names = self.names(session)
        header = Text(style="bold")
        for name in names:
            header.append(f" {name}".ljust(COLUMN_WIDTH))
        lines = [header]
        step = session.step_index
        values = session.step_trace() if step is not None else {}
        for unit in units:
            row = Text()
            for name in names:
                if step is None:
                    row.append(" " * COLUMN_WIDTH)
                    continue
                value = float(values[name][unit])
                low, high = session.value_range(name)
                # the number in the bar's colour: one run of cells, one escape sequence on the wire
                row.append(bar(value, low, high, BAR_WIDTH, ascii=ascii) + f" {format_number(value):>5}".ljust(COLUMN_WIDTH - BAR_WIDTH),
                           style=value_style(value, low, high, palette, ink=True))
            lines.append(row)
        self.show(lines)
