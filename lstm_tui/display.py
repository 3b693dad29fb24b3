"""How characters and numbers are shown: one terminal cell per character, two-decimal numbers.

Shared by the session, the widgets and the reports; plain Python (no NumPy), so widgets that only
draw text load nothing heavy before the first paint.
"""

from __future__ import annotations

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


def format_number(value: float) -> str:
    """Two decimals with a real minus sign, as every view writes a value."""
    return format_signed(value)
