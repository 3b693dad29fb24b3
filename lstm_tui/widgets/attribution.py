"""The attribution line: under the heat line, for each character of the text, how much it drives the
shown step's top prediction (``Session.attribution``: ‖∂ log p(c)/∂x_t‖, or ‖∂h/∂x_t‖ without an output
layer).

One cell per character, in the heat line's columns (the same ``visible_span``), as a bar whose height is
the character's share of the largest one in the window: the heights carry the figure, so it reads in 16
colours, under NO_COLOR and in ASCII mode (a ramp of ASCII marks) alike; colour only adds to it. A
character the prediction cannot depend on (after the shown step, for a model that reads forward only)
stays blank. The key at the right names what is differentiated and the size of a full bar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

from ..display import glyph
from .ascii_mode import in_ascii_mode, spell_ascii
from .heat import KEY_WIDTH, visible_span
from .lines import LineView, redrawn_on_theme_change
from .palette import hex_colour, palette_for

if TYPE_CHECKING:
    from ..session import Session

BARS = "▁▂▃▄▅▆▇█"  # an eighth of the largest share up to all of it
ASCII_BARS = ".:-=+*#@"
CURSOR = Style(underline=True)


def bar_glyph(share: float, bars: str = BARS) -> str:
    """The bar for a share in [0, 1] of the largest value: blank for 0, else at least the lowest bar."""
    if share <= 0:
        return " "
    return bars[min(len(bars) - 1, int(share * len(bars)))]


def attribution_key(session: Session, largest: float) -> str:
    """What the bars measure and what a full bar is: `` ∂log p(e) █=0.31``."""
    attribution = session.attribution()
    if attribution is None or attribution.target is None:
        what = "∂y/∂x" if attribution is not None and not session.model.stack.is_single else "∂h/∂x"
    else:
        char = session.model.vocab.chars[attribution.target]
        what = f"∂log p({'␠' if char == ' ' else glyph(char)})"
    return f" {what} █={largest:.2g}"


class AttributionLine(LineView):
    """A bar per character of the window: its share in driving the shown step's prediction."""

    @redrawn_on_theme_change
    def update_from(self, session: Session) -> None:
        width = max(self.size.width - 1 - KEY_WIDTH, 1)
        attribution = session.attribution()
        if attribution is None:
            self.show([Text(" which characters drive the prediction: type a few")])
            return
        start, end = visible_span(session, width)
        norms = attribution.norms
        largest = float(norms.max())
        ascii_mode = in_ascii_mode(self)
        bars = ASCII_BARS if ascii_mode else BARS
        ink = palette_for(self).ink
        style = Style(color=hex_colour(ink["unsigned"])) if ink else Style.null()
        line = Text(" ")
        for t in range(start, end):
            share = float(norms[t]) / largest if largest > 0 else 0.0
            line.append(bar_glyph(share, bars), style=style + CURSOR if t == attribution.step else style)
        line.pad_right(1 + width - line.cell_len)
        key = attribution_key(session, largest)
        line.append((spell_ascii(key) if ascii_mode else key)[:KEY_WIDTH].ljust(KEY_WIDTH))
        self.show([line])
