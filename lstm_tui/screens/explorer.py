"""The explorer: the live panel alone, its input focused, with the key footer below it.

The panel (``widgets/explorer_panel.py``) holds the input, the views, the session and the keys; this
screen only composes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.screen import Screen

from ..panel_setup import PanelSetup
from ..widgets.explorer_panel import ExplorerPanel
from ..widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from ..model import CharModel


class ExplorerScreen(Screen):
    def __init__(self, setup: PanelSetup | None = None, *, window: int | None = None, model: CharModel | None = None):
        """A panel for ``setup``, on ``model`` if given (one already built from the setup), running the
        model on at most ``window`` characters."""
        super().__init__()
        self._panel_options = {"setup": setup, "window": window, "model": model}

    def compose(self) -> ComposeResult:
        yield ExplorerPanel(**self._panel_options, id="explorer-panel")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.panel.focus_input()

    @property
    def panel(self) -> ExplorerPanel:
        return self.query_one(ExplorerPanel)
