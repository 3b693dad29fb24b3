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


@dataclass(frozen=True, eq=False)  # compared by identity: a key of the style caches
class Palette:
    """``heat``: per kind of value ("unsigned" 0..1, "negative", "positive"), the background colour at
    0 and at full strength (text on it in black or white). ``ink``: per kind, the text colour of bars
    and their numbers (None: the terminal's own text colour); one colour per kind, as a bar's length
    already shows its size, and neighbouring columns of one kind then go out as one segment (fewer
    escape codes per key). ``plot``: a curve's colour by the name of what it shows."""

    heat: dict[str, tuple[RGB, RGB]]
    ink: dict[str, RGB] | None
    plot: dict[str, Colour]
    sequence: tuple[Colour, ...]  # curves without a name of their own (the gradient lab), in order
    cursor: Colour  # the plot's marker at the time cursor
    note: str  # a remark in the status line (text clipped to the window)
    colourless: bool = False  # curves need distinct markers: their colours all look alike


DARK = Palette(
    heat={"unsigned": ((20, 40, 30), (50, 200, 80)), "negative": ((25, 30, 45), (40, 110, 225)),
          "positive": ((45, 30, 25), (235, 130, 25))},
    ink={"unsigned": (60, 210, 90), "negative": (100, 160, 255), "positive": (245, 140, 40)},
    plot={"c": "orange", "h": "cyan", "i": "green", "f": "red", "o": "magenta", "g": "yellow", "loss": "cyan"},
    sequence=((0, 130, 200), (60, 180, 75), (230, 25, 75), (255, 225, 25), (245, 130, 48), (70, 240, 240)),
    cursor="white",
    note="yellow",
)

LIGHT = Palette(
    heat={"unsigned": ((236, 236, 236), (50, 180, 80)), "negative": ((236, 236, 236), (40, 110, 225)),
          "positive": ((236, 236, 236), (235, 130, 25))},
    ink={"unsigned": (0, 100, 25), "negative": (20, 70, 200), "positive": (150, 60, 0)},
    plot={"c": (170, 80, 0), "h": (0, 100, 160), "i": (0, 120, 40), "f": (190, 30, 30), "o": (140, 40, 150),
          "g": (120, 100, 0), "loss": (0, 100, 160)},
    sequence=((0, 90, 170), (40, 120, 40), (190, 20, 60), (130, 90, 0), (190, 80, 0), (110, 40, 160)),
    cursor=(20, 20, 20),
    note="#8a5a00",
)

MONO = Palette(
    heat={"unsigned": ((40, 40, 40), (235, 235, 235)), "negative": ((128, 128, 128), (10, 10, 10)),
          "positive": ((128, 128, 128), (245, 245, 245))},
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


def mix(start: RGB, end: RGB, fraction: float) -> RGB:
    return tuple(a + int((b - a) * fraction) for a, b in zip(start, end))


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
