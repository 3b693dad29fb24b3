"""The panel's input: text given on the command line kept, Enter and pasted line breaks as ``\\n``, undo and
redo (clearing the text included), and the shipped counting model used across lines."""

import pytest
from textual import events

from lstm_tui.app import LstmApp
from lstm_tui.cli import build_parser
from lstm_tui.commands.explore import setup_from
from lstm_tui.limits import UNDO_CHARS, UNDO_STEPS, UNDO_WORD
from lstm_tui.widgets.predictions import Predictions
from lstm_tui.widgets.text_input import EditHistory, TextInput, one_newline


def explore(*argv: str) -> LstmApp:
    args = build_parser().parse_args(["explore", *argv])
    setup, model = setup_from(args)
    return LstmApp(setup, window=args.window, model=model)


async def started(app, pilot) -> TextInput:
    await app.screen.panel.wait_until_ready()
    await pilot.pause()
    return app.screen.panel.input


async def test_text_from_the_command_line_is_kept_and_typing_goes_after_it():
    app = explore("--hidden", "8", "--text", "hello")
    async with app.run_test(size=(80, 24)) as pilot:
        text_input = await started(app, pilot)
        assert text_input.has_focus
        assert text_input.selection.is_empty and text_input.cursor_position == 5
        await pilot.press(*" you")
        await pilot.pause()
        assert text_input.value == app.screen.panel.session.text == "hello you"


async def test_enter_types_a_line_break_the_model_reads_and_the_input_shows_as_a_return_arrow():
    app = explore("--hidden", "8", "--text", "ab")
    async with app.run_test(size=(80, 24)) as pilot:
        text_input = await started(app, pilot)
        await pilot.press("enter", "c")
        await pilot.pause()
        assert text_input.value == app.screen.panel.session.text == "ab\nc"
        assert text_input.render_line(0).text.startswith("ab↵c")
        assert type(app.screen).__name__ == "ExplorerScreen"  # Enter submitted nothing, opened nothing


async def test_line_breaks_and_undo_in_a_burst_act_in_turn_with_the_characters_around_them():
    """A terminal delivers keys typed fast (or a slow link's keys) in one read: Enter and ctrl+z must act
    where they were typed, not after the characters queued behind them."""
    app = explore("--hidden", "8")
    async with app.run_test(size=(80, 24)) as pilot:
        text_input = await started(app, pilot)
        burst = [("a", "a"), ("b", "b"), ("enter", "\r"), ("c", "c"), ("d", "d"), ("enter", "\r")]
        burst += [("e", "e"), ("f", "f"), ("ctrl+z", "\x1a"), ("g", "g")]
        for key, character in burst:
            text_input.post_message(events.Key(key, character))
        await pilot.pause()
        assert text_input.value == app.screen.panel.session.text == "ab\ncd\ng"


@pytest.mark.parametrize("pasted", ["x\r\ny\rz\n", "x\ny\nz\n"])
async def test_a_pasted_cr_or_crlf_becomes_a_newline(pasted):
    app = explore("--hidden", "8")
    async with app.run_test(size=(80, 24)) as pilot:
        text_input = await started(app, pilot)
        text_input.post_message(events.Paste(pasted))
        await pilot.pause()
        assert text_input.value == app.screen.panel.session.text == "x\ny\nz\n"


async def test_undo_and_redo_take_back_words_pastes_and_clearing():
    app = explore("--hidden", "8", "--text", "start ")
    async with app.run_test(size=(80, 24)) as pilot:
        text_input = await started(app, pilot)
        panel = app.screen.panel
        await pilot.press(*"one two")
        text_input.post_message(events.Paste("PASTE"))
        await pilot.press("backspace")
        await pilot.pause()
        assert text_input.value == "start one twoPAST"
        expected = ["start one twoPASTE", "start one two", "start one ", "start ", "start "]
        for value in expected:
            await pilot.press("ctrl+z")
            await pilot.pause()
            assert text_input.value == panel.session.text == value
        await pilot.press("ctrl+y", "ctrl+y")
        await pilot.pause()
        assert text_input.value == panel.session.text == "start one two"
        assert text_input.cursor_position == len("start one two")
        await pilot.press("ctrl+r")  # clear the text: one step back brings it again
        await pilot.pause()
        assert text_input.value == panel.session.text == ""
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert text_input.value == panel.session.text == "start one two"
        await pilot.press("x", "ctrl+y")  # a new edit drops what was undone
        await pilot.pause()
        assert text_input.value == "start one twox"


async def test_the_counting_model_reads_lines_typed_with_enter():
    """The shipped counting model's task is newline-separated lines aⁿ:bⁿ: typed with Enter, the model
    sees the line breaks and, once the line's b's match its a's, expects the line to end."""
    app = explore("--model", "counting")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        for line in ("aaaa:bbbb", "aa:bb"):
            await pilot.press(*line, "enter")
        await pilot.press(*"aaa:bb")
        await pilot.pause()
        session = app.screen.panel.session
        assert session.text == "aaaa:bbbb\naa:bb\naaa:bb" and session.out_of_vocabulary == 0
        await pilot.press("b")
        await pilot.pause()
        (best, probability), *_ = session.predictions()
        assert best == "\n" and probability > 0.9
        assert app.screen.query_one(Predictions).lines[1].plain.split()[0] == "↵"


def test_one_newline_turns_every_line_break_into_lf():
    assert one_newline("a\r\nb\rc\nd\r\r\n") == "a\nb\nc\nd\n\n"


def test_a_run_without_spaces_is_cut_into_steps_of_at_most_undo_word_characters():
    history = EditHistory()
    for position in range(UNDO_WORD + 1):
        history.record(position, "", "x")
    assert history.undo().inserted == "x"
    assert history.undo().inserted == "x" * UNDO_WORD
    assert history.undo() is None


def test_the_history_keeps_at_most_undo_steps_and_undo_chars():
    history = EditHistory()
    for position in range(UNDO_STEPS + 5):
        history.record(position, "", "pasted")  # a paste: one step each
    undone = 0
    while history.undo() is not None:
        undone += 1
    assert undone == UNDO_STEPS
    large = "x" * (UNDO_CHARS // 2 + 1)
    history = EditHistory()
    for position in range(3):
        history.record(position, "", large)
    steps = 0
    while history.undo() is not None:
        steps += 1
    assert steps == 1  # two would hold more than UNDO_CHARS; the last edit is always kept
