"""The panel's one-line input: Textual's ``Input`` without a layout pass per keystroke, and bounded work
per keystroke however long the text grows (a 10 MB paste included)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.strip import Strip
from textual.widgets import Input

from ..ascii_mode import in_ascii_mode, to_ascii
from ..display import glyph


class TextInput(Input):
    """An ``Input`` whose size never depends on its value (one row, width from the stylesheet).

    Textual's ``Input`` sets its virtual size on every change, and that reactive asks for a layout of
    the whole screen; the input only needs a repaint, which its value change already asks for. Skipping
    the layout saves a reflow and a repaint of every widget on every key. The cursor does not blink (a
    blinking cursor writes to the terminal while idle). No ``Changed`` messages (see ``__init__``).

    Every character is drawn as one cell (``display.glyph``: the heat line's look, newline as ↵, wide
    characters as ▯), so a character index is a cell offset: the cursor, scrolling and clicks cost O(1)
    and a repaint draws only the visible slice. Textual's own Input measures and renders the whole value
    on every key (seconds for megabytes). A paste is inserted whole: Textual keeps only its first line.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cursor_blink = False
        # Input posts a Changed message holding the whole new value on every key; the keys of a burst
        # queue ahead of those messages, so k keys kept k copies of the text alive at once (memory the
        # C allocator then kept: ~120 B per typed character over a 100,000-key soak). The panel watches
        # ``value`` itself and nothing listens for Changed.
        self.disable_messages(Input.Changed)

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        return super().refresh(*regions, repaint=repaint or layout, layout=False, recompose=recompose)

    # --- pastes: every character kept ---------------------------------------------------------------
    def _on_paste(self, event: events.Paste) -> None:
        if event.text:
            start, end = sorted(self.selection)
            self.replace(event.text, start, end)
        event.stop()
        event.prevent_default()  # Textual runs every class's handler unless told not to

    # --- one cell per character ---------------------------------------------------------------------
    def _position_to_cell(self, position: int) -> int:
        return position

    def _cell_offset_to_index(self, offset: int) -> int:
        return max(0, min(len(self.value), offset + self.scroll_offset.x))

    @property
    def content_width(self) -> int:
        if not self.value:
            return super().content_width  # the placeholder's width
        return len(self.value) + 1  # room for the cursor after the last character

    def render_line(self, y: int) -> Strip:
        if y != 0 or not self.value:
            return super().render_line(y)
        width = self.scrollable_content_region.width + 1
        start = self.scroll_offset.x
        shown = "".join(map(glyph, self.value[start : start + width]))
        if in_ascii_mode(self):
            shown = to_ascii(shown)
        text = Text(shown, no_wrap=True, overflow="crop", end="")
        if self.has_focus:
            selection_start, selection_end = sorted(self.selection)
            if selection_start != selection_end:
                text.stylize_before(self.get_component_rich_style("input--selection"),
                                    max(0, selection_start - start), max(0, selection_end - start))
            if self._cursor_visible:
                cursor = self.cursor_position - start
                if self.cursor_at_end:
                    text.pad_right(1)
                text.stylize(self.get_component_rich_style("input--cursor"), cursor, cursor + 1)
        strip = Strip(self.app.console.render(text, self.app.console_options.update_width(width)))
        return strip.crop(0, width).extend_cell_length(width).apply_style(self.rich_style)
