"""One lesson, drawn in order: Markdown text, "try it" cards and quizzes, in a scrolling column.

Textual's Markdown costs about a millisecond per line to lay out, so a whole page at once would take
longer than the 300 ms a lesson may take to open. The text is cut at its ``##`` headings into one
Markdown widget per section; the sections that fill the first screen are mounted straight away and the
rest right after that first paint. ``rendered()`` waits for the whole page (before jumping to a heading).

Links are never followed here: every Markdown widget has ``open_links=False`` and its ``LinkClicked``
message bubbles up to the screen, which routes it.
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Markdown, Static

from ..curriculum import Lesson, Quiz, TryIt, describe_setup
from .quiz import QuizView

FIRST_SCREEN_LINES = 40  # Markdown lines (or their equivalent) mounted before the first paint
CARD_LINES = 6  # what a try-it card or a quiz question counts as, for the first screen


def markdown_sections(text: str) -> list[str]:
    """``text`` cut before each ``##`` heading (never inside a fenced block)."""
    sections: list[list[str]] = [[]]
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## ") and any(s.strip() for s in sections[-1]):
            sections.append([])
        sections[-1].append(line)
    return ["\n".join(lines) + "\n" for lines in sections if any(s.strip() for s in lines)]


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
        yield Markdown(self.item.look_for, open_links=False)

    def action_run(self) -> None:
        self.post_message(self.Run(self.item))

    def on_click(self) -> None:
        self.action_run()


def _block_lines(widget: Widget) -> int:
    if isinstance(widget, LessonText):
        return widget.source_lines
    if isinstance(widget, QuizView):
        return CARD_LINES * len(widget.quiz.questions)
    return CARD_LINES


class LessonText(Markdown):
    """A section of a lesson's text (its headings are the lesson's headings, in order)."""

    def __init__(self, text: str):
        super().__init__(text, open_links=False, classes="lesson-text")
        self.source_lines = text.count("\n")


class LessonView(VerticalScroll):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.lesson: Lesson | None = None
        self._complete = asyncio.Event()
        self._generation = 0  # which show() the pending sections belong to

    def blocks(self, lesson: Lesson, answers: dict[int, bool]) -> list[Widget]:
        widgets: list[Widget] = []
        question = 0
        for segment in lesson.segments:
            if isinstance(segment, TryIt):
                widgets.append(TryItCard(segment))
            elif isinstance(segment, Quiz):
                widgets.append(QuizView(segment, question, answers))
                question += len(segment.questions)
            else:
                widgets.extend(LessonText(section) for section in markdown_sections(segment))
        return widgets

    async def show(self, lesson: Lesson, answers: dict[int, bool]) -> None:
        """Replace the page with ``lesson``; returns once its first screen is mounted."""
        self._generation += 1
        generation = self._generation
        self._complete.clear()
        self.lesson = lesson
        await self.remove_children()
        widgets = self.blocks(lesson, answers)
        first, lines = 0, 0
        while first < len(widgets) and lines < FIRST_SCREEN_LINES:
            lines += _block_lines(widgets[first])
            first += 1
        await self.mount_all(widgets[:first])
        self.scroll_home(animate=False)
        self.call_after_refresh(self._mount_rest, widgets[first:], generation)

    async def _mount_rest(self, widgets: list[Widget], generation: int) -> None:
        if generation != self._generation:
            return  # another lesson was opened meanwhile
        if widgets:
            await self.mount_all(widgets)
        if generation == self._generation:
            self._complete.set()

    async def rendered(self) -> None:
        """Wait until every part of the current lesson is mounted."""
        await self._complete.wait()

    def headers(self) -> list[Widget]:
        """The lesson's heading widgets in page order (those inside try-it cards are not headings)."""
        return list(self.query("LessonText > MarkdownHeader"))

    async def scroll_to_heading(self, anchor: str) -> bool:
        """Bring the heading with this lesson-wide anchor to the top; False if there is none."""
        await self.rendered()
        anchors = [heading.anchor for heading in self.lesson.headings] if self.lesson else []
        if anchor not in anchors:
            return False
        headers = self.headers()
        index = anchors.index(anchor)
        if index >= len(headers):
            return False
        # after the next refresh: sections mounted just now have no place on the page before it
        self.call_after_refresh(self.scroll_to_widget, headers[index], top=True, animate=False)
        return True
