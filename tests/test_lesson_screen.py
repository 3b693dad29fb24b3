"""The lesson screen through Textual's Pilot: try-its drive the panel, quizzes answer in place and are
saved, links are routed (never to a browser), next/previous, the two layouts, the gradient lab."""

import asyncio
import json
import webbrowser

import pytest
from markdown_it import MarkdownIt
from textual.geometry import Region
from textual.widgets import Input, Markdown, OptionList, Static

from lstm_tui.app import LstmApp
from lstm_tui.curriculum import load_curriculum
from lstm_tui.progress import Progress
from lstm_tui.screens.gradient_lab import GradientLabScreen
from lstm_tui.screens.help import HelpScreen
from lstm_tui.screens.lesson import LessonScreen
from lstm_tui.screens.web_link import WebLinkScreen
from lstm_tui.widgets.code_block import CodeFence
from lstm_tui.widgets.key_footer import FooterLines, KeyFooter
from lstm_tui.widgets.lesson_links import links_on_screen
from lstm_tui.widgets.lesson_view import (
    CACHED_PAGES,
    TEXT_INSET,
    LessonPage,
    LessonText,
    TryItCard,
    estimated_rows,
    markdown_chunks,
)
from lstm_tui.widgets.quiz import ChoiceItem, QuestionView, QuizView, RevealItem

WIDE, NARROW = (120, 40), (80, 24)


@pytest.fixture(scope="module")
def curriculum():
    return load_curriculum()


@pytest.fixture(autouse=True)
def no_browser(monkeypatch):
    def refuse(*args, **kwargs):
        pytest.fail(f"a browser was asked to open {args}")

    for name in ("open", "open_new", "open_new_tab"):
        monkeypatch.setattr(webbrowser, name, refuse)


def lesson_app(curriculum, tmp_path, lesson=1, progress=None) -> LstmApp:
    progress = progress or Progress.load(tmp_path / "progress.json")
    return LstmApp(mode="lessons", curriculum=curriculum, progress=progress, lesson=lesson)


