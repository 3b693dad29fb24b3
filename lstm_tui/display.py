"""How characters, text from outside and numbers are shown: one terminal cell per character, escaped
text, two-decimal numbers.

Shared by the CLI, the session, the widgets and the reports; plain Python (no NumPy), so widgets that only
draw text load nothing heavy before the first paint.
"""

from __future__ import annotations

import math
import unicodedata


def glyph(char: str) -> str:
    """One terminal cell that stands for ``char``, so text views stay aligned one column per step.

    Wide (CJK, emoji) characters become ▯, combining marks ◌, newline ↵, tab ⇥, other control or
    format characters ▪. Everything else is shown as itself.
    """
    if char == "\n":
        return "↵"
    if char == "\t":
        return "⇥"
    category = unicodedata.category(char)
    if category.startswith("M"):
        return "◌"
    if category[0] == "C" or category in ("Zl", "Zp"):
        return "▪"
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return "▯"
    return char


def format_signed(value: float, decimals: int = 2, *, plus: bool = False) -> str:
    """``value`` with ``decimals`` decimals and a real minus sign (U+2212, as wide as a digit's neighbours
    in most fonts); with ``plus`` a positive value shows its +. A value that rounds to zero has no minus:
    −0.00 would claim a sign the number shown does not have."""
    text = f"{value:+.{decimals}f}"
    if float(text) == 0:
        text = "+" + text[1:]
    text = text.replace("-", "−")
    return text if plus else text.removeprefix("+")


# Format characters that join or shape ordinary text (emoji sequences, Persian and Indic scripts): kept.
JOINERS = frozenset("\u200c\u200d")
NAMED_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def code_escape(char: str) -> str:
    """``char`` as a Python-style escape: \\n, \\x1b, \\u202e, \\U000e0041."""
    if char in NAMED_ESCAPES:
        return NAMED_ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def shown(text: object) -> str:
    """``text`` (a file name, a key from a file, a message quoting either) made safe to print or draw.

    Every character a terminal could act on or that hides what the text says becomes a visible escape:
    C0 and C1 controls (ESC, so no CSI, OSC or OSC 52 sequence survives), DEL, newlines, bidi overrides
    and isolates and other format characters, separators other than the space, lone surrogates,
    private-use and unassigned code points. Ordinary Unicode (accents, CJK, emoji) stays as it is.
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char in JOINERS else code_escape(char) for char in text)


def finite_or_none(value: float) -> float | None:
    """A number as JSON can hold it: JSON has no NaN or infinity (Python's ``NaN`` is invalid JSON), so a
    value that is not finite is written as null."""
    value = float(value)
    return value if math.isfinite(value) else None


def format_number(value: float) -> str:
    """Two decimals with a real minus sign, as every view writes a value."""
    return format_signed(value)
