"""The panel's one-line input: Textual's ``Input`` without a layout pass per keystroke, and bounded work
per keystroke however long the text grows (a 10 MB paste included). Enter types a line break (the model
reads ``\n``, the input shows ↵); edits can be undone and redone."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Input

from ..display import glyph
from ..limits import UNDO_CHARS, UNDO_STEPS, UNDO_WORD
from .ascii_mode import in_ascii_mode, to_ascii
from .lines import changed_span

MODEL_TEXT_STYLE = Style(underline=True, italic=True)  # what the model wrote: marked without colour


def one_newline(text: str) -> str:
    """``text`` with every CR LF and lone CR as ``\n``: the models' line break, whatever the terminal or
    the pasted file used."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class Edit:
    """``removed`` (the text from ``start``) replaced by ``inserted``."""

    start: int
    removed: str
    inserted: str
    typed: bool  # one typed character, or a run of them that later characters may extend

    @property
    def size(self) -> int:
        return len(self.removed) + len(self.inserted)

    def extended_by(self, edit: Edit) -> bool:
        """Whether ``edit`` continues this typed word (it becomes part of the same undo step)."""
        return (
            self.typed
            and edit.typed
            and edit.start == self.start + len(self.inserted)
            and not self.inserted[-1].isspace()
            and len(self.inserted) < UNDO_WORD
        )


class EditHistory:
    """The input's undo and redo steps: a typed word is one step, any other edit (a paste, a deletion,
    clearing the text) one step. At most UNDO_STEPS steps holding UNDO_CHARS characters are kept (the
    oldest go first; the last edit is kept whatever its size)."""

    def __init__(self) -> None:
        self._done: deque[Edit] = deque()
        self._undone: list[Edit] = []
        self._chars = 0  # characters the steps in _done hold

    def record(self, start: int, removed: str, inserted: str) -> None:
        edit = Edit(start, removed, inserted, typed=not removed and len(inserted) == 1)
        self._undone.clear()
        if self._done and self._done[-1].extended_by(edit):
            last = self._done[-1]
            self._done[-1] = Edit(last.start, "", last.inserted + inserted, typed=True)
            self._chars += len(inserted)
        else:
            self._done.append(edit)
            self._chars += edit.size
        while len(self._done) > UNDO_STEPS or (self._chars > UNDO_CHARS and len(self._done) > 1):
            self._chars -= self._done.popleft().size

    def undo(self) -> Edit | None:
        """The step to take back (None when there is none)."""
        if not self._done:
            return None
        edit = self._done.pop()
        self._chars -= edit.size
        self._undone.append(edit)
        return edit

    def redo(self) -> Edit | None:
        """The step taken back last, to do again (None when there is none)."""
        if not self._undone:
            return None
        edit = self._undone.pop()
        self._done.append(Edit(edit.start, edit.removed, edit.inserted, typed=False))  # the next key starts a step
        self._chars += edit.size
        return edit


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
    renders the whole value on every key (seconds for megabytes). A paste is inserted whole, its line
    breaks as ``\n`` (Textual keeps only its first line).

    Every edit goes through ``replace`` (Input's own keys included), which records it for undo. Focusing
    the input selects nothing: the cursor stays after the text it started with.
    """

    BINDINGS = [
        Binding("enter", "newline", "line break", show=False, id="input.newline"),
        Binding("ctrl+z", "undo", "undo", show=False, id="input.undo"),
        Binding("ctrl+y", "redo", "redo", show=False, id="input.redo"),
    ]

    # A binding acts only once its key has bubbled up to the app, after the characters already queued
    # behind it ("ab⏎cd" arriving in one read became "abcd⏎"): these keys are handled on arrival, as
    # characters are; the bindings above list them (F1) and let the palette run them.
    _ON_ARRIVAL = {binding.key: binding.action for binding in BINDINGS}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("select_on_focus", False)
        super().__init__(*args, **kwargs)
        self._history = EditHistory()
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

    # --- edits: line breaks, undo and redo -----------------------------------------------------------
    def replace(self, text: str, start: int, end: int) -> None:
        text = one_newline(text)
        value = self.value
        start, end = sorted((max(0, start), min(len(value), end)))
        removed = value[start:end]
        if removed != text:
            self._history.record(start, removed, text)
        super().replace(text, start, end)

    def clear(self) -> None:
        """Empty the input, a step that can be undone."""
        self.replace("", 0, len(self.value))

    async def _on_key(self, event: events.Key) -> None:
        action = self._ON_ARRIVAL.get(event.key)
        if action is not None:
            event.stop()
            event.prevent_default()  # Input's own handler would run too
            getattr(self, f"action_{action}")()

    def action_newline(self) -> None:
        self.replace("\n", *self.selection)

    def action_undo(self) -> None:
        edit = self._history.undo()
        if edit is not None:
            super().replace(edit.removed, edit.start, edit.start + len(edit.inserted))

    def action_redo(self) -> None:
        edit = self._history.redo()
        if edit is not None:
            super().replace(edit.inserted, edit.start, edit.start + len(edit.removed))

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
