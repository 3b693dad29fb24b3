"""The selected unit's step written out with its numbers (the session builds the lines).

A line wider than the view wraps instead of being cut: it breaks before its '= numbers', its '= value' and
its note, and a part still too wide breaks before a ' + ' (a note at a space); continuation rows are
indented. Where a line
breaks is decided on the widest numbers it usually shows (``Session.widest_equation_lines``), so rows keep
their places while the numbers change as the learner types, and the layout can reserve the rows at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text

from .lines import LineView

if TYPE_CHECKING:
    from ..model.equations import EquationLine
    from ..session import Session

INDENT = "    "
NOTE_GAP = "   "


def line_parts(line: EquationLine) -> dict[str, str]:
    """The parts a line may break before, by name, each with the separator that precedes it on one row."""
    parts = {"equation": line.symbolic}
    for name, text in zip(("numbers", "value") if len(line.worked) == 2 else ("value",), line.worked):
        parts[name] = " " + text
    if line.note:
        parts["note"] = f"{NOTE_GAP}({line.note})"
    return parts


def row_breaks(template: EquationLine, width: int) -> set[str]:
    """The parts that start a new row, packing the widest form of the line greedily into ``width``."""
    breaks, used = set(), 0
    for name, text in line_parts(template).items():
        if used and used + cell_len(text) > width:
            breaks.add(name)
            used = len(INDENT) + cell_len(text.lstrip())
        else:
            used += cell_len(text)
    return breaks


def fold(row: Text, width: int) -> list[Text]:
    """Break a row still wider than ``width`` before its last ' + ' that fits (at its last space that fits
    when it has none: a long note), and again while it is too wide."""
    rows = []
    while cell_len(row.plain) > width:
        cut = row.plain.rfind(" + ", len(INDENT) + 1, width)
        if cut < 0:
            cut = row.plain.rfind(" ", len(INDENT) + 1, width + 1)
        if cut < 0:
            break  # nothing to break at: the view cuts the row
        head, rest = row.divide([cut])
        rows.append(head)
        row = Text(INDENT) + rest[1:]
    return rows + [row]


def wrapped(line: EquationLine, template: EquationLine, width: int) -> list[Text]:
    """``line`` as rows at most ``width`` cells wide, broken where ``template`` (its widest form) breaks.
    Everything after the equation is bold once the line has a value."""
    breaks = row_breaks(template, width) if width > 0 else set()
    rows: list[Text] = []
    for name, text in line_parts(line).items():
        style = "bold" if name != "equation" and line.value is not None else ""
        if not rows or name in breaks:
            rows.append(Text(INDENT if rows else ""))
            text = text.lstrip()
        rows[-1].append(text, style)
    return [folded for row in rows for folded in (fold(row, width) if width > 0 else [row])]


def rows_needed(template: EquationLine, width: int) -> int:
    return len(wrapped(template, template, width))


class EquationView(LineView):
    def update_from(self, session: Session) -> None:
        step = session.step_index
        where = "no text yet" if step is None else f"step {step + 1}, {session.window_text[step]!r}"
        width = self.content_size.width
        lines = [Text(f"unit {session.selected_unit} · {where}", style="bold")]
        for line, template in zip(session.equation_lines(), session.widest_equation_lines()):
            rows = wrapped(line, template, width)
            lines += rows + [Text()] * (rows_needed(template, width) - len(rows))  # rows keep their places
        self.show(lines)

    def rows_for(self, session: Session, outer_width: int) -> int:
        """Rows the view takes for ``session``'s cell when it is ``outer_width`` cells wide (padding included)."""
        width = outer_width - self.styles.gutter.width
        return 1 + sum(rows_needed(template, width) for template in session.widest_equation_lines())
