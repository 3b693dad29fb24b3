"""The lesson screen: a lesson beside the live panel, with the lesson list, contents and quizzes.

The panel is the explorer's widget (``ExplorerPanel``), composed beside the lesson, so its code, keys
and session are shared, not copied. On terminals of at least ``WIDE_COLUMNS`` columns the panel sits
beside the lesson; on narrower ones Ctrl+G swaps between them (on wide ones it moves the focus). The
panel's keys are its own bindings: they act (and show in the footer) while the focus is in the panel,
so the footer shows the keys of what the learner is using.

Lesson keys are on ctrl so every printable character still reaches whichever input has the focus.
Links are routed here: lesson links open the lesson, ``#anchors`` scroll, web links are shown for
copying and never opened.
"""

from __future__ import annotations

import gc
from urllib.parse import urlsplit

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from ..curriculum import Curriculum, Lesson, Link, TryIt, recording_path
from ..errors import UserError
from ..panel_setup import PanelSetup
from ..progress import Progress
from ..widgets.explorer_panel import ExplorerPanel
from ..widgets.key_footer import KeyFooter
from ..widgets.lesson_view import LessonView, TryItCard
from ..widgets.quiz import QuestionView
from ..widgets.task_line import TaskLine
from .web_link import WebLinkScreen

WIDE_COLUMNS = 120
LESSONS = Binding.Group("lesson", compact=True)
LINKS = Binding.Group("link", compact=True)  # one short entry keeps the footer to one row at 120 columns
LINK_ACTIONS = ("next_link", "follow_link", "clear_link")


def lab_settings(setup: PanelSetup):
    """The gradient lab's knobs for a try-it with view "gradients": the usual comparison (plus the
    setup's cell if it is not among them) on the setup's text, hidden size and seed."""
    from ..analysis.gradient_flow import DEFAULT_CELLS, GradientSettings

    cells = DEFAULT_CELLS if setup.cell in DEFAULT_CELLS else (*DEFAULT_CELLS, setup.cell)
    return GradientSettings(cells=cells, hidden_size=setup.hidden, seed=setup.seed, text=setup.text or None)


