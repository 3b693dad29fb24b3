"""Models inside the app: the picker by keyboard (filter, shipped models with their card's summary, registry
cells, saved and trained models, a weights file), the recent models a switch keeps, the card view and the
palette's "Model: NAME" commands."""

from pathlib import Path

import numpy as np
import pytest
from textual.widgets import DirectoryTree, OptionList

from lstm_tui.app import LstmApp
from lstm_tui.limits import CELL_NAMES, RECENT_MODELS
from lstm_tui.model import CharModel
from lstm_tui.model.weights import save_model
from lstm_tui.model_choices import all_choices, card_summary, saved_choices
from lstm_tui.models import shipped_names
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.screens.model_picker import ModelCardScreen, ModelPickerScreen, WeightsFileScreen


@pytest.fixture(autouse=True)
def no_saved_models(tmp_path, monkeypatch):
    """The user data folder's models: an empty folder of the test's own."""
    folder = tmp_path / "saved"
    folder.mkdir()
    monkeypatch.setattr("lstm_tui.training.run.models_dir", lambda: folder)
    return folder


async def started_app(pilot, app):
    await app.screen.panel.wait_until_ready()
    await pilot.pause()
    return app.screen.panel


def notices(app) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def open_picker(pilot, app) -> ModelPickerScreen:
    await pilot.press("shift+f2")
    await pilot.pause()
    assert isinstance(app.screen, ModelPickerScreen)
    return app.screen


def listed(picker: ModelPickerScreen) -> list[str]:
    """The lines of the list: group titles, and each choice without its mark (▸ on the highlighted one)."""
    listing = picker.query_one(OptionList)
    options = [listing.get_option_at_index(i) for i in range(listing.option_count)]
    return [str(option.prompt)[2:] if option.id is not None else str(option.prompt) for option in options]


def highlighted_line(picker: ModelPickerScreen) -> str:
    listing = picker.query_one(OptionList)
    return str(listing.get_option_at_index(listing.highlighted).prompt)


async def test_the_picker_lists_shipped_models_with_their_card_and_every_cell_and_switches_by_keyboard():
    app = LstmApp(PanelSetup(hidden=8, text="(ab)"))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await started_app(pilot, app)
        picker = await open_picker(pilot, app)
        lines = listed(picker)
        for name in shipped_names():
            assert f"{name} · {card_summary(name)}" in lines
        for cell in CELL_NAMES:
            assert f"{cell} · random, H=8, seed 0" in lines
        assert card_summary("counting").startswith("lines aⁿ:bⁿ")
        await pilot.press(*"brackets gr")  # type to filter: every word must match
        await pilot.pause()
        assert listed(picker)[1:] == [f"brackets-gru · {card_summary('brackets-gru')}"]
        assert highlighted_line(picker).startswith("▸ brackets-gru")  # marked, not by colour alone
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is not picker and panel.session.setup.model == "brackets-gru"
        assert panel.session.model.name == "gru" and panel.typed_text == panel.session.text == "(ab)"


async def test_a_filter_that_matches_nothing_says_so_and_escape_keeps_the_model():
    app = LstmApp(PanelSetup(hidden=8))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await started_app(pilot, app)
        before = panel.session.model
        picker = await open_picker(pilot, app)
        await pilot.press(*"zzzz", "enter")
        await pilot.pause()
        assert listed(picker) == ["nothing matches: Backspace widens the filter"] and app.screen is picker
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not picker and panel.session.model is before


async def test_switching_keeps_the_model_shown_in_a_recent_list_that_one_key_brings_back():
    app = LstmApp(PanelSetup(hidden=8, text="abc"))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await started_app(pilot, app)
        first = panel.session.model
        await pilot.press("f10", "f10")  # the forget-bias knob: the model's weights are edited in place
        await pilot.pause()
        nudged = panel.session.trace("f").copy()
        await pilot.press("f8")  # a new seed
        await pilot.pause()
        assert panel.session.setup.seed == 1 and panel.recent[0][1] is first
        await pilot.press("shift+f1")
        await pilot.pause()
        assert panel.session.model is first and panel.session.setup.seed == 0
        np.testing.assert_array_equal(panel.session.trace("f"), nudged)  # the knob once, not twice
        assert panel.recent[0][0].seed == 1  # and the seeded one is the one to come back now
        panel.load(panel.session.setup)  # the same model again (a lesson's try-it does this): no new line
        await pilot.pause()
        assert [setup.seed for setup, _ in panel.recent] == [1]
        for _ in range(RECENT_MODELS + 2):
            await pilot.press("f8")
        await pilot.pause()
        assert len(panel.recent) == RECENT_MODELS
        picker = await open_picker(pilot, app)
        recent_lines = [line for line in listed(picker) if line.endswith("earlier in this panel")]
        assert len(recent_lines) == RECENT_MODELS


