"""A widget drawn as a list of Rich ``Text`` lines that repaints only the lines that changed.

Redrawing only what changed keeps the bytes per keystroke low over SSH: Textual sends just the dirty
regions, so a line that is equal to the one on screen costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial, wraps
from itertools import repeat

from rich.cells import cell_len
from rich.console import COLOR_SYSTEMS
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from .ascii_mode import in_ascii_mode, to_ascii
from .palette import LEVELS, Palette, follow_theme, hex_colour, text_on


def _kind(level: int, signed: bool) -> str:
    return "unsigned" if not signed else "negative" if level < 0 else "positive"


@cache
def _level_style(level: int, signed: bool, palette: Palette) -> Style:
    """A quantised value as a background, with text on it in black or white, whichever reads."""
    background = palette.heat[_kind(level, signed)][abs(level)]
    return Style(bgcolor=hex_colour(background), color=hex_colour(text_on(background)))


@cache
def _level_ink(level: int, signed: bool, palette: Palette) -> Style:
    """The value's kind as a text colour (bars and their numbers: one escape sequence for both)."""
    if palette.ink is None:
        return Style.null()
    return Style(color=hex_colour(palette.ink[_kind(level, signed)]))


def value_style(value: float, low: float, high: float, palette: Palette, *, ink: bool = False) -> Style:
    """Style for ``value`` on the display range [low, high] (signed ranges are centred at 0): a
    background colour of one of the palette's levels, or with ``ink`` a text colour."""
    signed = low < 0
    scale = max(abs(low), abs(high)) if signed else (high - low)
    fraction = (value if signed else value - low) / scale
    level = int(round(max(-1.0, min(1.0, fraction)) * LEVELS))
    return _level_ink(level, signed, palette) if ink else _level_style(level, signed, palette)


EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(value: float, low: float, high: float, width: int, *, ascii: bool = False) -> str:
    """A bar ``width`` cells wide: 0..1 fills from the left; signed ranges grow from the middle.

    With ``ascii``: '#' for filled cells (rounded to whole cells), '-' for the empty ones."""
    value = max(low, min(high, value))
    if ascii:
        return _ascii_bar(value, low, high, width)
    if low >= 0:
        return _fill((value - low) / (high - low) * width, width)
    half = width // 2
    amount = abs(value) / max(abs(low), high) * half
    if value >= 0:
        return (" " * half + _fill(amount, half)).ljust(width)
    full = min(int(amount), half)
    partial = "▐" if full < half and amount - full >= 0.5 else ""  # no left-growing eighth blocks exist
    return ((partial + "█" * full).rjust(half) + " " * half).ljust(width)


def _ascii_bar(value: float, low: float, high: float, width: int) -> str:
    if low >= 0:
        filled = int(round((value - low) / (high - low) * width))
        return "#" * filled + "-" * (width - filled)
    half = width // 2
    filled = min(half, int(round(abs(value) / max(abs(low), high) * half)))
    if value >= 0:
        return "-" * half + "#" * filled + "-" * (width - half - filled)
    return "-" * (half - filled) + "#" * filled + "-" * (width - half)


def _fill(amount: float, width: int) -> str:
    full = int(amount)
    remainder = int((amount - full) * 8)
    text = "█" * full + (EIGHTHS[remainder] if full < width and remainder else "")
    return text.ljust(width)[:width]


def redrawn_on_theme_change(update_from):
    """For a ``LineView``'s ``update_from``: the colours are chosen when the lines are built, so the
    last call is made again when the theme changes."""

    @wraps(update_from)
    def update_and_remember(self, *args, **kwargs):
        self._last_update = partial(update_from, self, *args, **kwargs)
        update_from(self, *args, **kwargs)

    return update_and_remember


