"""No subcommand: open the app (on the explorer until lessons exist)."""

from __future__ import annotations

HELP = "open the app"


def add_arguments(parser) -> None:
    """The home command takes no options of its own."""


def run(args) -> int:
    from ..app import LstmApp

    LstmApp().run(mouse=False)
    return 0
