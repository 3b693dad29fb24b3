"""The one exception type whose message is meant for the user, and the one way a message reaches them."""

from __future__ import annotations

import sys

from .display import shown


class UserError(ValueError):
    """Bad input from the user (a file, an option, a name): a clear message, never a traceback."""


def print_message(message: object) -> None:
    """One line on stderr for the user, ``lstm-tui: `` first. Escaped (``shown``): a message may quote a file
    name, a key read from a file or a library's error text, and none of it may reach the terminal raw."""
    print(f"lstm-tui: {shown(message)}", file=sys.stderr)
