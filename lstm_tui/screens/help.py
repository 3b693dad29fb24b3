"""F1: every key of the screen underneath, with what it does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,f1", "dismiss", "close help")]

    def __init__(self, rows: list[tuple[str, str]]):
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        width = max((len(key) for key, _ in self.rows), default=0)
        lines = ["[b]Keys[/b]  (every printable character goes to the input)", ""]
        lines += [f"  [b]{key:<{width}}[/b]  {description}" for key, description in self.rows]
        lines += ["", "Escape or F1 closes this help."]
        with VerticalScroll(id="help-body"):
            yield Static("\n".join(lines), markup=True)
