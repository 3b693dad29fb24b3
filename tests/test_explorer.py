"""The explorer screen through Textual's Pilot: what it shows equals the session's model trace."""

import asyncio
import re
import string

import pytest
from textual import events
from textual.widgets import Input

from lstm_tui.app import LstmApp
from lstm_tui.display import format_number
from lstm_tui.model import CELLS
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.screens.explorer import ExplorerScreen
from lstm_tui.widgets.bars import BarsCaption, UnitBars, UnitLabels
from lstm_tui.widgets.equation import EquationView
from lstm_tui.widgets.explorer_panel import ExplorerPanel
from lstm_tui.widgets.heat import HeatLine
from lstm_tui.widgets.predictions import Predictions

NUMBER = re.compile(r"−?\d\.\d\d")


def app_for(**setup) -> LstmApp:
    return LstmApp(PanelSetup(**{"hidden": 8, **setup}))


def shown_text(widget) -> list[str]:
    return [line.plain for line in widget.lines]


async def type_text(pilot, text: str) -> None:
    for char in text:
        await pilot.press(char)
    await pilot.pause()


async def test_the_panel_starts_after_the_first_frame_and_keeps_keys_typed_meanwhile(monkeypatch):
    app = app_for(hidden=8)
    async with app.run_test(size=(80, 24)) as pilot:
        monkeypatch.setattr(app, "is_started", lambda: False)  # hold the start: the keys come first
        screen = ExplorerScreen(PanelSetup(hidden=8, seed=3))
        await app.push_screen(screen)
        await pilot.press(*"q?")
        await pilot.pause()
        # on screen, keys typed: no session yet, the panel's keys wait, the status line says so
        assert screen.panel.session is None and not screen.panel.ready
        assert screen.query_one(Input).value == "q?"
        assert screen.panel.check_action("scrub", (1,)) is None
        assert "loading the model" in shown_text(screen.query_one("#status"))[0]
        await screen.panel.start()
        assert screen.panel.ready and screen.panel.session.text == "q?"
        assert screen.panel.check_action("scrub", (1,)) is True
        assert shown_text(screen.query_one("#status"))[0].startswith("step 2/2")


async def test_quitting_while_the_panel_starts_is_clean():
    app = app_for(hidden=8)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await screen.panel.wait_until_ready()
        fresh = ExplorerScreen(PanelSetup(hidden=8, seed=3))
        await app.push_screen(fresh)
        starting = asyncio.create_task(fresh.panel.start())
        app.exit()
        await starting
        await pilot.pause()
    assert app.crash is None


async def test_the_gradient_lab_gets_the_text_typed_before_the_panel_started(monkeypatch):
    app = app_for(hidden=8)
    async with app.run_test(size=(100, 30)) as pilot:
        monkeypatch.setattr(app, "is_started", lambda: False)
        await app.push_screen(ExplorerScreen(PanelSetup(hidden=8)))
        await pilot.press(*"abc")
        await pilot.press("f12")
        await pilot.pause()
        assert type(app.screen).__name__ == "GradientLabScreen"
        assert app.screen.lab.text == "abc"


async def test_bars_show_the_trace_values_of_the_last_step():
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "hello")
        session = app.screen.panel.session
        assert session.text == "hello"
        step = session.step_trace()
        units = [int(label[:3]) for label in shown_text(app.screen.query_one(UnitLabels))[1:]]
        gates = shown_text(app.screen.query_one("#gate-bars", UnitBars))[1:]
        states = shown_text(app.screen.query_one("#state-bars", UnitBars))[1:]
        assert units and len(gates) == len(states) == len(units)
        for unit, gate_row, state_row in zip(units, gates, states):
            assert NUMBER.findall(gate_row) == [format_number(float(step[name][unit])) for name in session.gate_names]
            assert NUMBER.findall(state_row) == [format_number(float(step[name][unit])) for name in session.state_names]


