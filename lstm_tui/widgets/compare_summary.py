"""The compare view's summary line: each panel's top guess after the shown step, side by side, with the
panels whose guess differs from the first panel's marked ``≠`` (a mark, not a colour, so it reads in
16 colours and NO_COLOR too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..display import glyph
from .lines import LineView

if TYPE_CHECKING:
    from ..session import Session

DIFFERS = "≠"


def top_guess(session: Session) -> tuple[str, float] | None:
    guesses = session.predictions(1)
    return guesses[0] if guesses else None


def shown_char(char: str) -> str:
    return "␠" if char == " " else glyph(char)


class CompareSummary(LineView):
    def update_from(self, sessions: list[Session], letters: str) -> None:
        first = sessions[0]
        step = first.step_index
        if step is None:
            self.show([Text(" type: every panel reads the same text; their next-character guesses show here")])
            return
        line = Text(f" step {step + 1} {shown_char(first.window_text[step])} → ")
        reference = top_guess(first)
        for index, (letter, session) in enumerate(zip(letters, sessions)):
            guess = top_guess(session)
            if index:
                line.append(" │ ")
            line.append(f"{letter} {session.model.name}: ", style="bold")
            if guess is None:
                line.append("no guess", style="dim")
                continue
            char, probability = guess
            differs = index > 0 and (reference is None or char != reference[0])
            line.append(f"{shown_char(char)} {probability * 100:.0f}%", style="reverse" if differs else "")
            if differs:
                line.append(f" {DIFFERS}")
        self.show([line])
