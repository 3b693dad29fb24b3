"""One lesson, drawn in order: Markdown text, "try it" cards and quizzes, in a scrolling column.

Textual's Markdown is slow to mount and lay out (lists and tables most: a widget per item or cell), so
a whole lesson at once takes longer than the 300 ms a lesson may take to open. The text is cut into
chunks (at its ``##`` headings, and between paragraphs and lists within a section), one Markdown
widget each. Opening a lesson mounts only the chunks that fill the first screen; the rest are mounted
after that first paint (all together: one layout of the page instead of one per step, and each mount
yields to the event loop). A jump to a heading mounts what it needs first. The last ``CACHED_PAGES``
lessons stay mounted (hidden), so going back is a swap.

Links are never followed here: every Markdown widget has ``open_links=False`` and its ``LinkClicked``
message bubbles up to the screen, which routes it.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from functools import lru_cache

from markdown_it import MarkdownIt
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker

from ..curriculum import Lesson, Quiz, TryIt, describe_setup, task_markdown
from ..lesson_tasks import Task
from .code_block import LessonMarkdown
from .lesson_links import PageLink, highlighted, links_on_screen
from .quiz import QuizView

CHUNK_LINES = 10  # a section is cut into chunks of about this many source lines
CARD_ROWS = 4  # what a try-it card or a quiz question counts as at least, for filling a screen
CACHED_PAGES = 2  # lessons kept mounted: the one shown and the one before it
SCROLL_ATTEMPTS = 5  # refreshes a jump to a heading waits at most for the layout to catch up
TEXT_INSET = 4  # columns of the page's width that are a chunk's padding (not the scroll bar: this errs wide)
# blocks that start with no top margin: cutting before one looks the same as not cutting
CUTTABLE = frozenset({"paragraph_open", "bullet_list_open", "ordered_list_open"})
HEADING = re.compile(r"#{1,6}\s")  # the curriculum's rule for the lines that are headings
LIST_ITEM = re.compile(r"([-*+]|\d+[.)])\s")  # a line that starts a list item
TABLE_RULE = re.compile(r"[|:\- ]+")  # the line under a table's header: drawn as no row of its own
NOT_SHOWN = re.compile(r"\]\([^)]*\)|[*_`\[]")  # Markdown a reader does not see: link targets, marks


@lru_cache(maxsize=64)
def markdown_chunks(text: str) -> tuple[str, ...]:
    """``text`` cut before each ``##`` heading, and between top-level paragraphs and lists once a
    chunk has ``CHUNK_LINES`` lines (never inside a list, fence or table)."""
    lines = text.splitlines()
    starts = [0]
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        if token.level != 0 or token.nesting < 0 or token.map is None or token.map[0] == 0:
            continue
        start = token.map[0]
        section = token.type == "heading_open" and token.tag == "h2"
        if section or (token.type in CUTTABLE and start - starts[-1] >= CHUNK_LINES):
            starts.append(start)
    starts.append(len(lines))
    chunks = ("\n".join(lines[a:b]) + "\n" for a, b in zip(starts, starts[1:]))
    return tuple(chunk for chunk in chunks if chunk.strip())


def fenced_lines(text: str):
    """(line, inside a fenced block) for each line of ``text``; the fence lines count as inside."""
    fenced = False
    for line in text.splitlines():
        opens = line.startswith("```")
        yield line, fenced or opens
        fenced ^= opens


def estimated_rows(text: str, width: int) -> int:
    """Rows ``text`` takes at least when drawn ``width`` columns wide (so a screen counted full is).

    A paragraph or list item wraps to at least its shown length (no link targets or emphasis
    marks) over ``width``; a heading takes its line and a row of margin, a fenced, table or blank
    line a row. The rest of the margins, and the list indents, are left out."""
    rows, run = 0, 0  # run: the shown characters of the paragraph or list item being read
    for line, fenced in fenced_lines(text):
        stripped = line.strip()
        if fenced or not stripped or HEADING.match(line) or LIST_ITEM.match(stripped) or stripped[0] == "|":
            rows += -(-run // width)
            run = 0
        if fenced or not stripped:
            rows += 1
        elif HEADING.match(line):
            rows += 2
        elif stripped.startswith("|"):
            rows += not TABLE_RULE.fullmatch(stripped)
        else:
            run += len(NOT_SHOWN.sub("", stripped)) + (run > 0)  # the line break becomes a space
    return rows + -(-run // width)


class TryItCard(Vertical, can_focus=True):
    """A "try it": what it sets up and what to look for. Enter, space or a click runs it."""

    BINDINGS = [Binding("enter,space", "run", "try it")]

    class Run(Message):
        def __init__(self, item: TryIt):
            super().__init__()
            self.item = item

    def __init__(self, item: TryIt):
        super().__init__(classes="try-it")
        self.item = item

    def compose(self) -> ComposeResult:
        setup = self.item.setup
        where = "the gradient lab" if setup.view == "gradients" else "the panel"
        yield Static(
            Text.assemble(("▶ Try it", "bold"), f"  Enter loads it into {where}: ", (describe_setup(setup), "italic")),
            classes="try-it-title",
        )
        yield LessonMarkdown(self.item.look_for, open_links=False)

    def action_run(self) -> None:
        self.post_message(self.Run(self.item))

    def on_click(self) -> None:
        self.action_run()


class LessonText(LessonMarkdown):
    """A chunk of a lesson's text (its headings are the lesson's headings, in order)."""

    def __init__(self, text: str):
        super().__init__(text, open_links=False, classes="lesson-text")
        self.text = text
        self.heading_count = sum(not fenced and bool(HEADING.match(line)) for line, fenced in fenced_lines(text))


def block_rows(widget: Widget, width: int) -> int:
    """A lower bound on the rows a block of the page takes."""
    if isinstance(widget, LessonText):
        return estimated_rows(widget.text, width)
    if isinstance(widget, QuizView):
        return CARD_ROWS * len(widget.quiz.questions)
    return CARD_ROWS


class LessonPage(Vertical):
    """One lesson's blocks; those not mounted yet wait in ``pending``, in page order."""

    DEFAULT_CSS = "LessonPage { height: auto; }"

    def __init__(self, lesson: Lesson, blocks: list[Widget], first: int):
        super().__init__(*blocks[:first])
        self.lesson = lesson
        self.pending = deque(blocks[first:])
        self.headings_known = sum(b.heading_count for b in blocks[:first] if isinstance(b, LessonText))
        self.complete = asyncio.Event()  # set once every block is mounted
        self.read_to_end = False  # the learner has seen its last row (told once: LessonView.ReadToEnd)
        self.filling: Worker | None = None  # what mounts the pending blocks while the page is shown
        self._mounting: list[asyncio.Future] = []  # mounts started and not seen finished

    def mount_next(self) -> None:
        """Start mounting the next pending block (at once, so page order holds whoever asks)."""
        block = self.pending.popleft()
        if isinstance(block, LessonText):
            self.headings_known += block.heading_count
        self._mounting.append(asyncio.ensure_future(self.mount(block)))

    def mount_rows(self, rows: int, width: int) -> None:
        """Start mounting pending blocks until at least ``rows`` more rows are on the page (or none are left)."""
        while self.pending and rows > 0:
            rows -= block_rows(self.pending[0], width)
            self.mount_next()

    async def mounted(self) -> None:
        """Wait for every block started so far (whoever started it: several may wait at once)."""
        await asyncio.gather(*self._mounting)
        self._mounting = [mounting for mounting in self._mounting if not mounting.done()]

    def headers(self) -> list[Widget]:
        """The lesson's heading widgets mounted so far, in page order (not those in try-it cards)."""
        return list(self.query("LessonText > MarkdownHeader"))


