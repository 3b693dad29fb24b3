"""A web link from a lesson: shown so it can be copied, never opened.

Over SSH a browser would start on the server, not in front of the learner, so lstm-tui opens no browser
at all; the address is shown in full (selectable with the mouse where the terminal allows) and one key
puts it on the clipboard.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class WebLinkScreen(ModalScreen):
    BINDINGS = [
        Binding("ctrl+c,c", "copy", "copy the address", id="web-link.copy"),
        Binding("escape,enter", "dismiss", "close", id="web-link.close"),
    ]

    def __init__(self, url: str):
        super().__init__()
        self.url = url

    def compose(self) -> ComposeResult:
        with Vertical(id="web-link-body"):
            yield Static(Text("A link to a web page (lstm-tui never opens a browser):", style="bold"))
            yield Static(self.url, id="web-link-url", markup=False)
            yield Static("C or Ctrl+C copies the address · Escape or Enter closes", id="web-link-keys", markup=False)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.url)
        self.notify("address copied to the clipboard (where the terminal supports it)", timeout=3)
