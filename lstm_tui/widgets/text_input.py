"""The panel's one-line input: Textual's ``Input`` without a layout pass per keystroke, and bounded work
per keystroke however long the text grows (a 10 MB paste included)."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Input

from ..display import glyph
from .ascii_mode import in_ascii_mode, to_ascii
from .lines import changed_span

MODEL_TEXT_STYLE = Style(underline=True, italic=True)  # what the model wrote: marked without colour


class TextInput(Input):
    """An ``Input`` whose size never depends on its value (one row, width from the stylesheet).

    Textual's ``Input`` sets its virtual size on every change, and that reactive asks for a layout of
    the whole screen; the input only needs a repaint, which its value change already asks for. Skipping
    the layout saves a reflow and a repaint of every widget on every key. The cursor does not blink (a
    blinking cursor writes to the terminal while idle). No ``Changed`` messages (see ``__init__``).

    The view pages in half widths and only changed cells are repainted (``_watch_selection``,
    ``refresh``). Every character is drawn as one cell (``display.glyph``: the heat line's look,
    newline as ↵, wide characters as ▯), so a character index is a cell offset: the cursor, scrolling
    and clicks cost O(1) and a repaint draws only the visible slice. Textual's own Input measures and
    renders the whole value on every key (seconds for megabytes). A paste is inserted whole: Textual
    keeps only its first line.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cursor_blink = False
        self._requested: Strip | None = None  # the row as of the last refresh
        self.model_spans: tuple[tuple[int, int], ...] = ()  # (start, end) of the text the model wrote
        # Input posts a Changed message holding the whole new value on every key; the keys of a burst
        # queue ahead of those messages, so k keys kept k copies of the text alive at once (memory the
        # C allocator then kept: ~120 B per typed character over a 100,000-key soak). The panel watches
        # ``value`` itself and nothing listens for Changed.
        self.disable_messages(Input.Changed)

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        if not regions and not recompose and self.is_mounted and self.size.width:
            regions = self._changed_cells()
            if not regions:
                return self
        return super().refresh(*regions, repaint=repaint or layout, layout=False, recompose=recompose)

    def _changed_cells(self) -> tuple[Region, ...]:
        """The cells that differ from what the last refresh asked for. Input repaints its whole row on
        every key; a key at the cursor changes two or three cells (~150 fewer bytes per key at 80
        columns). Each refresh compares with the state the one before it left, so the regions between
        two frames cover every change."""
        now = self.render_line(0)
        before, self._requested = self._requested, now
        if before is None:
            return (self.size.region,)
        start, end = changed_span(before, now)
        return (Region(start, 0, end - start, 1),) if end else ()

    def on_resize(self) -> None:
        self._requested = None  # the whole row is painted again

    def _watch_selection(self, selection) -> None:
        # Input scrolls just enough to show the cursor: at the end of a long text that is one cell per
        # key, so every key changes the whole row. Jumping half a width when the cursor leaves the view
        # (as the heat line pages) leaves most keys a change of two cells; Input's own scroll then finds
        # the cursor in view. (Input keeps its last cell free, hence width - 1.)
        width = self.scrollable_content_region.width
        left = self.scroll_offset.x
        if width > 2 and not left <= self.cursor_position < left + width - 1:
            self.scroll_to(x=max(0, self.cursor_position - width // 2), animate=False, force=True, immediate=True)
        super()._watch_selection(selection)

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
        # room for the cursor after the last character, and for a half-width jump past it
        return len(self.value) + 1 + self.scrollable_content_region.width // 2

    def render_line(self, y: int) -> Strip:
        if y != 0 or not self.value:
            return super().render_line(y)
        width = self.scrollable_content_region.width + 1
        start = self.scroll_offset.x
        shown = "".join(map(glyph, self.value[start : start + width]))
        if in_ascii_mode(self):
            shown = to_ascii(shown)
        text = Text(shown, no_wrap=True, overflow="crop", end="")
        for first, last in self.model_spans:
            text.stylize(MODEL_TEXT_STYLE, max(0, first - start), max(0, last - start))
        if self.has_focus:
            selection_start, selection_end = sorted(self.selection)
            if selection_start != selection_end:
                text.stylize_before(
                    self.get_component_rich_style("input--selection"),
                    max(0, selection_start - start),
                    max(0, selection_end - start),
                )
            if self._cursor_visible:
                cursor = self.cursor_position - start
                if self.cursor_at_end:
                    text.pad_right(1)
                text.stylize(self.get_component_rich_style("input--cursor"), cursor, cursor + 1)
        strip = Strip(self.app.console.render(text, self.app.console_options.update_width(width)))
        return strip.crop(0, width).extend_cell_length(width).apply_style(self.rich_style)
