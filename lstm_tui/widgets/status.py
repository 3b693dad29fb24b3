"""One line saying what is running: cell, size, model source, step, unit, knob, window."""

from __future__ import annotations

from rich.text import Text

from ..session import Session, glyph
from .lines import LineView


def describe_model(session: Session) -> str:
    setup = session.setup
    source = f"weights {setup.weights}" if setup.weights else (
        f"random seed {setup.seed}" if setup.model == "random" else setup.model)
    return f"{session.model.name} H={session.hidden_size} · {source}"


class StatusLine(LineView):
    def update_from(self, session: Session) -> None:
        line = Text(describe_model(session), style="bold")
        step = session.step_index
        if step is None:
            line.append(" · type to step the model")
        else:
            line.append(f" · step {step + 1}/{session.length} {glyph(session.window_text[step])!s}")
        line.append(f" · unit {session.selected_unit}")
        if session.has_forget_knob:
            line.append(f" · forget bias {session.forget_bias_offset:+.1f}")
        if session.clipped:
            line.append(f" · last {session.length} of {len(session.text)} chars", style="yellow")
        if session.out_of_vocabulary:
            line.append(f" · {session.out_of_vocabulary} unknown", style="italic")
        self.show([line])
