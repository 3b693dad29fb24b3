"""The unit finder in the panel (ctrl+l) and shipped models in the explorer."""

from lstm_tui.analysis.units import bracket_depth, rank_units
from lstm_tui.app import LstmApp
from lstm_tui.cli import build_parser
from lstm_tui.commands.explore import setup_from
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.session import Session
from lstm_tui.training.shipped import best_unit, load_shipped, load_shipped_card
from lstm_tui.training.tasks import get_task

FRESH_SEED = 987_654  # text the shipped model never trained on


def fresh_brackets(length=300) -> str:
    return get_task("brackets").fresh_text(length, FRESH_SEED).text


def test_session_loads_a_shipped_model():
    session = Session(PanelSetup(model="quotes"))
    reference = load_shipped("quotes")
    assert session.model.vocab.chars == reference.vocab.chars
    assert session.hidden_size == reference.cell.hidden_size
    assert session.has_predictions


def test_find_unit_selects_the_best_bracket_unit():
    text = fresh_brackets()
    session = Session(PanelSetup(model="brackets"))
    session.set_text(text)
    unit, correlation = session.find_unit("depth")
    trace = load_shipped("brackets").run(text).forward.trace
    best = rank_units(trace["c"], bracket_depth(text), top=1)[0]
    assert unit == f"c[{best.unit}]" and session.selected_unit == best.unit
    assert abs(correlation - best.correlation) < 1e-6
    # It lands on the unit the model card names for depth (measured there on 5,000 fresh characters).
    card_unit = best_unit(load_shipped_card("brackets"), "depth")
    assert unit == f"{card_unit['state']}[{card_unit['unit']}]" and abs(correlation) >= 0.75


def test_find_unit_needs_some_text():
    session = Session(PanelSetup(model="brackets"))
    session.set_text("(")
    assert session.find_unit("depth") is None


def test_explore_accepts_a_shipped_model():
    setup, model = setup_from(build_parser().parse_args(["explore", "--model", "brackets"]))
    assert setup.model == "brackets" and model.cell.hidden_size == load_shipped("brackets").cell.hidden_size


async def test_ctrl_l_selects_the_best_unit_for_bracket_depth():
    text = fresh_brackets(120)
    app = LstmApp(PanelSetup(model="brackets", text=text))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await screen.panel.wait_until_ready()
        await pilot.press("ctrl+l")  # the first feature is bracket depth
        await pilot.pause()
        trace = load_shipped("brackets").run(text).forward.trace
        best = rank_units(trace["c"], bracket_depth(text), top=1)[0]
        assert screen.panel.session.selected_unit == best.unit
        assert any("best unit" in str(notice.message) for notice in app._notifications)
        await pilot.press("ctrl+l")  # the next feature: inside quotes
        await pilot.pause()
        assert screen.query_one("#text").value == text  # nothing typed into the input


async def test_a_feature_the_text_lacks_is_said_plainly():
    app = LstmApp(PanelSetup(model="brackets", text="no brackets here"))
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.panel.wait_until_ready()
        app.screen.panel.session.select_unit(5)
        before = app.screen.panel.session.selected_unit
        await pilot.press("ctrl+l")  # bracket depth: constant 0 in this text
        await pilot.pause()
        assert any("does not vary" in str(notice.message) for notice in app._notifications)
        assert app.screen.panel.session.selected_unit == before