def page_blocks(lesson: Lesson, answers: dict[int, bool]) -> list[Widget]:
    """The widgets of a lesson's page, in order."""
    widgets: list[Widget] = []
    question = 0
    for segment in lesson.segments:
        if isinstance(segment, TryIt):
            widgets.append(TryItCard(segment))
        elif isinstance(segment, Quiz):
            widgets.append(QuizView(segment, question, answers))
            question += len(segment.questions)
        else:  # Markdown; a task reads as its text until the panel checks it live
            text = task_markdown(segment) if isinstance(segment, Task) else segment
            widgets.extend(LessonText(chunk) for chunk in markdown_chunks(text))
    return widgets


class LessonView(VerticalScroll):
    """The lesson's page. It keeps a link cursor for the keyboard (the screen's keys move it): Textual's
    Markdown gives links no focus, and the mouse may be off."""

    class ReadToEnd(Message):
        """The learner scrolled to the end of ``lesson``'s page (or it fits the screen)."""

        def __init__(self, lesson: Lesson):
            super().__init__()
            self.lesson = lesson

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.page: LessonPage | None = None
        self._pages: dict[str, LessonPage] = {}  # by slug, the most recently shown last
        self._scroll_target: Widget | None = None  # the heading a jump is bringing to the top
        self.link: PageLink | None = None  # the link Enter follows, shown reversed

    def on_mount(self) -> None:
        self.watch(self, "scroll_y", self._scrolled, init=False)

    def _scrolled(self) -> None:
        self.check_read_to_end()
        if self.link is not None and self.link not in links_on_screen(self):
            self.show_link(None)

    def check_read_to_end(self) -> None:
        page = self.page
        if page is not None and page.complete.is_set() and not page.read_to_end and self.scroll_y >= self.max_scroll_y:
            page.read_to_end = True
            self.post_message(self.ReadToEnd(page.lesson))

    # --- links by keyboard -----------------------------------------------------------------------------
    def show_link(self, link: PageLink | None) -> None:
        """Make ``link`` the one Enter follows (None: none), its text reversed."""
        if self.link is not None and self.link.block.is_attached:
            self.link.block.update(self.link.block._content)  # its own text, without the highlight
        self.link = link
        if link is not None:
            link.block.update(highlighted(link))
        self.screen.refresh_bindings()

    def next_link(self) -> bool:
        """Move the cursor to the next link on screen (from the first, after the last); False if none."""
        links = links_on_screen(self)
        after = links.index(self.link) + 1 if self.link in links else 0
        self.show_link(links[after % len(links)] if links else None)
        return bool(links)

    async def follow_link(self) -> None:
        """Follow the link under the cursor, as a click on it would."""
        link = self.link
        self.show_link(None)
        if link is not None:
            await self.app.run_action(f"link({link.href!r})", link.block)

    @property
    def lesson(self) -> Lesson | None:
        return self.page.lesson if self.page else None

    def _screen_size(self) -> tuple[int, int]:
        """(columns a chunk wraps at, rows to fill) of the first screen; the whole terminal before the
        first layout (which errs towards mounting more)."""
        width, height = self.size if self.size.area else self.app.size
        return max(1, width - TEXT_INSET), height

    async def show(self, lesson: Lesson, answers: dict[int, bool]) -> None:
        """Put ``lesson`` on the page, at its top; returns once its first screen is mounted (the rest
        follows after that screen is painted). A lesson still cached comes back as it was left."""
        page = self._pages.pop(lesson.slug, None)
        self.show_link(None)
        with self.app.batch_update():  # one layout and paint for the swap, not one per step
            if page is None:
                width, height = self._screen_size()
                blocks = page_blocks(lesson, answers)
                first, rows = 0, 0
                while first < len(blocks) and rows < height:
                    rows += block_rows(blocks[first], width)
                    first += 1
                page = LessonPage(lesson, blocks, first)
                # Hidden and cached before the mount: the mount goes on if this opening is cancelled (the
                # learner opened another lesson meanwhile), and the page must then stay out of sight.
                page.display = False
                self._pages[lesson.slug] = page
                await self.mount(page)
            if self.page is not None and self.page is not page:
                self.page.display = False
            page.display = True
            self._pages.pop(lesson.slug, None)
            self._pages[lesson.slug] = page  # the most recently shown last
            self.page = page
            self.scroll_home(animate=False, immediate=True)
            self._scroll_target = None
        if page.filling is None or page.filling.is_finished:
            page.filling = self.run_worker(self._finish(page), group="lesson-page")

    async def _finish(self, page: LessonPage) -> None:
        """After the first paint: drop pages beyond the cache, then mount the rest if the page is still
        shown. (It stops by itself rather than being cancelled: a cancelled worker makes
        ``workers.wait_for_complete`` raise.)"""
        await self.wait_for_refresh()
        while len(self._pages) > CACHED_PAGES and page is self.page:
            await self._pages.pop(next(iter(self._pages))).remove()
            await self.wait_for_refresh()
        while page.pending and page is self.page:
            page.mount_next()  # all at once: each mount yields to the loop, and the page is laid out once
        await page.mounted()
        await self.wait_for_refresh()
        if not page.pending:
            page.complete.set()
            self.call_after_refresh(self.check_read_to_end)  # a page that fits the screen is read

    async def rendered(self) -> None:
        """Wait until every block of the current lesson is mounted."""
        if self.page is not None:
            await self.page.complete.wait()

    def headers(self) -> list[Widget]:
        """The current lesson's heading widgets mounted so far, in page order."""
        return self.page.headers() if self.page else []

    async def scroll_to_heading(self, anchor: str) -> bool:
        """Bring the heading with this lesson-wide anchor to the top; False if there is none.

        The blocks up to the heading, and a screenful after it, are mounted first."""
        page = self.page
        anchors = [heading.anchor for heading in page.lesson.headings] if page else []
        if anchor not in anchors:
            return False
        index = anchors.index(anchor)
        while page.headings_known <= index and page.pending:
            page.mount_next()
        width, height = self._screen_size()
        page.mount_rows(height, width)
        await page.mounted()
        headers = page.headers()
        if index >= len(headers):
            return False
        self._scroll_target = headers[index]
        self.run_worker(self._bring_to_top(headers[index]), group="lesson-scroll")
        return True

    async def _bring_to_top(self, header: Widget) -> None:
        """Scroll ``header`` to the top. The layout can lag a refresh behind the blocks just mounted
        (the heading not placed yet, or the page still too short to scroll that far), so this tries
        again after each refresh until the heading is placed and nothing moves."""
        for _ in range(SCROLL_ATTEMPTS):
            await self.wait_for_refresh()
            if header is not self._scroll_target:
                return  # another jump, or another lesson, came since
            if header.region and not self.scroll_to_widget(header, top=True, animate=False, immediate=True):
                return
