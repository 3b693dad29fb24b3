"""The panel's attribution line (shift+F4) and the key that shows another cell of a stack (shift+F6)."""

import numpy as np

from lstm_tui.app import LstmApp
from lstm_tui.model import CharModel
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.widgets.attribution import ASCII_BARS, BARS, AttributionLine, bar_glyph
from lstm_tui.widgets.heat import KEY_WIDTH
from lstm_tui.widgets.status import StatusLine


def stacked_app(bidirectional: bool) -> LstmApp:
    model = CharModel.random("lstm", 8, seed=3, output_layer=True, num_layers=2, bidirectional=bidirectional)
    return LstmApp(PanelSetup(cell="lstm", label="a test stack"), model=model)


async def started(pilot):
    panel = pilot.app.screen.panel
    await panel.wait_until_ready()
    return panel


def test_a_bar_grows_with_its_share_and_zero_stays_blank():
    glyphs = [bar_glyph(share) for share in (0.0, 1e-9, 0.2, 0.5, 0.8, 1.0)]
    assert glyphs[0] == " " and glyphs[1] == BARS[0] and glyphs[-1] == BARS[-1]
    heights = [BARS.index(glyph) for glyph in glyphs[1:]]
    assert heights == sorted(heights) and len(set(heights)) == 5
    assert bar_glyph(1.0, ASCII_BARS) == "@" and bar_glyph(0.0, ASCII_BARS) == " "


async def test_the_attribution_line_draws_each_characters_share_in_the_heat_lines_columns():
    app = LstmApp(PanelSetup(hidden=8, seed=1, text="(ab(c)d"))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await started(pilot)
        line_widget = panel.query_one(AttributionLine)
        assert not line_widget.display  # off until asked for: a backward pass per key
        await pilot.press("shift+f4", "alt+left", "alt+left")
        await pilot.pause()
        assert line_widget.display
        session = panel.session
        attribution = session.attribution()
        assert attribution.step == 4
        line = line_widget.lines[0].plain
        bars = line[1 : 1 + session.length]  # one column per character, as the heat line
        largest = int(np.argmax(attribution.norms))
        assert bars[largest] == "█"
        assert bars[5:] == "  "  # a forward model's prediction at step 5 cannot depend on later characters
        assert all(bar in BARS for bar in bars[:5])
        heights = [BARS.index(bar) for bar in bars[:5]]
        order = np.argsort(attribution.norms[:5], kind="stable")
        assert [heights[i] for i in order] == sorted(heights)  # taller bars for larger norms
        char = session.model.vocab.chars[attribution.target]
        assert f"∂log p({'␠' if char == ' ' else char})" in line[-KEY_WIDTH:]
        assert f"█={attribution.norms.max():.2g}" in line[-KEY_WIDTH:]
        await pilot.press("shift+f4")
        await pilot.pause()
        assert not line_widget.display


async def test_the_shown_layer_key_steps_through_a_bidirectional_stack_and_the_status_names_it():
    async with stacked_app(bidirectional=True).run_test(size=(100, 30)) as pilot:
        panel = await started(pilot)
        await pilot.press(*"((x)")
        await pilot.pause()
        status = panel.query_one(StatusLine)
        assert "layer 2 of 2, forward" in status.lines[0].plain
        seen = []
        for _ in range(4):
            await pilot.press("shift+f6")
            await pilot.pause()
            seen.append((panel.session.layer, panel.session.direction))
            assert panel.session.shown_cell_label in status.lines[0].plain
        assert seen == [(1, 1), (0, 0), (0, 1), (1, 0)]
        footer_keys = {binding.id for _, binding, _ in app_bindings(pilot.app)}
        assert "panel.shown-cell" in footer_keys


def app_bindings(app):
    from lstm_tui.widgets.key_footer import bindings_here

    return [entry for entry in bindings_here(app.screen) if entry[2]]


async def test_a_one_cell_model_has_no_shown_layer_key():
    app = LstmApp(PanelSetup(hidden=8, seed=0, text="ab"))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await started(pilot)
        assert "panel.shown-cell" not in {binding.id for _, binding, _ in app_bindings(app)}
        await pilot.press("shift+f6")
        await pilot.pause()
        assert (panel.session.layer, panel.session.direction) == (0, 0)
        assert "layer" not in panel.query_one(StatusLine).lines[0].plain
