"""One line saying where the cursor is and what is running: step, window, unit, cell, model, knob.

What changes on every key comes first: Textual repaints a line from its left edge up to the last
changed cell, so the unchanging tail (cell, model, knob) is not sent again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..display import format_signed, glyph
from ..model_choices import describe_setup
from .lines import LineView, redrawn_on_theme_change
from .palette import palette_for

if TYPE_CHECKING:
    from ..session import Session


STATUS_WIDTH = 80  # the line fits an 80-column terminal: a long model name or file name is cut short


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
        knob = Text()
        if session.has_forget_knob:
            knob.append(f" · forget bias {format_signed(session.forget_bias_offset, 1, plus=True)}")
        if session.has_stabiliser:
            if session.input_bias_offset:
                knob.append(f" · ĩ bias {format_signed(session.input_bias_offset, 0, plus=True)}")
            if session.stabiliser_off:
                knob.append(" · stabiliser off (float32)", style="bold")
        model = Text(describe_setup(session.setup), style="bold")
        model.truncate(max(8, STATUS_WIDTH - line.cell_len - knob.cell_len), overflow="ellipsis")  # a long name
        line.append_text(model)
        line.append_text(knob)
        self.show([line])
