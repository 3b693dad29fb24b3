"""One line saying where the cursor is and what is running: step, window, unit, cell, model, knob.

What changes on every key comes first: Textual repaints a line from its left edge up to the last
changed cell, so the unchanging tail (cell, model, knob) is not sent again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..display import format_signed, glyph, shown
from .lines import LineView, redrawn_on_theme_change
from .palette import palette_for

if TYPE_CHECKING:
    from ..session import Session


def describe_model(session: Session) -> str:
    setup = session.setup
    if setup.label:
        source = setup.label
    elif setup.weights:
        source = f"weights {setup.weights}"
    else:
        source = f"seed {setup.seed}" if setup.model == "random" else setup.model
    return f"{session.model.name} H={session.hidden_size} {shown(source)}"  # a file name is shown escaped


class StatusLine(LineView):
    @redrawn_on_theme_change
    def update_from(self, session: Session) -> None:
        step = session.step_index
        if step is None:
            line = Text("type to step the model")
        else:
            line = Text(f"step {step + 1}/{session.length} {glyph(session.window_text[step])!s}")
        if session.clipped:
            line.append(f" · last {session.length} of {len(session.text)} chars", style=palette_for(self).note)
        if session.out_of_vocabulary:
            line.append(f" · {session.out_of_vocabulary} unknown", style="italic")
        line.append(f" · unit {session.selected_unit} · ")
        if session.shown_cell_label:
            line.append(f"{session.shown_cell_label} · ")
        line.append(describe_model(session), style="bold")
        if session.has_forget_knob:
            line.append(f" · forget bias {format_signed(session.forget_bias_offset, 1, plus=True)}")
        self.show([line])