async def test_equation_view_shows_the_sessions_lines():
    app = app_for(view="equation")
    async with app.run_test(size=(100, 40)) as pilot:
        await type_text(pilot, "abc")
        lines = shown_text(app.screen.query_one(EquationView))
        session = app.screen.panel.session
        assert lines[1:] == [line.display for line in session.equation_lines()]
        c = float(session.step_trace()["c"][session.selected_unit])
        assert any(line.startswith("c = f ⊙ c₋₁ + i ⊙ g") and line.endswith(format_number(c)) for line in lines)


async def test_scrubbing_moves_every_view_to_that_step():
    app = app_for(view="equation")
    async with app.run_test(size=(100, 40)) as pilot:
        await type_text(pilot, "abcdef")
        await pilot.press("alt+left", "alt+left")
        await pilot.pause()
        session = app.screen.panel.session
        assert session.step_index == 3
        assert "step 4, 'd'" in shown_text(app.screen.query_one(EquationView))[0]
        heat = shown_text(app.screen.query_one(HeatLine))[0]
        assert "abcdef" in heat
        await pilot.press("escape")
        await pilot.pause()
        assert session.step_index == 5
        await pilot.press("down", "down")
        assert session.selected_unit == 2


async def test_predictions_are_the_models_top_five():
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "ab")
        lines = shown_text(app.screen.query_one(Predictions))[1:]
        expected = app.screen.panel.session.predictions(5)
        assert [line.split()[0] for line in lines] == [char for char, _ in expected]
        assert [line.split()[1] for line in lines] == [f"{p * 100:.1f}%" for _, p in expected]


async def test_switching_cell_and_model_keeps_the_text():
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "keep")
        session = app.screen.panel.session
        await pilot.press("f7")
        await pilot.pause()
        assert session.model.name == list(CELLS)[2] and session.text == "keep"
        before = session.trace("h").copy()
        await pilot.press("f8")
        await pilot.pause()
        assert session.setup.seed == 1 and session.text == "keep"
        assert (session.trace("h") != before).any()
        await pilot.press("shift+f8")
        await pilot.pause()
        assert session.hidden_size == 16
        assert app.screen.query_one(Input).value == "keep"


async def test_forget_bias_keys_change_the_forget_gate():
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "abc")
        session = app.screen.panel.session
        f_before = session.trace("f").copy()
        await pilot.press("f10", "f10")
        await pilot.pause()
        assert session.forget_bias_offset == 1.0
        assert (session.trace("f") > f_before).all()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert session.text == "" and app.screen.query_one(Input).value == ""


async def test_every_printable_character_reaches_the_input():
    typed = "".join(char for char in string.printable if char not in "\n\r\t\x0b\x0c")
    typed += "éß漢字ñ"
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        for char in typed:
            await pilot.press(char)
        # Pilot cannot press an astral-plane character as a key; a terminal delivers it, or a paste does.
        app.screen.query_one(Input).post_message(events.Paste("😀"))
        await pilot.pause()
        typed += "😀"
        assert app.screen.query_one(Input).value == typed
        assert app.screen.panel.session.text == typed
        assert type(app.screen).__name__ == "ExplorerScreen"  # no key opened another screen


async def test_a_burst_of_keys_keeps_one_copy_of_the_text(monkeypatch):
    """The input posts no Changed message: each would hold its own copy of the whole text while a burst
    of keys is queued ahead of it (k keys, k copies)."""
    changed = []
    monkeypatch.setattr(
        ExplorerPanel, "on_input_changed", lambda panel, event: changed.append(event.value), raising=False
    )
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.screen.panel.wait_until_ready()
        text_input = app.screen.query_one(Input)
        for char in "burst of keys":
            text_input.post_message(events.Key(char, char))
        await pilot.pause()
        assert text_input.value == app.screen.panel.session.text == "burst of keys"
    assert changed == []