class LessonScreen(Screen):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_COLUMNS, "-wide")]
    BINDINGS = [
        Binding("ctrl+n", "next_lesson(1)", "next", group=LESSONS, id="lesson.next"),
        Binding("ctrl+b", "next_lesson(-1)", "previous", group=LESSONS, id="lesson.previous"),
        Binding("ctrl+o", "contents", "lessons & contents", id="lesson.contents"),
        Binding("ctrl+g", "toggle_panel", "panel ⇄ lesson", id="lesson.panel"),
        Binding("ctrl+k", "next_link", "next link", group=LINKS, id="lesson.next-link"),
        Binding("enter", "follow_link", "follow link", group=LINKS, id="lesson.follow-link"),
        Binding("escape", "clear_link", "no link", show=False, id="lesson.clear-link"),
    ]

    def __init__(
        self, curriculum: Curriculum, progress: Progress, lesson: Lesson | None = None, *, window: int | None = None
    ):
        self.curriculum = curriculum
        self.progress = progress
        self.lesson = lesson or curriculum.lessons[0]
        self.window = window
        self._page_focus: Widget | None = None  # what had the focus on the page when the panel took it
        super().__init__()

    def compose(self) -> ComposeResult:
        with Horizontal(id="lesson-layout"):
            with Vertical(id="lesson-sidebar"):
                yield Static("Lessons", classes="sidebar-title")
                yield OptionList(id="lesson-list")
                yield Static("Contents", classes="sidebar-title")
                yield OptionList(id="lesson-toc")
                yield Static("Links", classes="sidebar-title")
                yield OptionList(id="lesson-links")  # links by keyboard: the app runs with the mouse off
            yield LessonView(id="lesson")
            with Vertical(id="lesson-panel"):
                yield ExplorerPanel(self.lesson.setup, window=self.window, id="lesson-explorer")
                yield TaskLine(id="lesson-task")
        yield KeyFooter()

    async def on_mount(self) -> None:
        await self.panel.start()  # at once: the lesson's page and its panel appear together
        self.panel.on_drawn.append(self.query_one(TaskLine).check)
        self.report_progress_messages()
        self.panel.input.select_on_focus = False  # a try-it's text is typed on, not replaced
        # What exists by now (modules, the app, the panel: ~100k objects) lives as long as the app.
        # Moved out of the collector's sight, a full collection costs ~0 ms instead of 60-130 ms,
        # pauses that otherwise land in the middle of opening a lesson. Pages made later stay collectable.
        gc.freeze()
        await self.open_lesson(self.lesson)
        self.call_after_refresh(self.view.focus)  # after the screen's automatic focus (the first input)

    @property
    def hidden_actions(self) -> frozenset[str]:
        """The app's keys this lesson hides (F11 by ``hide_keys: [training]``, F12 by ``hide_views:
        [gradients]``); the panel hides its own."""
        hidden = {"training"} & set(self.lesson.hidden_keys)
        if "gradients" in self.lesson.hidden_views:
            hidden.add("gradient_lab")
        return frozenset(hidden)

    @property
    def view(self) -> LessonView:
        return self.query_one(LessonView)

    @property
    def panel(self) -> ExplorerPanel:
        return self.query_one(ExplorerPanel)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The link keys act while the page itself has the focus (on a try-it card or a quiz choice, Enter
        # is theirs). ^k/⏎ stay in the footer then: a footer that grew a row when a link was picked
        # would move the page under it. esc only while a link is picked.
        if action not in LINK_ACTIONS:
            return True
        return self.focused is self.view and (action != "clear_link" or self.view.link is not None)

    # --- lessons -------------------------------------------------------------------------------------
    async def open_lesson(self, lesson: Lesson, anchor: str = "") -> None:
        """Show ``lesson`` (remembered as the last one; it counts as read once read to its end or its
        quiz is answered) with its panel setup loaded."""
        self.lesson = lesson
        self.progress.open_lesson(lesson.slug)
        self.save_progress()
        with self.app.batch_update():  # panel, page and lists change in one paint
            self.panel.hide(lesson.hidden_views, lesson.hidden_keys)
            self.panel.configure(lesson.setup)
            self.query_one(TaskLine).show_tasks(lesson.tasks, self.panel)
            await self.view.show(lesson, dict(self.progress.answers.get(lesson.slug, {})))
            self.refresh_lists()
        if anchor:
            await self.view.scroll_to_heading(anchor)

    def navigate(self, lesson: Lesson, anchor: str = "") -> None:
        """Open a lesson without blocking the screen's messages (a jump to a heading waits for the page)."""
        self.run_worker(self.open_lesson(lesson, anchor), group="lesson-navigation", exclusive=True)

    def action_next_lesson(self, offset: int) -> None:
        lesson = self.curriculum.neighbour(self.lesson, offset)
        if lesson is None:
            self.notify("this is the last lesson" if offset > 0 else "this is the first lesson", timeout=2)
            return
        self.navigate(lesson)

    def lesson_label(self, lesson: Lesson) -> str:
        mark = "✓" if self.progress.is_read(lesson.slug) else " "
        right, answered = self.progress.score(lesson.slug)
        score = f"  {right}/{len(lesson.questions)}" if answered else ""
        return f"{mark} {lesson.number:>2} {lesson.title}{score}"

    def refresh_lists(self) -> None:
        lessons = self.query_one("#lesson-list", OptionList)
        lessons.clear_options()
        lessons.add_options(Option(self.lesson_label(lesson), id=lesson.slug) for lesson in self.curriculum)
        lessons.highlighted = self.curriculum.lessons.index(self.lesson)
        contents = self.query_one("#lesson-toc", OptionList)
        contents.clear_options()
        contents.add_options(
            Option("  " * (heading.level - 2) + heading.title, id=heading.anchor)
            for heading in self.lesson.table_of_contents()
        )
        links = self.query_one("#lesson-links", OptionList)
        links.clear_options()
        named = {link.target: self.link_name(link) for link in reversed(self.lesson.links)}  # the first label wins
        links.add_options(Option(name, id=target) for target, name in reversed(named.items()))
        if not named:
            links.add_option(Option(Text("none in this lesson", style="dim"), disabled=True))

    def link_name(self, link: Link) -> Text:
        """What the Links list calls a link: where it leads (a lesson's number and title, a heading),
        or for a web address its text and host."""
        try:
            target = self.curriculum.resolve_link(self.lesson, link.target)
        except UserError:
            return Text.assemble(link.label or link.target, (" (broken)", "dim"))
        if target.kind == "web":
            return Text.assemble(link.label or target.url, (f" · {urlsplit(target.url).hostname or target.url}", "dim"))
        heading = next((h.title for h in target.lesson.headings if h.anchor == target.anchor), "")
        if target.kind == "anchor":
            return Text(f"› {heading}")
        return Text(f"{target.lesson.number} {target.lesson.title}" + (f" › {heading}" if heading else ""))

    @on(OptionList.OptionSelected, "#lesson-list")
    def lesson_chosen(self, event: OptionList.OptionSelected) -> None:
        self.navigate(self.curriculum.get(event.option.id))

    @on(OptionList.OptionSelected, "#lesson-toc")
    def heading_chosen(self, event: OptionList.OptionSelected) -> None:
        self.run_worker(self.view.scroll_to_heading(event.option.id), group="lesson-navigation", exclusive=True)

    @on(OptionList.OptionSelected, "#lesson-links")
    def link_chosen(self, event: OptionList.OptionSelected) -> None:
        self.follow_link(event.option.id)

    def action_contents(self) -> None:
        shown = not self.has_class("-contents")
        self.set_class(shown, "-contents")
        (self.query_one("#lesson-list", OptionList) if shown else self.view).focus()

    # --- links -----------------------------------------------------------------------------------------
    def action_next_link(self) -> None:
        if not self.view.next_link():
            self.notify("no link on this screen: scroll to one, or pick from Links (ctrl+o)", timeout=3)

    async def action_follow_link(self) -> None:
        """Follow the picked link; with none picked, pick the first on screen (Enter again follows it)."""
        if self.view.link is None:
            self.action_next_link()
        else:
            await self.view.follow_link()

    def action_clear_link(self) -> None:
        self.view.show_link(None)

    @on(Markdown.LinkClicked)
    def link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.follow_link(event.href)

    def follow_link(self, href: str) -> None:
        try:
            target = self.curriculum.resolve_link(self.lesson, href)
        except UserError as error:
            self.notify(str(error), severity="error", timeout=5)
            return
        if target.kind == "web":
            self.app.push_screen(WebLinkScreen(target.url))
        elif target.kind == "lesson":
            self.navigate(target.lesson, target.anchor)
        else:
            self.run_worker(self.view.scroll_to_heading(target.anchor), group="lesson-navigation", exclusive=True)

    # --- the panel ---------------------------------------------------------------------------------------
    @on(TryItCard.Run)
    def run_try_it(self, event: TryItCard.Run) -> None:
        setup = event.item.setup
        if setup.view == "gradients":
            try:
                settings = lab_settings(setup)
            except UserError as error:
                self.notify(str(error), severity="error", timeout=5)
                return
            self.app.open_gradient_lab(settings)
            return
        if event.item.recording is not None:
            self.play_recording(event.item)
            return
        self.panel.configure(setup)
        self.show_panel()

    def play_recording(self, item: TryIt) -> None:
        """A try-it that plays a recording: the panel set up on its model and text, then its events at
        their recorded pace (``panel_recording``); then the panel is the learner's."""
        from ..recording import Replay, read_recording
        from ..widgets.panel_recording import play_recording

        try:
            recording = read_recording(recording_path(self.lesson, item))
            setup = Replay(recording).setup
        except UserError as error:
            self.notify(str(error), severity="error", timeout=6)
            return
        self.panel.configure(setup)
        self.show_panel()
        self.run_worker(play_recording(self.app, recording, None, 1.0, panel=self.panel), exclusive=True)

    def show_panel(self) -> None:
        focused = self.focused
        if focused is not None and self.view in focused.ancestors_with_self:
            self._page_focus = focused
        self.add_class("-panel-open")
        self.panel.focus_input()

    def focus_page(self) -> None:
        """Give the focus back to where it was on the page (the try-it just run, so tab goes on to the
        next one), or to the page itself."""
        widget, page = self._page_focus, self.view.page
        on_page = widget is not None and widget.is_attached and page is not None and page in widget.ancestors
        (widget if on_page else self.view).focus(scroll_visible=False)

    def action_toggle_panel(self) -> None:
        if self.has_class("-wide"):
            if self.panel.has_focus_within:
                self.focus_page()
            else:
                self.show_panel()
            return
        if self.has_class("-panel-open"):
            self.remove_class("-panel-open")
            self.focus_page()
        else:
            self.show_panel()

    # --- progress ----------------------------------------------------------------------------------------
    @on(QuestionView.Answered)
    def question_answered(self, event: QuestionView.Answered) -> None:
        slug = self.lesson.slug
        self.progress.record_answer(slug, event.number, event.correct)
        if self.progress.score(slug)[1] == len(self.lesson.questions):  # the whole quiz answered
            self.progress.mark_read(slug)
        self.save_progress()
        self.refresh_lists()

    @on(LessonView.ReadToEnd)
    def read_to_end(self, event: LessonView.ReadToEnd) -> None:
        if not self.progress.is_read(event.lesson.slug):
            self.progress.mark_read(event.lesson.slug)
            self.save_progress()
            self.refresh_lists()

    def save_progress(self) -> None:
        self.progress.save()
        self.report_progress_messages()

    def report_progress_messages(self) -> None:
        """Each problem with the progress file is told once (the store hands out each message once)."""
        for message in self.progress.take_messages():
            self.notify(message, title="progress", severity="warning", timeout=8)
