"""ASCII mode: for terminals whose font or encoding lacks box drawing, blocks and arrows (PuTTY, LANG=C).

The app holds one flag, ``app.ascii_mode``; widgets read it. ``to_ascii`` is the last step before text is
drawn by the line views: one character for one, so columns stay aligned.
"""

from __future__ import annotations

import locale
import re
import sys

from rich.cells import cell_len
from rich.segment import Segment
from textual.filter import LineFilter

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
        "≠": "!",  # the compare view's mark of a guess that differs
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


# Symbols of the gradient lab's prose, spelt out: there, lengths may change.
_SPELLINGS = {"‖": "|", "∂": "d", "Π": "P", "ρ": "rho", "½": "1/2", "₁₀": "10", "×": "x", "→": "->", "↓": "<", "↑": ">"}
_SPELLING = re.compile("|".join(map(re.escape, _SPELLINGS)))


def spell_ascii(text: str) -> str:
    """Text to read rather than to line up in columns: symbols spelt out in ASCII ("ρ" as "rho"),
    everything else as ``to_ascii`` draws it."""
    return to_ascii(_SPELLING.sub(lambda match: _SPELLINGS[match.group()], text))


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


class AsciiFilter(LineFilter):
    """The last step before the screen: whatever a widget drew (Textual's own progress bars and select
    arrows, lesson text) in ASCII, each character as wide as the one it replaces."""

    def apply(self, segments: list[Segment], background) -> list[Segment]:
        return [
            segment if segment.text.isascii() else Segment(_ascii_cells(segment.text), *segment[1:])
            for segment in segments
        ]


def _ascii_cells(text: str) -> str:
    text = text.translate(_TABLE)
    return "".join(char if char.isascii() else "?" * cell_len(char) for char in text)


def in_ascii_mode(widget) -> bool:
    """The app's flag, as a widget reads it (False in an app that has none, e.g. a test harness)."""
    return getattr(widget.app, "ascii_mode", False)
