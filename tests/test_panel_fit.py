"""The panel's lines fit an 80x24 terminal: the footer in two rows (the keys it leaves out are in F1), the
status line in 80 columns whatever the model is called, and the unit finder's notices one at a time."""

import pytest
from rich.text import Text

from lstm_tui.app import LstmApp
from lstm_tui.model import CharModel
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.screens.help import help_sections
from lstm_tui.widgets.explorer_panel import FINDER
from lstm_tui.widgets.key_footer import NEVER, FooterLines, fitted_lines
from lstm_tui.widgets.status import STATUS_WIDTH


def footer_lines(app) -> list[str]:
    return [line.plain for line in app.screen.query_one(FooterLines).lines]


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)])
@pytest.mark.parametrize("mode", ["explore", "lessons"])
async def test_the_footer_takes_at_most_two_rows_and_f1_lists_what_it_leaves_out(mode, size):
    app = LstmApp(PanelSetup(hidden=8, text="ab"), mode=mode, lesson=3)
    async with app.run_test(size=size) as pilot:
        panel = app.screen.panel
        await panel.wait_until_ready()
        panel.focus_input()
        await pilot.pause()
        await pilot.pause()
        lines = footer_lines(app)
        assert len(lines) <= 2 and all(len(line) <= size[0] for line in lines)
        footer = " ".join(lines)
        assert "F1 help" in footer and "⇧F2 models" in footer
        listed = {description for _, rows in help_sections(app.screen) for _, description in rows}
        for binding in panel.BINDINGS:
            # shown or not, F1 has every panel key (those that do nothing for this model marked so)
            assert {binding.description, f"{binding.description} (not now)"} & listed


def test_secondary_entries_go_lowest_rank_first_and_only_while_the_lines_are_too_many():
    entries = [("A", "a" * 30, NEVER), ("B", "b" * 30, 1), ("C", "c" * 30, 0), ("D", "d" * 30, NEVER)]
    entries.append(("E", "e" * 30, NEVER))
    assert len(fitted_lines(entries, 200)) == 1  # all fit: none goes
    lines = [line.plain for line in fitted_lines(entries, 70)]  # two entries a line: C goes, B stays
    assert lines == ["A " + "a" * 30 + "  B " + "b" * 30, "D " + "d" * 30 + "  E " + "e" * 30]
    assert [line.plain[0] for line in fitted_lines(entries, 40)] == ["A", "D", "E"]  # both go; still 3
    assert len(fitted_lines([("A", "a" * 40, NEVER)] * 3, 50)) == 3  # nothing may go: all shown


async def test_the_status_line_fits_80_columns_with_a_long_model_name():
    app = LstmApp(PanelSetup(hidden=8, text="hello"))
    async with app.run_test(size=(160, 30)) as pilot:
        panel = app.screen.panel
        await panel.wait_until_ready()
        label = "trained on brackets, " + "a very long name " * 8
        model = CharModel.random("lstm-peephole", 8, seed=1, output_layer=True)
        panel.show_model(PanelSetup(cell="lstm-peephole", hidden=8, label=label), model)
        await pilot.pause()
        line = panel.query_one("#status").lines[0]
        assert isinstance(line, Text) and line.cell_len <= STATUS_WIDTH
        assert "lstm-peephole H=8 trained on brackets" in line.plain and "…" in line.plain
        assert line.plain.endswith("forget bias +0.0")  # the knob's setting is never cut


async def test_the_unit_finder_shows_one_notice_however_often_its_key_is_pressed():
    app = LstmApp(PanelSetup(hidden=8, text='(a (b) c) "q" 12'))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.screen.panel.wait_until_ready()
        for _ in range(3):
            await pilot.press("ctrl+l")
            await pilot.pause()
        finder = [notice for notice in app._notifications if notice.title == FINDER]
        assert len(finder) == 1
        assert "best unit" in str(finder[0].message) or "does not vary" in str(finder[0].message)
        app.notify("another notice")  # notices without that title stay
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert len(list(app._notifications)) == 2
