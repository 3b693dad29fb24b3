"""Insert in the panel: the model writes a continuation, seeded, marked in the input as the model's."""

from __future__ import annotations

import numpy as np

from lstm_tui.app import LstmApp
from lstm_tui.limits import PANEL_CONTINUATION_CHARS
from lstm_tui.model import CharModel
from lstm_tui.model.sampling import SamplingSettings, sample
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.session import Session
from lstm_tui.widgets.text_input import MODEL_TEXT_STYLE

PRIME = "The "


def underlined_cells(text_input) -> list[bool]:
    """For each character the input shows, whether it is drawn in the model's style (underlined)."""
    marks = []
    for segment in text_input.render_line(0):
        marks += [bool(segment.style and segment.style.underline)] * len(segment.text)
    return marks[: len(text_input.value)]


async def test_the_model_writes_a_seeded_continuation_marked_as_its_own():
    app = LstmApp(PanelSetup(model="text", text=PRIME))
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.screen.panel
        await panel.wait_until_ready()
        await pilot.press("insert")
        await pilot.pause()
        first = sample(panel.session.model, PRIME, PANEL_CONTINUATION_CHARS, SamplingSettings(seed=0)).text
        assert len(first) == PANEL_CONTINUATION_CHARS
        assert panel.input.value == panel.session.text == PRIME + first
        assert panel.input.model_spans == ((len(PRIME), len(PRIME) + len(first)),)
        assert underlined_cells(panel.input)[: len(PRIME) + len(first)] == [False] * len(PRIME) + [True] * len(first)

        # typed after it: not the model's; the next continuation has the next seed
        await pilot.press("end", "x")
        typed = PRIME + first + "x"
        await pilot.press("insert")
        await pilot.pause()
        second = sample(panel.session.model, typed, PANEL_CONTINUATION_CHARS, SamplingSettings(seed=1)).text
        assert panel.input.value == typed + second
        assert panel.input.model_spans == ((4, 4 + len(first)), (len(typed), len(typed) + len(second)))

        # typed before it: the marks move with the model's characters
        await pilot.press("home", "A")
        await pilot.pause()
        assert panel.input.model_spans == ((5, 5 + len(first)), (len(typed) + 1, len(typed) + 1 + len(second)))
        marks = underlined_cells(panel.input)
        assert [char for char, mark in zip(panel.input.value, marks) if mark] == list(first + second)[: sum(marks)]

        # the views read it like typed text: the same states as a session given that text
        fresh = Session(PanelSetup(model="text"), window=panel.session.window)
        fresh.set_text(panel.input.value)
        for name in panel.session.trace_names:
            np.testing.assert_array_equal(panel.session.trace(name), fresh.trace(name))

        await pilot.press("ctrl+r")
        assert panel.input.model_spans == ()


async def test_a_model_without_an_output_layer_says_why_it_cannot_write():
    app = LstmApp(PanelSetup(hidden=8, text="ab"))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.screen.panel
        await panel.wait_until_ready()
        panel.show_model(PanelSetup(hidden=8, label="no output"), CharModel.random("lstm", 8, 0))
        await pilot.press("insert")
        await pilot.pause()
        assert panel.input.value == "ab" and panel.input.model_spans == ()
        assert any("no output layer" in notice.message for notice in app._notifications)


def test_the_style_is_not_colour_alone():
    assert MODEL_TEXT_STYLE.underline and MODEL_TEXT_STYLE.color is None


async def test_f1_and_the_palette_list_the_key():
    from lstm_tui.screens.help import help_sections

    app = LstmApp(PanelSetup(hidden=8))
    async with app.run_test(size=(80, 24)):
        await app.screen.panel.wait_until_ready()
        rows = [row for _, section in help_sections(app.screen) for row in section]
        titles = [command.title for command in app.get_system_commands(app.screen)]
    assert any("model writes" in str(row) for row in rows) and "Model writes" in titles
    assert any("save screen" in str(row) for row in rows) and "Save screen" in titles
