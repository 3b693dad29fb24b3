"""The selected unit's step written out with its numbers (the session builds the lines)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from .lines import LineView

if TYPE_CHECKING:
    from ..session import Session


class EquationView(LineView):
    def update_from(self, session: Session) -> None:
        step = session.step_index
        where = "no text yet" if step is None else f"step {step + 1}, {session.window_text[step]!r}"
        lines = [Text(f"unit {session.selected_unit} · {where}", style="bold")]
        for line in session.equation_lines():
            text = Text(line.display)
            if line.value is not None and line.display != line.symbolic:
                text.stylize("bold", len(line.symbolic))
            lines.append(text)
        self.show(lines)
