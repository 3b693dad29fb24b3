"""The App: modes for each part of the experience, global keys, the command palette.

Modes let other parts (lessons, gradient lab, training) join with ``add_mode`` without touching the
explorer. Nothing here prints to stderr (Textual draws there) or opens a browser, and no timer runs
while idle.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from .panel import PanelSetup
from .screens.explorer import ExplorerScreen
from .screens.help import HelpScreen


class LstmApp(App):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "lstm-tui"
    BINDINGS = [
        Binding("f1", "help", "help"),
        Binding("ctrl+q", "quit", "quit"),
    ]

    def __init__(self, setup: PanelSetup | None = None, *, window: int | None = None, mode: str = "explore"):
        super().__init__()
        self.setup = setup or PanelSetup()
        self.window = window
        self.start_mode = mode

    def on_mount(self) -> None:
        self.add_mode("explore", lambda: ExplorerScreen(self.setup, window=self.window))
        self.switch_mode(self.start_mode)

    def key_bindings(self, screen: Screen) -> list[Binding]:
        """The bindings a user can press on ``screen``: its own, then the app's."""
        return [*screen.BINDINGS, *self.BINDINGS]

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        rows = [(self.get_key_display(binding), binding.description)
                for binding in self.key_bindings(self.screen) if isinstance(binding, Binding)]
        rows.append((self.get_key_display(Binding("ctrl+p", "command_palette", "")), "command palette"))
        self.push_screen(HelpScreen(rows))

    def get_system_commands(self, screen: Screen):
        """Every key's action is also a command in the palette (ctrl+p)."""
        yield from super().get_system_commands(screen)
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding):
                title = f"{binding.group.description}: {binding.description}" if binding.group else binding.description
                yield SystemCommand(title.capitalize(), f"key {self.get_key_display(binding)}",
                                    partial(self.call_later, screen.run_action, binding.action))
