"""Top-5 next characters with their probabilities (for a model with an output layer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..display import glyph
from .lines import LineView

if TYPE_CHECKING:
    from ..session import Session

COUNT = 5


class Predictions(LineView):
    def update_from(self, session: Session) -> None:
        lines = [Text("next", style="bold")]
        if not session.has_predictions:
            lines.append(Text("no output layer", style="dim"))
        else:
            guesses = session.predictions(COUNT)
            for char, probability in guesses:
                shown = "␠" if char == " " else glyph(char)
                lines.append(Text(f" {shown} {probability * 100:5.1f}%"))
            lines += [Text("")] * (COUNT - len(guesses))
        self.show(lines)
