"""The colours that depend on the theme: value ramps (heat backgrounds, bar ink), plot lines, notes.

One palette for dark backgrounds, one for light ones, and one for NO_COLOR, where Textual turns every
colour into a grey of the same luminance: there the heat ramp runs from dark (−) to light (+) so the
sign survives, bar numbers are plain text, and plot curves are told apart by their markers. Widgets
take ``palette_for(self)`` when they build their lines and build them again when the theme changes
(``follow_theme``).
"""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[int, int, int]
Colour = str | RGB  # a plotext colour: a name or RGB

BLACK, WHITE = (0, 0, 0), (255, 255, 255)


LEVELS = 3  # colour steps per sign: few distinct styles keep runs long and escape codes few


@dataclass(frozen=True, eq=False)  # compared by identity: a key of the style caches
class Palette:
    """``heat``: per kind of value ("unsigned" 0..1, "negative", "positive"), the background colour of
    each level from 0 (the value 0) to LEVELS (full scale); text on it in black or white. The levels are
    chosen so that each maps to a colour of its own in 256 and in 16 colours too (after Rich's
    downgrade), so the sign and three sizes survive on any terminal. ``ink``: per kind, the text colour
    of bars and their numbers (None: the terminal's own text colour), at least 4.5:1 on the theme's
    background in 256 and 16 colours too (dark: the negative blue becomes bright cyan on black, not a
    bright blue of 2.4:1; light: the gates' green becomes black on white, not a green of 3.1:1 in
    VGA's palette, the positive ink red, not ANSI 3 of 4.2:1); one colour per kind, as a bar's
    length already shows its size, and neighbouring columns of one kind then go out as one segment
    (fewer escape codes per key). ``plot``: a curve's colour by the name of what it shows, RGB so that
    no ANSI theme re-maps them (Textual draws ANSI red and magenta alike in its dark theme); every
    curve that can be shown with another keeps a colour of its own in 256 and 16 colours."""

    heat: dict[str, tuple[RGB, ...]]
    ink: dict[str, RGB] | None
    plot: dict[str, RGB]
    sequence: tuple[RGB, ...]  # curves without a name of their own (the gradient lab), in order
    cursor: Colour  # the plot's marker at the time cursor
    note: str  # a remark in the status line (text clipped to the window)
    colourless: bool = False  # curves need distinct markers: their colours all look alike


DARK_ZERO, LIGHT_ZERO = (55, 55, 55), (205, 205, 205)

DARK = Palette(
    heat={
        "unsigned": (DARK_ZERO, (20, 130, 40), (80, 230, 90), (220, 255, 220)),
        "negative": (DARK_ZERO, (30, 50, 150), (60, 110, 240), (110, 210, 255)),
        "positive": (DARK_ZERO, (160, 30, 20), (230, 120, 30), (255, 220, 80)),
    },
    ink={"unsigned": (60, 210, 90), "negative": (110, 180, 250), "positive": (245, 140, 40)},
    plot={
        "c": (210, 120, 10),
        "h": (80, 220, 255),
        "i": (80, 220, 80),
        "f": (255, 80, 80),
        "o": (230, 100, 255),
        "g": (255, 240, 60),
        "r": (255, 80, 80),
        "z": (80, 220, 80),
        "n": (255, 240, 60),
        "loss": (80, 220, 255),
    },
    sequence=(
        (80, 220, 255),
        (80, 220, 80),
        (255, 80, 80),
        (255, 240, 60),
        (230, 100, 255),
        (210, 120, 10),
        (90, 120, 255),
    ),
    cursor=(255, 255, 255),
    note="yellow",
)

LIGHT = Palette(
    heat={
        "unsigned": (LIGHT_ZERO, (90, 235, 90), (20, 160, 50), (0, 50, 20)),
        "negative": (LIGHT_ZERO, (100, 210, 240), (70, 110, 230), (20, 40, 160)),
        "positive": (LIGHT_ZERO, (255, 215, 120), (240, 120, 40), (160, 40, 10)),
    },
    ink={"unsigned": (0, 80, 20), "negative": (0, 40, 220), "positive": (150, 40, 0)},
    plot={
        "c": (170, 80, 0),
        "h": (0, 80, 190),
        "i": (0, 130, 40),
        "f": (200, 30, 30),
        "o": (150, 40, 160),
        "g": (0, 120, 130),
        "r": (200, 30, 30),
        "z": (0, 130, 40),
        "n": (0, 120, 130),
        "loss": (0, 80, 190),
    },
    sequence=((0, 80, 190), (0, 130, 40), (200, 30, 30), (170, 80, 0), (150, 40, 160), (0, 120, 130)),
    cursor=(20, 20, 20),
    note="#8a5a00",
)

MONO = Palette(  # NO_COLOR: Textual shows every colour as the grey of its luminance, so the levels are greys
    heat={
        "unsigned": ((40, 40, 40), (110, 110, 110), (180, 180, 180), (245, 245, 245)),
        "negative": ((135, 135, 135), (100, 100, 100), (60, 60, 60), (10, 10, 10)),
        "positive": ((135, 135, 135), (170, 170, 170), (210, 210, 210), (250, 250, 250)),
    },
    ink=None,
    plot={},
    sequence=(),
    cursor="default",  # the theme's text colour
    note="",
    colourless=True,
)


def palette_for(widget) -> Palette:
    """The palette for the app's current theme (and NO_COLOR)."""
    app = widget.app
    if getattr(app, "no_color", False):
        return MONO
    return DARK if app.current_theme.dark else LIGHT


def follow_theme(widget, redraw) -> None:
    """Call ``redraw()`` whenever the app's theme changes (call from ``on_mount``)."""
    widget.app.theme_changed_signal.subscribe(widget, lambda theme: redraw())


def hex_colour(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def luminance(rgb: RGB) -> float:
    """Relative luminance (WCAG 2): 0 for black, 1 for white."""
    red, green, blue = (_linear(channel / 255) for channel in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def contrast(first: RGB, second: RGB) -> float:
    """WCAG contrast ratio, 1 (none) to 21 (black on white)."""
    darker, lighter = sorted((luminance(first), luminance(second)))
    return (lighter + 0.05) / (darker + 0.05)


def text_on(background: RGB) -> RGB:
    """Black or white, whichever reads better on ``background`` (at least 4.58:1 either way)."""
    return BLACK if contrast(background, BLACK) >= contrast(background, WHITE) else WHITE
