"""The panel's one-line input: Textual's ``Input`` without a layout pass per keystroke."""

from __future__ import annotations

from textual.widgets import Input


class TextInput(Input):
    """An ``Input`` whose size never depends on its value (one row, width from the stylesheet).

    Textual's ``Input`` sets its virtual size on every change, and that reactive asks for a layout of
    the whole screen; the input only needs a repaint, which its value change already asks for. Skipping
    the layout saves a reflow and a repaint of every widget on every key. The cursor does not blink (a
    blinking cursor writes to the terminal while idle).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cursor_blink = False

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        return super().refresh(*regions, repaint=repaint or layout, layout=False, recompose=recompose)
