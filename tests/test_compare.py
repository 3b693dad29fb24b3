"""The compare view: two or three panels fed one input, moving together; `lstm-tui compare`; snapshots."""

import argparse

import numpy as np
import pytest

from lstm_tui.app import LstmApp
from lstm_tui.cli import main
from lstm_tui.commands.compare import sources_from
from lstm_tui.model import CharModel
from lstm_tui.model.weights import save_model
from lstm_tui.models import shipped_names
from lstm_tui.panel_setup import PanelSetup, counterpart
from lstm_tui.screens.compare import CompareScreen
from lstm_tui.screens.help import where_typing_goes
from lstm_tui.widgets.attribution import AttributionLine
from lstm_tui.widgets.compare_summary import DIFFERS, CompareSummary

from .ui_helpers import press_and_settle


def compare_app(*cells: str, text: str = "", **options) -> LstmApp:
    sources = [(PanelSetup(cell=cell, hidden=8, seed=index, text=text), None) for index, cell in enumerate(cells)]
    return LstmApp(mode="compare", compare=sources, **options)


async def ready_screen(pilot) -> CompareScreen:
    screen = pilot.app.screen
    assert isinstance(screen, CompareScreen)
    await screen.wait_until_ready()
    await pilot.pause()
    return screen


# --- the command line -------------------------------------------------------------------------------------
def args_for(*models, **options):
    defaults = {"hidden": None, "seed": None, "text": "", "window": 512}
    return argparse.Namespace(models=list(models), **{**defaults, **options})