class LineView(Widget):
    """Holds its content as lines; ``show(lines)`` repaints the changed lines only."""

    DEFAULT_CSS = """
    LineView { height: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self._lines: list[Text] = []
        self._strips: dict[int, Strip] = {}
        self._base_style: Style | None = None
        self._last_update: Callable[[], None] | None = None

    @property
    def lines(self) -> list[Text]:
        return self._lines

    def on_mount(self) -> None:
        follow_theme(self, self._theme_changed)

    def _theme_changed(self) -> None:
        self._strips.clear()
        self._base_style = None
        self.redraw()
        self.refresh()

    def redraw(self) -> None:
        """Build the lines again, in the current theme's colours: the last ``update_from`` call again."""
        if self._last_update is not None:
            self._last_update()

    def show(self, lines: list[Text]) -> None:
        old = self._lines
        self._lines = lines
        auto_width = self.styles.width is not None and self.styles.width.is_auto
        if len(old) != len(lines) or (auto_width and _widths(old) != _widths(lines)):
            self._strips.clear()
            self.refresh(layout=True)
            return
        width = self.size.width
        for y, (before, after) in enumerate(zip(old, lines)):
            if before == after:
                continue
            shown = self._strips.pop(y, None)
            if shown is None or not width:
                self.refresh(Region(0, y, max(width, 1), 1))
                continue
            _, end = changed_span(shown, self.render_line(y))
            if end:  # from x = 0: a row of values changes from its left (measured: fewer bytes per key)
                self.refresh(Region(0, y, end, 1))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max((line.cell_len for line in self._lines), default=0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines)

    def on_resize(self) -> None:
        self._strips.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._base_style = None

    def render_line(self, y: int) -> Strip:
        strip = self._strips.get(y)
        if strip is None:
            if self._base_style is None:  # computing it walks every ancestor's styles: once per style change
                self._base_style = self.rich_style
            text = self._lines[y] if y < len(self._lines) else Text()
            if in_ascii_mode(self):
                text = Text(to_ascii(text.plain), style=text.style, spans=text.spans)  # one character for one
            strip = render_text_line(text, self.app.console, self.size.width, self._base_style)
            self._strips[y] = strip
        return strip


def render_text_line(text: Text, console, width: int, base: Style) -> Strip:
    """One line of ``text`` as a strip exactly ``width`` cells wide, on ``base``.

    Neighbouring cells that look the same on this terminal become one segment: each segment costs an
    escape sequence on the wire, so a run of equal cells is sent once (styles that differ only in
    colours the terminal cannot tell apart count as equal). Built in one pass: Strip operations copy.
    """
    color_system = COLOR_SYSTEMS.get(console.color_system)
    segments: list[Segment] = []
    used = 0
    for segment in text.render(console, end=""):
        length = segment.cell_length
        if used + length > width:
            segment = segment.split_cells(width - used)[0]  # the part that fits
            length = width - used
        if length:
            _append(segments, segment.text, base + segment.style if segment.style else base, color_system)
            used += length
        if used >= width:
            break
    if used < width:
        _append(segments, " " * (width - used), base, color_system)
    return Strip(segments, width)


def _append(segments: list[Segment], text: str, style: Style, color_system) -> None:
    if segments:
        last = segments[-1]
        alike = last.style == style or (  # the cheap test first: this runs for every segment drawn
            color_system is not None
            and Strip.render_ansi(last.style, color_system) == Strip.render_ansi(style, color_system)
        )
        if alike:
            segments[-1] = Segment(last.text + text, last.style)
            return
    segments.append(Segment(text, style))


# Characters the views draw most (printable ASCII, box drawing, block elements, braille): one cell each,
# so a run made only of them needs no width lookup per character.
NARROW = frozenset(map(chr, [*range(0x20, 0x7F), *range(0x2500, 0x25A0), *range(0x2800, 0x2900)]))


def _cells(strip: Strip) -> list:
    """(character, style) per cell; the second cell of a wide character is None."""
    cells = []
    for text, style, _ in strip:
        if NARROW.issuperset(text):
            cells.extend(zip(text, repeat(style)))
            continue
        for char in text:
            cells.append((char, style))
            if cell_len(char) == 2:
                cells.append(None)
    return cells


def changed_span(before: Strip, after: Strip) -> tuple[int, int]:
    """(first, one past the last) cell where two strips differ; (0, 0) when they are equal.

    Textual sends a dirty region of a line from the start of the segment that holds its first cell up
    to its last cell, so cells outside the span are not sent again.
    """
    old, new = _cells(before), _cells(after)
    if len(old) != len(new):
        return 0, max(len(old), len(new))
    end = len(new)
    while end and old[end - 1] == new[end - 1]:
        end -= 1
    if end < len(new) and new[end] is None:  # never cut a wide character in half
        end += 1
    start = 0
    while start < end and old[start] == new[start]:
        start += 1
    while start and new[start] is None:
        start -= 1
    return start, end


def _widths(lines: list[Text]) -> int:
    return max((line.cell_len for line in lines), default=0)
