"""A widget drawn as a list of Rich ``Text`` lines that repaints only the lines that changed.

Redrawing only what changed keeps the bytes per keystroke low over SSH: Textual sends just the dirty
regions, so a line that is equal to the one on screen costs nothing.
"""

from __future__ import annotations

from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

LEVELS = 4  # colour steps per sign: few distinct styles keep runs long and escape codes few


@lru_cache(maxsize=None)
def _level_style(level: int, signed: bool) -> Style:
    """Background for a quantised value: blue (negative) / orange (positive), or green for 0..1."""
    strength = abs(level) / LEVELS
    if not signed:
        red, green, blue = 20 + int(30 * strength), 40 + int(160 * strength), 30 + int(50 * strength)
    elif level < 0:
        red, green, blue = 25 + int(15 * strength), 30 + int(80 * strength), 45 + int(180 * strength)
    else:
        red, green, blue = 45 + int(190 * strength), 30 + int(100 * strength), 25
    foreground = "#ffffff" if strength < 0.7 else "#000000"
    return Style(bgcolor=f"#{red:02x}{green:02x}{blue:02x}", color=foreground)


@lru_cache(maxsize=None)
def _level_ink(level: int, signed: bool) -> Style:
    """The same scale as a foreground colour only (bars: fewer bytes than a background per cell)."""
    return Style(color=_level_style(level, signed).bgcolor)


def value_style(value: float, low: float, high: float, *, ink: bool = False) -> Style:
    """Style for ``value`` on the fixed display range [low, high] (signed ranges are centred at 0):
    a background colour, or with ``ink`` a foreground colour."""
    signed = low < 0
    scale = max(abs(low), abs(high)) if signed else (high - low)
    fraction = (value if signed else value - low) / scale
    level = int(round(max(-1.0, min(1.0, fraction)) * LEVELS))
    return _level_ink(level, signed) if ink else _level_style(level, signed)


EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(value: float, low: float, high: float, width: int) -> str:
    """A bar ``width`` cells wide: 0..1 fills from the left; signed ranges grow from the middle."""
    value = max(low, min(high, value))
    if low >= 0:
        return _fill((value - low) / (high - low) * width, width)
    half = width // 2
    amount = abs(value) / max(abs(low), high) * half
    if value >= 0:
        return (" " * half + _fill(amount, half)).ljust(width)
    full = min(int(amount), half)
    partial = "▐" if full < half and amount - full >= 0.5 else ""  # no left-growing eighth blocks exist
    return ((partial + "█" * full).rjust(half) + " " * half).ljust(width)


def _fill(amount: float, width: int) -> str:
    full = int(amount)
    remainder = int((amount - full) * 8)
    text = "█" * full + (EIGHTHS[remainder] if full < width and remainder else "")
    return text.ljust(width)[:width]


class LineView(Widget):
    """Holds its content as lines; ``show(lines)`` repaints the changed lines only."""

    DEFAULT_CSS = """
    LineView { height: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self._lines: list[Text] = []
        self._strips: dict[int, Strip] = {}

    @property
    def lines(self) -> list[Text]:
        return self._lines

    def show(self, lines: list[Text]) -> None:
        old = self._lines
        self._lines = lines
        auto_width = self.styles.width is not None and self.styles.width.is_auto
        if len(old) != len(lines) or (auto_width and _widths(old) != _widths(lines)):
            self._strips.clear()
            self.refresh(layout=True)
            return
        width = max(self.size.width, 1)
        for y, (before, after) in enumerate(zip(old, lines)):
            if before != after:
                self._strips.pop(y, None)
                self.refresh(Region(0, y, width, 1))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max((line.cell_len for line in self._lines), default=0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines)

    def on_resize(self) -> None:
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        strip = self._strips.get(y)
        if strip is None:
            if y < len(self._lines):
                text = self._lines[y]
                segments = list(Segment.split_and_crop_lines(text.render(self.app.console), width, pad=False))
                segments = segments[0] if segments else []
            else:
                segments = []
            strip = Strip(segments).crop_extend(0, width, self.rich_style)
            strip = strip.apply_style(self.rich_style)
            self._strips[y] = strip
        return strip


def _widths(lines: list[Text]) -> int:
    return max((line.cell_len for line in lines), default=0)