def test_each_model_may_be_a_shipped_name_a_cell_or_a_weights_file(tmp_path):
    path = tmp_path / "mine.npz"
    save_model(CharModel.random("gru", 5, seed=2, output_layer=True), path)
    (shipped, shipped_model), (cell, none), (weights, model) = sources_from(
        args_for("brackets-rnn", "mgu", str(path), hidden=6, seed=4, text="ab")
    )
    assert shipped.model == "brackets-rnn" and shipped_model.name == "rnn"
    assert none is None and (cell.cell, cell.hidden, cell.seed, cell.model) == ("mgu", 6, 4, "random")
    assert weights.weights == str(path) and model.name == "gru" and model.cell.hidden_size == 5
    assert {shipped.text, cell.text, weights.text} == {"ab"}


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["compare", "lstm"], "compare takes 2 or 3 models, not 1"),
        (["compare", "lstm", "gru", "rnn", "mgu"], "compare takes 2 or 3 models, not 4"),
        (["compare", "lstm", "no-such\x1b[31m"], "is not a shipped model"),
        (["compare", "lstm", "gru", "--hidden", "0"], "hidden size must be between"),
        (["compare", "lstm", "gru", "--window", "0"], "--window must be between"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(argv, says, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "\x1b" not in err


def test_a_name_that_is_nothing_lists_what_it_could_be(capsys):
    assert main(["compare", "lstm", "nothing.npz"]) == 2
    err = capsys.readouterr().err
    assert all(name in err for name in shipped_names()) and "gru" in err and "weights file" in err


def test_counterparts_are_the_plain_rnn_twin_or_the_lstms():
    assert counterpart(PanelSetup(cell="lstm", model="brackets")).model == "brackets-rnn"
    assert counterpart(PanelSetup(cell="rnn", model="brackets-rnn")).model == "brackets"
    assert counterpart(PanelSetup(cell="gru", model="brackets-gru")).model == "brackets-rnn"
    twin = counterpart(PanelSetup(cell="lstm", model="quotes", text="x"))  # no shipped twin: a random rnn
    assert (twin.cell, twin.model, twin.text) == ("rnn", "random", "x")
    random = counterpart(PanelSetup(cell="rnn", hidden=12, seed=7))
    assert (random.cell, random.hidden, random.seed) == ("lstm", 12, 7)


# --- the screen -------------------------------------------------------------------------------------------
async def test_one_input_feeds_every_panel_and_the_cursor_moves_them_together():
    app = compare_app("lstm", "rnn", "gru", text="ab")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready_screen(pilot)
        panels = screen.panels
        assert len(panels) == 3 and all(panel.session.text == "ab" for panel in panels)
        await pilot.press(*"(c)")
        await pilot.pause()
        assert [panel.session.text for panel in panels] == ["ab(c)"] * 3
        assert {panel.session.model.name for panel in panels} == {"lstm", "rnn", "gru"}
        await pilot.press("alt+left", "alt+left")
        assert [panel.session.step_index for panel in panels] == [2, 2, 2]
        await pilot.press("tab")  # the panels never take the focus: no key moves one alone
        assert screen.focused is screen.input
        await pilot.press("alt+left", "down", "down")
        assert [panel.session.step_index for panel in panels] == [1, 1, 1]
        assert [panel.session.selected_unit for panel in panels] == [2, 2, 2]
        await pilot.press("escape")
        assert all(panel.session.cursor is None for panel in panels)
        await pilot.press("f2")
        assert all("gates" in panel.views_shown for panel in panels)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert screen.input.value == "" and all(panel.session.text == "" for panel in panels)


async def test_the_summary_sets_the_guesses_side_by_side_and_marks_those_that_differ():
    app = compare_app("lstm", "rnn", text="hello")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready_screen(pilot)
        line = screen.query_one(CompareSummary).lines[0].plain
        guesses = [panel.session.predictions(1)[0] for panel in screen.panels]
        for letter, panel, (char, probability) in zip("AB", screen.panels, guesses):
            assert f"{letter} {panel.session.model.name}: {char} {probability * 100:.0f}%" in line
        assert (DIFFERS in line) == (guesses[0][0] != guesses[1][0])
        assert line.startswith(" step 5 o")


async def test_the_attribution_lines_show_what_each_model_looks_back_at():
    app = compare_app("lstm", "rnn", text="(ab)c")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready_screen(pilot)
        for panel in screen.panels:
            line = panel.query_one(AttributionLine)
            assert line.display
            norms = panel.session.attribution().norms
            assert line.lines[0].plain[1 + int(np.argmax(norms))] == "█"


@pytest.mark.parametrize(("size", "stacked"), [((80, 24), True), ((120, 40), False)])
async def test_two_panels_sit_side_by_side_when_each_gets_60_columns(size, stacked):
    app = compare_app("lstm", "rnn")
    async with app.run_test(size=size) as pilot:
        screen = await ready_screen(pilot)
        first, second = screen.panels
        assert screen.query_one("#compare-panels").has_class("-stacked") == stacked
        assert (first.region.y < second.region.y) == stacked and (first.region.x < second.region.x) != stacked


async def test_the_app_compares_the_panels_model_with_its_twin_and_comes_back():
    app = LstmApp(PanelSetup(model="brackets", text="(()"))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.screen.panel.wait_until_ready()
        await pilot.press("end", "(")  # (the start text is selected, as in explore)
        await pilot.press("shift+f12")
        screen = await ready_screen(pilot)
        assert [panel.session.setup.model for panel in screen.panels] == ["brackets", "brackets-rnn"]
        assert all(panel.session.text == "(()(" for panel in screen.panels)
        await pilot.press("shift+f12")
        assert app.current_mode == "explore" and app.screen.panel.session.text == "(()("


async def test_a_stack_in_the_compare_view_shows_its_layers_in_turn():
    stack = CharModel.random("lstm", 6, seed=1, output_layer=True, num_layers=2, bidirectional=True)
    sources = [(PanelSetup(cell="lstm", label="stack"), stack), (PanelSetup(cell="rnn", hidden=6), None)]
    async with LstmApp(mode="compare", compare=sources).run_test(size=(120, 40)) as pilot:
        screen = await ready_screen(pilot)
        await pilot.press(*"ab", "shift+f6")
        first, second = screen.panels
        assert (first.session.layer, first.session.direction) == (1, 1)
        assert (second.session.layer, second.session.direction) == (0, 0)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_compare_snapshot(snap_compare, size):
    cells = ("lstm", "rnn") if size == (80, 24) else ("lstm", "rnn", "gru")
    app = compare_app(*cells, text="(a(b)")
    assert snap_compare(app, run_before=press_and_settle("c", ")", "alt+left"), terminal_size=size)


async def test_help_says_typing_goes_to_every_panel():
    async with compare_app("lstm", "rnn").run_test(size=(100, 30)) as pilot:
        await ready_screen(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert where_typing_goes(pilot.app.screen_stack[-2]) == (
            "Typed characters go to every panel: each printable one steps every model."
        )
