"""ASCII mode: for terminals whose font or encoding lacks box drawing, blocks and arrows (PuTTY, LANG=C).

The app holds one flag, ``app.ascii_mode``; widgets read it. ``to_ascii`` is the last step before text is
drawn by the line views: one character for one, so columns stay aligned.
"""

from __future__ import annotations

import locale
import sys

_TABLE = str.maketrans(
    {
        **dict.fromkeys("─━═╌┄╴╶⎯", "-"),
        **dict.fromkeys("│┃║╎┆╵╷", "|"),
        **dict.fromkeys("┌┐└┘├┤┬┴┼╭╮╰╯╔╗╚╝╠╣╦╩╬", "+"),
        **dict.fromkeys("▏▎▍▌▋▊▉█▐▀▄■", "#"),
        **dict.fromkeys("▶►▸→⟶", ">"),
        **dict.fromkeys("◀◄◂←", "<"),
        **dict.fromkeys("▼↓", "v"),
        **dict.fromkeys("▲↑", "^"),
        **dict.fromkeys("●•∙⊙×", "*"),
        **dict.fromkeys("·⋅", "."),
        **dict.fromkeys("−–—", "-"),
        "…": "~",
        "␠": "_",
        "↵": "$",
        "⇥": ">",
        "▪": "?",
        "▯": "?",
        "◌": "?",
        "✓": "v",
    }
)

# Characters a terminal must be able to show for the Unicode look: the ones it uses most.
PROBE = "─│╭█▏▸←⇧●·…−"


def to_ascii(text: str) -> str:
    """Drawing characters as their ASCII look-alikes; anything else outside ASCII becomes '?'."""
    text = text.translate(_TABLE)
    if text.isascii():
        return text
    return "".join(char if char.isascii() else "?" for char in text)


def unicode_unsupported(stream=None) -> bool:
    """Whether ``stream`` (default: stdout) or the locale cannot encode the characters the app draws."""
    stream = stream or sys.stdout
    encodings = [getattr(stream, "encoding", None), locale.getpreferredencoding(False)]
    for encoding in encodings:
        if not encoding:
            continue
        try:
            PROBE.encode(encoding)
        except (UnicodeEncodeError, LookupError):
            return True
    return False


def in_ascii_mode(widget) -> bool:
    """The app's flag, as a widget reads it (False in an app that has none, e.g. a test harness)."""
    return getattr(widget.app, "ascii_mode", False)
