"""Gate bars and state bars: one row per shown unit, one bar and value per traced quantity.

The unit labels are a widget of their own: Textual repaints a line from the left edge of a widget, so
labels that rarely change would otherwise be sent again with every key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from .ascii_mode import in_ascii_mode
from ..display import format_signed
from .lines import LineView, bar, redrawn_on_theme_change, value_style
from .palette import palette_for

if TYPE_CHECKING:
    from ..session import Session

BAR_WIDTHS = {False: 3, True: 4}  # by signed: a signed bar grows from its middle, two cells each way
NUMBER_WIDTHS = {False: 4, True: 5}  # at least: "0.36", "−0.55"
LONGEST_NUMBER = 7  # "−999.99"; larger values lose decimals to stay within it


def bar_number(value: float) -> str:
    """The value as the bars write it: two decimals up to ±999.99, then fewer, never wider than LONGEST_NUMBER."""
    for decimals in (2, 1, 0):
        text = format_signed(value, decimals)
        if len(text) <= LONGEST_NUMBER:
            return text
    return f"{value:.0e}".replace("-", "−")


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
        """A column per quantity: a space, the bar, a space and the number, right-aligned to the widest
        number in the column (so every row lines up, whatever the values)."""
        palette, ascii = palette_for(self), in_ascii_mode(self)
        step = session.step_index
        values = session.step_trace() if step is not None else {}
        columns = []
        for name in self.names(session):
            low, high = session.value_range(name)
            signed = low < 0
            numbers = [bar_number(float(values[name][unit])) for unit in units] if step is not None else []
            width = max([NUMBER_WIDTHS[signed], *map(len, numbers)])
            cells = [(" " + bar(float(values[name][unit]), low, high, BAR_WIDTHS[signed], ascii=ascii)
                      + " " + number.rjust(width),
                      value_style(float(values[name][unit]), low, high, palette, ink=True))
                     for unit, number in zip(units, numbers)]
            columns.append((f" {name}".ljust(2 + BAR_WIDTHS[signed] + width), cells))
        lines = [Text("".join(header for header, _ in columns), style="bold")]
        for row in range(len(units)):
            line = Text()
            for header, cells in columns:
                if cells:  # the number in the bar's colour: one run of cells, one escape sequence on the wire
                    line.append(*cells[row])
                else:
                    line.append(" " * len(header))
            lines.append(line)
        self.show(lines)