async def settle(app, pilot) -> LessonScreen:
    """Wait for navigation workers and the rest of the page, then for the redraws they cause."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    screen = app.screen
    if isinstance(screen, LessonScreen):
        await screen.view.rendered()
    for _ in range(2):
        await pilot.pause()
    return screen


def list_labels(screen: LessonScreen) -> list[str]:
    options = screen.query_one("#lesson-list", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def notifications(app) -> list[str]:
    return [notification.message for notification in app._notifications]


# --- try it, typing, quiz, progress ----------------------------------------------------------------
async def test_tab_reaches_the_try_it_cards_and_quiz_choices_by_keyboard(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        screen = await settle(app, pilot)
        assert app.focused is screen.view
        await pilot.press("tab")
        assert isinstance(app.focused, TryItCard)
        reached = set()
        for _ in range(4):
            await pilot.press("tab")
            reached.add(type(app.focused))
        assert ChoiceItem in reached
        await pilot.press("shift+tab")
        assert app.focused is not None


async def test_try_it_types_answers_and_marks_progress(curriculum, tmp_path):
    lesson = curriculum.get(1)
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        screen = await settle(app, pilot)
        assert screen.lesson is lesson
        card = screen.query(TryItCard).first()
        card.focus()
        await pilot.press("enter")
        await pilot.pause()
        text_input = screen.query_one("#text", Input)
        assert app.focused is text_input
        assert screen.panel.session.setup.cell == card.item.setup.cell
        assert screen.panel.session.setup.seed == card.item.setup.seed
        assert text_input.value == card.item.setup.text
        await pilot.press("q", "?", "space", "1")
        await pilot.pause()
        assert screen.panel.session.text == card.item.setup.text + "q? 1"

        question = screen.query(QuestionView).first()
        wrong = next(item for item in question.query(ChoiceItem) if not question.question.choices[item.index].correct)
        right = next(item for item in question.query(ChoiceItem) if question.question.choices[item.index].correct)
        feedback = question.query_one(".quiz-feedback", Static)
        wrong.focus()
        await pilot.press("enter")
        await pilot.pause()
        wrong_explanation = question.question.choices[wrong.index].explanation
        assert feedback.display and str(feedback.render()) == f"✗ {wrong_explanation}"  # "No: …", said once
        assert app.progress.answers[lesson.slug][question.number] is False
        right.focus()
        await pilot.press("space")
        await pilot.pause()
        right_explanation = question.question.choices[right.index].explanation
        assert right_explanation.startswith("Right:") and str(feedback.render()) == f"✓ {right_explanation}"
        assert right.has_class("-right") and not wrong.has_class("-wrong")
        assert list_labels(screen)[0] == f"   1 {lesson.title}  1/{len(lesson.questions)}"  # not read yet
        assert list_labels(screen)[1].startswith("   2 ")

    saved = json.loads((tmp_path / "progress.json").read_text())
    assert saved["read"] == [] and saved["last_lesson"] == lesson.slug
    assert saved["answers"] == {lesson.slug: {str(question.number): True}}


async def test_a_lesson_is_read_when_read_to_its_end_not_when_opened(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path, lesson=2)
    async with app.run_test(size=NARROW) as pilot:
        screen = await settle(app, pilot)
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert not app.progress.is_read(screen.lesson.slug) and list_labels(screen)[1].startswith("   2 ")
        await pilot.press("end")  # the page's last row
        await settle(app, pilot)
        assert app.progress.is_read(screen.lesson.slug) and list_labels(screen)[1].startswith("✓  2 ")
    assert Progress.load(tmp_path / "progress.json").read == {curriculum.get(2).slug}


async def answer(pilot, question: QuestionView) -> None:
    """Answer ``question`` (its first choice, or the right number) as Enter would, without moving the
    focus (which would scroll the page)."""
    if question.question.is_numeric:
        field = question.query_one(Input)
        field.value = f"{question.question.answer:g}"
        await field.action_submit()
    else:
        question.query(ChoiceItem).first().action_pick()
    await pilot.pause()


async def test_a_lesson_is_read_when_its_whole_quiz_is_answered(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path, lesson=3)
    async with app.run_test(size=WIDE) as pilot:
        screen = await settle(app, pilot)
        *first, last = screen.query(QuestionView)
        for question in first:
            await answer(pilot, question)
        assert not app.progress.is_read(screen.lesson.slug)
        await answer(pilot, last)
        assert app.progress.is_read(screen.lesson.slug) and list_labels(screen)[2].startswith("✓  3 ")
        assert screen.view.scroll_y < screen.view.max_scroll_y  # not because the page was read to its end


async def test_numeric_question_checks_the_number(curriculum, tmp_path):
    lesson = curriculum.get(10)
    app = lesson_app(curriculum, tmp_path, lesson=10)
    async with app.run_test(size=WIDE) as pilot:
        screen = await settle(app, pilot)
        question = next(view for view in screen.query(QuestionView) if view.question.is_numeric)
        field = question.query_one(Input)
        feedback = question.query_one(".quiz-feedback", Static)
        answer = f"{question.question.answer:g}"
        reveal = question.query_one(RevealItem)
        for typed, verdict in (("0.5", "✗ Not quite. Try again"), ("zero", "Type a number"), (answer, "✓ Right.")):
            field.value = typed
            field.focus()
            await pilot.press("enter")
            await pilot.pause()
            assert verdict in str(feedback.render()), typed
            if typed == "0.5":  # a wrong number keeps the answer back, and offers it
                assert answer not in str(feedback.render()) and reveal.display
                await pilot.press("down")  # from the field to "show the answer"
                assert app.focused is reveal
                await pilot.press("enter")
                await pilot.pause()
                assert f"The answer is {answer}" in str(feedback.render()) and not reveal.display
        assert app.progress.score(lesson.slug) == (1, 1)


async def test_arrow_keys_move_between_the_choices_and_scroll_past_the_ends(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        screen = await settle(app, pilot)
        items = list(screen.query(QuizView).first().query(ChoiceItem))
        items[0].focus()
        await pilot.pause()
        await pilot.press("down", "down")
        assert app.focused is items[2]
        await pilot.press("up")
        assert app.focused is items[1]
        await pilot.press("up")
        scrolled = screen.view.scroll_y
        assert app.focused is items[0] and scrolled > 0
        await pilot.press("up")  # past the first choice: the page scrolls as usual
        await pilot.pause()
        assert app.focused is items[0] and screen.view.scroll_y < scrolled


async def test_earlier_answers_are_shown_when_the_lesson_opens_again(curriculum, tmp_path):
    progress = Progress.load(tmp_path / "progress.json")
    progress.record_answer(curriculum.get(1).slug, 0, True)
    app = lesson_app(curriculum, tmp_path, progress=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await settle(app, pilot)
        feedback = screen.query(QuestionView).first().query_one(".quiz-feedback", Static)
        assert feedback.display and "Answered before: right" in str(feedback.render())


# --- links ------------------------------------------------------------------------------------------
async def click_link(screen: LessonScreen, href: str) -> None:
    markdown = screen.query(LessonText).first()
    markdown.post_message(Markdown.LinkClicked(markdown, href))


async def test_lesson_link_navigates_to_the_heading(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path, lesson=10)
    async with app.run_test(size=WIDE) as pilot:
        screen = await settle(app, pilot)
        await click_link(screen, "01-plain-rnn.md#unrolling")
        screen = await settle(app, pilot)
        assert screen.lesson is curriculum.get(1)
        heading = screen.view.headers()[[h.anchor for h in screen.lesson.headings].index("unrolling")]
        assert "Unrolling" in str(heading._content)
        assert screen.view.scroll_y > 0
        assert heading.region.y - screen.view.region.y <= 3  # the heading is at the top (after its margin)


async def test_anchor_link_scrolls_within_the_lesson(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path, lesson=10)
    async with app.run_test(size=NARROW) as pilot:
        screen = await settle(app, pilot)
        assert screen.view.scroll_y == 0
        await click_link(screen, "#quiz")
        await settle(app, pilot)
        assert screen.lesson is curriculum.get(10)
        assert screen.view.scroll_y > 0
        quiz_heading = screen.view.headers()[[h.anchor for h in screen.lesson.headings].index("quiz")]
        assert quiz_heading.region.y - screen.view.region.y <= 3


async def test_web_link_is_shown_and_copied_never_opened(curriculum, tmp_path):
    url = "https://example.org/lstm?x=1"
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        screen = await settle(app, pilot)
        await click_link(screen, url)
        await pilot.pause()
        assert isinstance(app.screen, WebLinkScreen)
        assert str(app.screen.query_one("#web-link-url", Static).render()) == url
        await pilot.press("c")
        assert app.clipboard == url
        await pilot.press("escape")
        assert app.screen is screen
        app.open_url("https://example.org/other")  # Textual's own route to a browser is closed too
        await pilot.pause()
        assert isinstance(app.screen, WebLinkScreen)


async def test_broken_link_is_a_notice(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        screen = await settle(app, pilot)
        await click_link(screen, "99-nowhere.md")
        await pilot.pause()
        assert screen.lesson is curriculum.get(1)
        assert any("names no lesson" in message for message in notifications(app))


# --- lazy mounting ----------------------------------------------------------------------------------
def top_level_blocks(text: str) -> list[str]:
    return [t.type for t in MarkdownIt("commonmark").enable("table").parse(text) if t.level == 0 and t.nesting >= 0]


def test_chunks_keep_the_text_and_its_blocks(curriculum):
    for lesson in curriculum:
        for segment in (s for s in lesson.segments if isinstance(s, str)):
            chunks = markdown_chunks(segment)
            assert "".join(chunks) == segment, lesson.name
            # a cut inside a list, fence or table would change the blocks (a list cut in two is two lists)
            assert [b for chunk in chunks for b in top_level_blocks(chunk)] == top_level_blocks(segment), lesson.name
            assert all(not line.startswith("## ") for chunk in chunks for line in chunk.splitlines()[1:])
        assert sum(len(markdown_chunks(s)) for s in lesson.segments if isinstance(s, str)) > 3, lesson.name


def code_shown(fence: CodeFence) -> str:
    """What a code block shows, spaces left out: all of its code when nothing is cut off."""
    rows = fence.query_one(".code-rows")
    strips = rows.render_lines(Region(0, 0, *fence.size))  # the block's room: wider rows would be cut
    return "".join("".join(strip.text.split()) for strip in strips)


@pytest.mark.parametrize("size", [NARROW, WIDE])
async def test_every_block_of_every_lesson_mounts(curriculum, tmp_path, size):
    """Each lesson opens with part of its page pending and ends with all of it, in order; the first
    screen's size estimate never exceeds what a block really takes (so the first screen is full);
    every code block shows all of its code (lines wrap: at 120 columns a lesson has 50 for code)."""
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=size) as pilot:
        screen = await settle(app, pilot)
        view = screen.view
        for lesson in [*curriculum.lessons[1:], curriculum.lessons[0]]:
            await screen.open_lesson(lesson)
            assert view.page.lesson is lesson and view.page.pending, lesson.name  # the rest comes later
            await settle(app, pilot)
            page = view.page
            assert not page.pending
            texts = [child.text for child in page.children if isinstance(child, LessonText)]
            assert "".join(texts) == "".join(s for s in lesson.segments if isinstance(s, str))
            assert [str(h._content) for h in view.headers()] == [h.title for h in lesson.headings]
            assert [card.item for card in page.query(TryItCard)] == list(lesson.tries)
            assert [q.question for q in page.query(QuestionView)] == list(lesson.questions)
            width = view.size.width - TEXT_INSET
            for text in page.query(LessonText):
                assert estimated_rows(text.text, width) <= text.outer_size.height, (lesson.name, text.text[:40])
            for fence in page.query(CodeFence):
                assert code_shown(fence) == "".join(fence.code.split()), (lesson.name, size, fence.code[:40])
        assert len(view.query(LessonPage)) == CACHED_PAGES  # older pages were dropped
        assert [p.lesson for p in view.query(LessonPage) if p.display] == [curriculum.lessons[0]]


@pytest.mark.parametrize("size", [NARROW, WIDE])
async def test_jump_to_a_heading_not_mounted_yet(curriculum, tmp_path, size):
    lesson, anchor = curriculum.get(9), "parameter-counts-side-by-side"
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=size) as pilot:
        screen = await settle(app, pilot)
        view = screen.view
        await screen.open_lesson(lesson)
        index = [h.anchor for h in lesson.headings].index(anchor)
        assert len(view.headers()) < index  # the heading is not on the page yet
        assert await view.scroll_to_heading(anchor)
        heading = view.headers()[index]
        await settle(app, pilot)
        assert not view.page.pending
        assert "Parameter counts" in str(heading._content) and view.scroll_y > 0
        assert 0 <= heading.region.y - view.region.y <= 3  # at the top (after its margin)


async def test_going_back_shows_the_page_as_it_was_left(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        screen = await settle(app, pilot)
        first_page = screen.view.page
        question = first_page.query(QuestionView).first()
        question.query(ChoiceItem).first().focus()
        await pilot.press("enter")
        screen.view.focus()
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert screen.lesson.number == 2 and not first_page.display
        await pilot.press("ctrl+b")
        await settle(app, pilot)
        assert screen.view.page is first_page and first_page.display  # the same widgets, not rebuilt
        assert screen.view.scroll_y == 0
        assert question.query_one(".quiz-feedback", Static).display  # the answer given is still shown


# --- navigation and layouts -------------------------------------------------------------------------
async def test_next_and_previous(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        screen = await settle(app, pilot)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert screen.lesson.number == 2
        assert screen.panel.session.setup.cell == curriculum.get(2).setup.cell
        await pilot.press("ctrl+b", "ctrl+b")
        await settle(app, pilot)
        assert screen.lesson.number == 1
        assert any("first lesson" in message for message in notifications(app))
    saved = Progress.load(tmp_path / "progress.json")
    assert saved.read == set() and saved.last_lesson == curriculum.get(1).slug  # opened, not read


async def test_contents_lists_lessons_and_headings(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        screen = await settle(app, pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        lessons = screen.query_one("#lesson-list", OptionList)
        assert app.focused is lessons and lessons.option_count == len(curriculum)
        toc = screen.query_one("#lesson-toc", OptionList)
        assert [str(toc.get_option_at_index(i).prompt).strip() for i in range(toc.option_count)] == [
            heading.title for heading in curriculum.get(1).table_of_contents()
        ]
        await pilot.press("down", "down", "enter")
        await settle(app, pilot)
        assert screen.lesson.number == 3


async def test_sidebar_links_are_in_sight_at_80x24_and_named_by_where_they_lead(curriculum, tmp_path):
    lesson = curriculum.get(6)
    app = lesson_app(curriculum, tmp_path, lesson=6)
    async with app.run_test(size=NARROW) as pilot:
        screen = await settle(app, pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        links = screen.query_one("#lesson-links", OptionList)
        names = [str(links.get_option_at_index(i).prompt) for i in range(links.option_count)]
        targets = list(dict.fromkeys(link.target for link in lesson.links))
        assert [links.get_option_at_index(i).id for i in range(links.option_count)] == targets
        assert not any(".md" in name or "://" in name for name in names), names
        assert "2 The cell state › Why addition helps" in names
        footer = screen.query_one(KeyFooter)
        assert links.region.height >= min(len(names), 3) and links.region.bottom <= footer.region.y
        links.focus()
        links.highlighted = names.index("2 The cell state › Why addition helps")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.lesson.number == 2


def footer_text(screen) -> str:
    return "  ".join(str(line) for line in screen.query_one(KeyFooter).query_one(FooterLines).lines)


async def test_links_in_the_text_are_followed_by_keyboard(curriculum, tmp_path):
    """Ctrl+K steps through the links on screen (shown reversed), Enter follows the one it is on."""
    app = lesson_app(curriculum, tmp_path, lesson=6)
    async with app.run_test(size=WIDE) as pilot:
        screen = await settle(app, pilot)
        view = screen.view
        footer = footer_text(screen)
        assert "^k/⏎ link" in footer
        for _ in range(200):  # down to where two links are on screen
            if len(links_on_screen(view)) >= 2:
                break
            await pilot.press("down")
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
        first, second = links_on_screen(view)[:2]
        await pilot.press("ctrl+k")
        assert view.link == first
        assert any(
            (span.start, span.end, str(span.style)) == (first.start, first.end, "reverse")
            for span in first.block.render().spans
        )
        assert footer_text(screen) == footer  # the footer keeps its rows: the page does not move
        await pilot.press("ctrl+k")
        assert view.link == second and "reverse" not in [str(span.style) for span in first.block.render().spans]
        await pilot.press("escape")
        assert view.link is None
        await pilot.press("enter")  # with no link picked, Enter picks the first on screen
        assert view.link == first
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.lesson is curriculum.resolve_link(curriculum.get(6), first.href).lesson is not curriculum.get(6)
        await pilot.press("f1")
        assert ("^k", "next link") in app.screen.rows or ("ctrl+k", "next link") in app.screen.rows


async def test_narrow_layout_keeps_the_panel_one_key_away(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        screen = await settle(app, pilot)
        panel, view = screen.query_one("#lesson-panel"), screen.view
        assert not panel.display and view.display and view.region.width == NARROW[0]
        assert "ctrl+g" in app.active_bindings  # shown in the footer
        assert "f2" not in app.active_bindings  # the panel's keys wait for the panel
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert panel.display and not view.display
        assert app.focused is screen.query_one("#text", Input)
        assert "f2" in app.active_bindings
        before = screen.panel.session.text
        await pilot.press("n", "b", "o", "g", "q")  # letters are text, never lesson keys
        await pilot.pause()
        assert screen.panel.session.text == before + "nbogq" and screen.lesson.number == 1
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert not panel.display and app.focused is view


async def test_back_from_a_try_it_the_focus_is_on_it_and_tab_goes_on_to_the_next(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path)  # lesson 1: two try-its
    async with app.run_test(size=NARROW) as pilot:
        screen = await settle(app, pilot)
        first, second = screen.query(TryItCard)
        await pilot.press("tab")
        assert app.focused is first
        footer = footer_text(screen)
        assert "⏎/space try it" in footer and "link" not in footer  # Enter is the card's
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.panel.has_focus_within
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert app.focused is first
        await pilot.press("tab")
        assert app.focused is second


async def test_wide_layout_shows_lesson_and_panel_side_by_side(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        screen = await settle(app, pilot)
        panel, view = screen.query_one("#lesson-panel"), screen.view
        assert panel.display and view.display
        assert view.region.right <= panel.region.x and panel.region.width >= 50
        assert app.focused is view
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert app.focused is screen.query_one("#text", Input)
        await pilot.press("f2")  # the explorer's key now acts: the bars go away
        await pilot.pause()
        assert "gates" not in screen.panel.views_shown


async def test_tiny_terminal_does_not_crash(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=(40, 12)) as pilot:
        screen = await settle(app, pilot)
        for key in ("ctrl+o", "ctrl+o", "ctrl+g", "x", "ctrl+g", "ctrl+n", "f1", "escape"):
            await pilot.press(key)
            await settle(app, pilot)
        assert screen.lesson.number == 2


async def test_help_lists_lesson_keys(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(str(static.render()) for static in app.screen.query(Static))
        for description in ("next", "previous", "lessons & contents", "panel ⇄ lesson", "gradient lab", "bars"):
            assert description in text


async def test_palette_reaches_lesson_actions(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        screen = await settle(app, pilot)
        titles = [command.title for command in app.get_system_commands(screen)]
        assert "Lesson: next" in titles and "Lessons & contents" in titles
        command = next(c for c in app.get_system_commands(screen) if c.title == "Lesson: next")
        command.callback()
        await settle(app, pilot)
        assert screen.lesson.number == 2


# --- the gradient lab ------------------------------------------------------------------------------
async def test_gradients_try_it_opens_the_lab_and_f12_returns(curriculum, tmp_path):
    app = lesson_app(curriculum, tmp_path, lesson=10)
    async with app.run_test(size=WIDE) as pilot:
        screen = await settle(app, pilot)
        card = next(card for card in screen.query(TryItCard) if card.item.setup.view == "gradients")
        card.focus()
        await pilot.press("enter")
        await pilot.pause()
        lab = app.screen
        assert isinstance(lab, GradientLabScreen) and app.current_mode == "gradients"
        assert lab.lab.settings.cells == ("rnn", "lstm", "gru")
        assert lab.lab.settings.text == card.item.setup.text
        await app.workers.wait_for_complete()
        await pilot.pause()
        readouts = str(lab.query_one("#gradient-readouts", Static).render())
        # what the lesson's try-it says about these very settings
        assert "↓1e-6 at d=24" in next(line for line in readouts.splitlines() if line.startswith("rnn"))
        assert "×0.57" in readouts and "×0.8" in readouts
        await pilot.press("f12")
        await pilot.pause()
        assert app.screen is screen and app.current_mode == "lessons"


async def test_f12_from_the_explorer_carries_the_panel_text(tmp_path):
    app = LstmApp()
    async with app.run_test(size=NARROW) as pilot:
        await pilot.press(*"abcab")
        await pilot.press("f12")
        await pilot.pause()
        assert isinstance(app.screen, GradientLabScreen)
        assert app.screen.lab.text == "abcab"
        await pilot.press("f12")
        await pilot.pause()
        assert app.current_mode == "explore"
        await pilot.press("x", "f12")
        await pilot.pause()
        assert app.screen.lab.text == "abcabx"


# --- progress problems ------------------------------------------------------------------------------
async def test_corrupt_progress_is_reported_once_and_replaced(curriculum, tmp_path):
    path = tmp_path / "progress.json"
    path.write_text("{not json")
    app = LstmApp(mode="lessons", curriculum=curriculum, progress=Progress.load(path), lesson=1)
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert sum("corrupt" in message for message in notifications(app)) == 1
    assert json.loads(path.read_text())["last_lesson"] == curriculum.get(2).slug


async def test_unwritable_home_works_without_saving(curriculum, tmp_path):
    blocker = tmp_path / "home"
    blocker.write_text("a file where the data folder should be")  # fails for root too, unlike chmod
    path = blocker / "lstm-tui" / "progress.json"
    app = LstmApp(mode="lessons", curriculum=curriculum, progress=Progress.load(path), lesson=1)
    async with app.run_test(size=NARROW) as pilot:
        screen = await settle(app, pilot)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert screen.lesson.number == 2 and app.progress.last_lesson == curriculum.get(2).slug
        assert sum("cannot save" in message for message in notifications(app)) == 1
    assert blocker.is_file()


# --- snapshots ----------------------------------------------------------------------------------------
def open_then(*keys, try_it: bool = False):
    """Wait for the page, optionally run the first try-it, type, then let every redraw settle."""

    async def run_before(pilot):
        app = pilot.app
        await settle(app, pilot)
        if try_it:
            app.screen.query(TryItCard).first().focus()
            await pilot.press("enter")
        await pilot.press(*keys)
        await settle(app, pilot)
        for _ in range(3):
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [NARROW, WIDE])
def test_snapshot_lesson_opened(snap_compare, curriculum, tmp_path, size):
    app = lesson_app(curriculum, tmp_path, lesson=3)
    assert snap_compare(app, run_before=open_then(), terminal_size=size)


@pytest.mark.parametrize("size", [NARROW, WIDE])
def test_snapshot_after_try_it_and_typing(snap_compare, curriculum, tmp_path, size):
    app = lesson_app(curriculum, tmp_path, lesson=3)
    assert snap_compare(app, run_before=open_then(*"q? ab", try_it=True), terminal_size=size)


@pytest.mark.parametrize("size", [NARROW, WIDE])
def test_snapshot_worked_example_wraps_instead_of_being_cut(snap_compare, curriculum, tmp_path, size):
    """Lesson 6's worked example is up to 64 columns; beside the panel the lesson has 50 for code."""

    async def run_before(pilot):
        await settle(pilot.app, pilot)
        assert await pilot.app.screen.view.scroll_to_heading("the-numbers")
        await open_then()(pilot)

    app = lesson_app(curriculum, tmp_path, lesson=6)
    assert snap_compare(app, run_before=run_before, terminal_size=size)


async def test_a_lesson_opened_before_the_last_one_finished_opening_never_shows(curriculum, tmp_path):
    """An opening cancelled by the next (keys pressed faster than lessons open) leaves page, panel and
    list on the lesson opened last, whatever point the cancelled one had reached."""
    app = lesson_app(curriculum, tmp_path, lesson=6)
    async with app.run_test(size=WIDE) as pilot:
        screen = await settle(app, pilot)
        for ticks in range(0, 40, 2):
            cancelled, last = curriculum.get(1 + ticks % 5), curriculum.get(12 + ticks % 5)
            screen.navigate(cancelled)
            for _ in range(ticks):
                await asyncio.sleep(0)
            screen.navigate(last)
            await settle(app, pilot)
            shown = [page.lesson.number for page in screen.query(LessonPage) if page.display]
            assert shown == [last.number] and screen.lesson is last and screen.view.lesson is last, ticks
            assert screen.panel.session.text == last.setup.text
            assert screen.query_one("#lesson-list", OptionList).highlighted == last.number - 1