async def test_the_input_pages_in_half_widths_and_repaints_only_changed_cells(monkeypatch):
    from textual.widget import Widget

    from lstm_tui.widgets.text_input import TextInput

    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.screen.panel.wait_until_ready()
        text_input = app.screen.query_one(TextInput)
        width = text_input.scrollable_content_region.width
        offsets = set()
        for index in range(width + 10):
            await pilot.press("abcdefghij"[index % 10])
            left = text_input.scroll_offset.x
            offsets.add(left)
            assert left <= text_input.cursor_position < left + width  # the cursor stays in view
        assert len(offsets) == 2  # one half-width jump, not one cell per key
        painted = []
        real_refresh = Widget.refresh
        monkeypatch.setattr(
            Widget,
            "refresh",
            lambda widget, *regions, **options: (
                (painted.extend(regions) if widget is text_input else None) or real_refresh(widget, *regions, **options)
            ),
        )
        await pilot.press("k")
        assert painted and all(region.width <= 2 for region in painted)  # the new character and the cursor
        assert text_input.render_line(0).text.rstrip().endswith("k")


async def test_control_wide_and_combining_characters_stay_aligned():
    text = "a\x07b漢😀e\u0301z"
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.query_one(Input).value = text
        await pilot.pause()
        heat = app.screen.query_one(HeatLine).lines[0]
        assert heat.plain[1:].startswith("a▪b▯▯e◌z ")  # one cell per character, then the scale's key
        assert heat.cell_len == app.screen.query_one(HeatLine).size.width
        assert app.screen.panel.session.out_of_vocabulary == 4


@pytest.mark.parametrize("size", [(40, 12), (80, 24), (120, 40)])
async def test_small_and_large_terminals_do_not_crash(size):
    app = app_for(view="heat")
    async with app.run_test(size=size) as pilot:
        await type_text(pilot, "resize me")
        for key in ("f3", "f5", "f6", "f2", "f4", "alt+left", "up"):
            await pilot.press(key)
        await pilot.resize_terminal(30, 10)
        await pilot.pause()
        assert app.screen.panel.session.text == "resize me"


async def test_help_lists_every_key():
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await app.screen.panel.wait_until_ready()  # started: a key that does nothing now reads "(not now)"
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        descriptions = [description.removesuffix(" (not now)") for _, description in app.screen.rows]
        assert all(binding.description in descriptions for binding in ExplorerPanel.BINDINGS)
        assert "layer shown (not now)" in [description for _, description in app.screen.rows]  # one cell
        assert "gradient lab" in descriptions and "train" in descriptions
        assert "back" not in descriptions  # F11/F12 lead back only from the training screen and the lab
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ExplorerScreen"


async def test_bar_rows_stay_while_typing_and_the_caption_says_what_they_are():
    app = app_for(hidden=32, text="some text to rank the units by")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.screen.panel.wait_until_ready()
        await pilot.pause()
        session = app.screen.panel.session
        labels = shown_text(app.screen.query_one(UnitLabels))[1:]
        caption = shown_text(app.screen.query_one(BarsCaption))[0]
        assert caption == f"{len(labels)} most active of 32 at step 30 · ctrl+f"
        await type_text(pilot, " (((( more ))))")
        assert shown_text(app.screen.query_one(UnitLabels))[1:] == labels  # the rows stay while typing
        await pilot.press("ctrl+f")  # until the learner asks
        await pilot.pause()
        assert session.ranked_over == len(session.text)
        units = [int(label[:3]) for label in shown_text(app.screen.query_one(UnitLabels))[1:]]
        assert units == session.shown_units(len(units))  # the most active (and the selected unit)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert shown_text(app.screen.query_one(BarsCaption))[0] == "units pinned with ctrl+t, of 32"


@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
async def test_every_bar_column_is_on_screen(size):
    """Narrow panels show the numbers without their bars rather than cut the c and h columns off."""
    app = app_for(text="the cat sat")
    async with app.run_test(size=size) as pilot:
        await app.screen.panel.wait_until_ready()
        await pilot.pause()
        shown = app.screen.query_one("#state-bars", UnitBars)
        assert shown.region.right <= app.screen.query_one("#bars").region.right
        header = shown_text(shown)[0]
        assert "c" in header and "h" in header
