"""Gate bars and state bars: one row per shown unit, one bar and value per traced quantity.

The unit labels are a widget of their own: Textual repaints a line from the left edge of a widget, so
labels that rarely change would otherwise be sent again with every key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..display import format_signed
from .ascii_mode import in_ascii_mode
from .lines import LineView, bar, redrawn_on_theme_change, value_style
from .palette import palette_for

if TYPE_CHECKING:
    from ..session import Session

BAR_WIDTHS = {False: 3, True: 4}  # by signed: a signed bar grows from its middle, two cells each way
NUMBER_WIDTHS = {False: 4, True: 5}  # at least: "0.36", "−0.55"
LONGEST_NUMBER = 7  # "−999.99"; larger values lose decimals to stay within it
LABEL_WIDTH = 4  # the unit labels' column


def column_width(signed: bool, number_width: int, compact: bool) -> int:
    """A column: a space, the bar and a space (unless compact), the number."""
    return 1 + (0 if compact else BAR_WIDTHS[signed] + 1) + number_width


def full_width(session: Session) -> int:
    """Columns the unit labels and every quantity's bar and number take side by side."""
    names = session.gate_names + session.state_names
    return LABEL_WIDTH + sum(
        column_width(session.value_range(name)[0] < 0, NUMBER_WIDTHS[session.value_range(name)[0] < 0], False)
        for name in names
    )


def bar_number(value: float) -> str:
    """The value as the bars write it: two decimals up to ±999.99, then fewer, never wider than LONGEST_NUMBER."""
    for decimals in (2, 1, 0):
        text = format_signed(value, decimals)
        if len(text) <= LONGEST_NUMBER:
            return text
    return f"{value:.0e}".replace("-", "−")


class BarsCaption(LineView):
    """What the bars' rows are: the pinned units, or the most active ones when they were last ranked
    (the rows stay put while the learner types; ctrl+f ranks again). Short enough for a panel 46 wide."""

    def update_from(self, session: Session, units: list[int]) -> None:
        self.show([Text(bars_caption(session, units), style="italic")])


def bars_caption(session: Session, units: list[int]) -> str:
    hidden = session.hidden_size
    if session.pinned_units:
        return f"units pinned with ctrl+t, of {hidden}"
    if len(units) >= hidden:
        return f"all {hidden} units"
    if not session.ranked_over:
        return f"{len(units)} of {hidden} units · ctrl+f: most active"
    return f"{len(units)} most active of {hidden} at step {session.ranked_over} · ctrl+f"


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

    def compact(self, session: Session) -> bool:
        """Numbers without bars when the bars of every quantity would not fit beside each other (the
        panel beside a lesson, narrow terminals): every column a lesson asks to read stays on screen."""
        available = self.parent.size.width if self.parent is not None else 0
        return 0 < available < full_width(session)

    @redrawn_on_theme_change
    def update_from(self, session: Session, units: list[int]) -> None:
        """A column per quantity: a space, the bar, a space and the number, right-aligned to the widest
        number in the column (so every row lines up, whatever the values); numbers only when compact."""
        palette, ascii, compact = palette_for(self), in_ascii_mode(self), self.compact(session)
        step = session.step_index
        values = session.step_trace() if step is not None else {}
        columns = []
        for name in self.names(session):
            low, high = session.value_range(name)
            signed = low < 0
            numbers = [bar_number(float(values[name][unit])) for unit in units] if step is not None else []
            width = max([NUMBER_WIDTHS[signed], *map(len, numbers)])
            cells = [
                (
                    " "
                    + (
                        ""
                        if compact
                        else bar(float(values[name][unit]), low, high, BAR_WIDTHS[signed], ascii=ascii) + " "
                    )
                    + number.rjust(width),
                    value_style(float(values[name][unit]), low, high, palette, ink=True),
                )
                for unit, number in zip(units, numbers)
            ]
            columns.append((f" {name}".ljust(column_width(signed, width, compact)), cells))
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