async def test_previous_model_with_nothing_set_aside_says_so():
    app = LstmApp(PanelSetup(hidden=8))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await started_app(pilot, app)
        await pilot.press("shift+f1")
        await pilot.pause()
        assert panel.recent == [] and "no earlier model" in notices(app)[-1]


async def test_the_card_opens_in_the_app_escaped():
    app = LstmApp(PanelSetup(hidden=8))
    async with app.run_test(size=(100, 30)) as pilot:
        await started_app(pilot, app)
        await open_picker(pilot, app)
        await pilot.press(*"counting", "ctrl+o")
        await pilot.pause()
        card = app.screen
        assert isinstance(card, ModelCardScreen)
        assert "Model card: counting" in card.card and "Reproduce" in card.card
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ModelPickerScreen)
    escaped = ModelCardScreen("# card\n\x1b]52;c;evil\x07 [b]x[/b]", "a\x1bname")
    assert "\x1b" not in escaped.card and "\x1b" not in escaped.model_name


async def test_models_saved_or_trained_are_listed_and_a_bad_weights_file_is_a_one_line_notice(
    tmp_path, no_saved_models, monkeypatch
):
    model = CharModel.random("gru", 6, seed=2, output_layer=True)
    save_model(model, no_saved_models / "brackets-gru-h6.npz", meta={"task": "brackets"})
    (no_saved_models / "notes.txt").write_text("not a model")
    assert [choice.name for choice in saved_choices(no_saved_models)] == ["brackets-gru-h6.npz"]
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip")
    monkeypatch.chdir(tmp_path)
    app = LstmApp(PanelSetup(hidden=8, text="ab"))
    async with app.run_test(size=(100, 30)) as pilot:
        panel = await started_app(pilot, app)
        trained = CharModel.random("lstm", 5, seed=3, output_layer=True)
        app.keep_trained(PanelSetup(cell="lstm", hidden=5, seed=3, label="trained on brackets, 9 steps"), trained)
        picker = await open_picker(pilot, app)
        assert "trained on brackets, 9 steps · lstm H=5" in listed(picker)
        await pilot.press(*"h6", "enter")
        await pilot.pause()
        assert panel.session.model.name == "gru" and panel.session.hidden_size == 6
        await open_picker(pilot, app)
        await pilot.press(*"trained on", "enter")
        await pilot.pause()
        assert panel.session.hidden_size == 5 and panel.session.model is not trained  # a copy: it may be saved
        picker = await open_picker(pilot, app)
        await pilot.press(*"weights file", "enter")
        await pilot.pause()
        files = app.screen
        assert isinstance(files, WeightsFileScreen)
        tree = files.query_one(DirectoryTree)
        shown = [path.name for path in tree.filter_paths(list(Path(tmp_path).iterdir()))]
        assert sorted(shown) == ["broken.npz", "saved"]  # folders and weight files only
        files.chosen(tmp_path / "missing.npz")
        files.chosen(tmp_path / "notes.txt")
        await pilot.pause()
        assert app.screen is files and "no such file" in notices(app)[-2] and "not a weights file" in notices(app)[-1]
        files.chosen(broken)
        await pilot.pause()
        assert not isinstance(app.screen, (ModelPickerScreen, WeightsFileScreen))  # both close with a file chosen
    # the load failed: the model shown stays, the error is one line naming the file
    assert panel.session.hidden_size == 5
    message = notices(app)[-1]
    assert "broken.npz" in message and "\n" not in message


async def test_the_palette_has_a_model_command_for_each_shipped_model_and_cell():
    app = LstmApp(PanelSetup(hidden=8))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await started_app(pilot, app)
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        assert {f"Model: {name}" for name in shipped_names()} <= set(commands)
        assert {f"Model: {cell}" for cell in CELL_NAMES} <= set(commands)
        assert "Models" in commands and "Model card" in commands
        commands["Model: counting"].callback()
        await pilot.pause()
        assert panel.session.setup.model == "counting"


def test_the_picker_order_is_recent_shipped_cells_trained_saved_then_a_file(no_saved_models):
    setup = PanelSetup(hidden=4)
    model = CharModel.random("lstm", 4, seed=0)
    groups = [
        choice.group
        for choice in all_choices(
            recent=[(setup, model)], trained=[(setup, model)], saved_folder=no_saved_models, hidden=4, seed=0
        )
    ]
    assert list(dict.fromkeys(groups)) == ["recent", "shipped", "cell", "trained", "file"]
