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


def format_number(value: float) -> str:
    """Two decimals with a real minus sign; −0.00 shows as 0.00."""
    text = f"{value:.2f}"
    if text == "-0.00":
        return "0.00"
    return text.replace("-", "−")
