"""The training screen through Textual's Pilot: train a tiny model in the worker, stop one mid-way, open
the result in the live panel, save it, refuse bad fields; a snapshot of the screen before training."""

import asyncio

import numpy as np
import pytest
from textual.widgets import Input, ProgressBar, Static

from lstm_tui.app import LstmApp
from lstm_tui.curriculum import load_curriculum
from lstm_tui.model.weights import load_model, load_model_file
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.progress import Progress
from lstm_tui.screens.help import HelpScreen
from lstm_tui.screens.training import TrainingScreen
from lstm_tui.training.run import build_task
from lstm_tui.widgets.key_footer import KeyFooter
from lstm_tui.widgets.loss_plot import LossPlot

TINY = {"hidden": "8", "steps": "30", "seed": "3"}


@pytest.fixture(autouse=True)
def user_data(tmp_path, monkeypatch):
    """Saved models go under a temporary user data folder (platformdirs reads XDG_DATA_HOME)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "lstm-tui" / "models"


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def footer_text(screen) -> str:
    footer = screen.query_one(KeyFooter)
    return " ".join(line.plain for line in footer.query_one("FooterLines").lines)


async def open_training(app, pilot, **fields) -> TrainingScreen:
    await pilot.press("f11")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, TrainingScreen)
    for name, value in fields.items():
        screen.query_one(f"#training-{name}", Input).value = value
    return screen


async def train_to_end(app, pilot, **fields) -> TrainingScreen:
    screen = await open_training(app, pilot, **fields)
    await pilot.press("f5")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen


async def test_training_runs_to_the_end_and_shows_the_final_loss():
    app = LstmApp(PanelSetup(hidden=4))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await train_to_end(app, pilot, **TINY)
        run = screen.run
        assert run is not None and run.result.steps_done == 30 and not run.meta["stopped_early"]
        assert (run.meta["task"], run.meta["cell"], run.meta["hidden"], run.meta["seed"]) == ("brackets", "lstm", 8, 3)
        last = run.result.history[-1]
        assert last.step == 30 and run.meta["train_loss"] == last.loss
        assert f"loss {last.loss:.4f}" in text_of(screen, "#training-numbers")
        assert "step 30/30" in text_of(screen, "#training-count")
        message = text_of(screen, "#training-message")
        assert f"final loss {last.loss:.4f}" in message
        assert f"fresh text {run.meta['fresh_loss']:.4f}" in message
        assert screen.query_one(ProgressBar).progress == 30
        plot = screen.query_one(LossPlot)
        assert plot.steps == [report.step for report in run.result.history]
        assert plot.losses == [report.loss for report in run.result.history]
        footer = footer_text(screen)
        assert "F6 open in panel" in footer and "F7 save" in footer and "F5 start training" in footer


async def test_the_ui_answers_while_training_and_stop_keeps_the_model():
    app = LstmApp(PanelSetup(hidden=4))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_training(app, pilot, hidden="8", steps="5000")
        first_report = asyncio.Event()
        show_progress = screen.show_progress

        def record(progress):
            show_progress(progress)
            first_report.set()

        screen.show_progress = record
        await pilot.press("f5")
        await asyncio.wait_for(first_report.wait(), timeout=120)
        # training is running in its thread; the form still takes keys and the footer offers stop
        (worker,) = [w for w in app.workers if w.group == "training"]
        assert worker.is_running
        seed = screen.query_one("#training-seed", Input)
        seed.focus()
        await pilot.press("ctrl+u", "4", "2")
        assert seed.value == "42"
        assert "F5 stop training" in footer_text(screen)
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        run = screen.run
        assert run is not None and run.meta["stopped_early"]
        assert 0 < run.result.steps_done < 5000
        assert text_of(screen, "#training-message").startswith(f"stopped after {run.result.steps_done} of 5000 steps")
        assert run.meta["seed"] == 0  # the seed typed during training belongs to the next run


async def test_open_in_panel_shows_the_trained_model():
    app = LstmApp(PanelSetup(hidden=4, seed=9))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await train_to_end(app, pilot, **TINY)
        model = screen.run.model
        await pilot.press("f6")
        await pilot.pause()
        assert app.current_mode == "explore"
        explorer = app.screen
        await pilot.press(*"(ab(c)")
        await pilot.pause()
        session = explorer.panel.session
        assert session.model is not model  # a copy: the panel's knobs must not change the run's model
        assert session.hidden_size == 8
        state = None
        for step, char in enumerate("(ab(c)"):
            result = model.step(char, state)
            state = result.state
            np.testing.assert_array_equal(session.trace("h")[step], result.trace["h"])
            np.testing.assert_array_equal(session.trace("c")[step], result.trace["c"])
        assert "trained on brackets, 30 steps" in str(explorer.query_one("#status").lines[0])


async def test_save_writes_a_file_that_loads_back(user_data):
    app = LstmApp(PanelSetup(hidden=4))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await train_to_end(app, pilot, **TINY)
        await pilot.press("f7")
        await pilot.pause()
        (path,) = user_data.glob("*.npz")
        assert path == screen.saved_path
        assert text_of(screen, "#training-message") == f"saved {path}"
        loaded = load_model_file(path)
        for name, value in screen.run.model.cell.params.items():
            np.testing.assert_array_equal(loaded.model.cell.params[name], value)
        np.testing.assert_array_equal(loaded.model.output["weight_out"], screen.run.model.output["weight_out"])
        assert loaded.meta["fresh_loss"] == screen.run.meta["fresh_loss"]
        assert loaded.meta["command"] == (
            "lstm-tui train --task brackets --cell lstm --hidden 8 --steps 30 --seed 3"
            f" --batch 32 --seq-len 50 --lr 0.003 --clip 5.0 --out {path.name}"
        )
        await pilot.press("f7")  # a second save never overwrites the first
        await pilot.pause()
        assert len(list(user_data.glob("*.npz"))) == 2
        assert load_model(screen.saved_path).vocab.chars == screen.run.model.vocab.chars


async def test_save_to_an_unwritable_folder_says_so_and_keeps_the_model(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    app = LstmApp(PanelSetup(hidden=4))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await train_to_end(app, pilot, **TINY)
        await pilot.press("f7")
        await pilot.pause()
        message = screen.query_one("#training-message", Static)
        assert str(message.render()).startswith("not saved: ")
        assert "the model is still here" in str(message.render())
        assert message.has_class("-error")
        assert screen.saved_path is None and screen.run is not None
        await pilot.press("f6")  # nothing lost: the model still opens in the panel
        await pilot.pause()
        assert app.current_mode == "explore" and app.screen.panel.session.hidden_size == 8


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("hidden", "abc", "hidden size must be a whole number, not 'abc'"),
        ("hidden", "0", "hidden size must be between 1 and 1024, not 0"),
        ("hidden", "4.5", "hidden size must be a whole number, not '4.5'"),
        ("steps", "", "steps must be a whole number, not ''"),
        ("steps", "-3", "steps must be between 1 and 100000, not -3"),
        ("seed", "x1", "seed must be a whole number, not 'x1'"),
    ],
)
async def test_bad_fields_get_a_clear_message_and_nothing_starts(field, value, message):
    app = LstmApp(PanelSetup(hidden=4))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_training(app, pilot, **{**TINY, field: value})
        await pilot.press("f5")
        await pilot.pause()
        widget = screen.query_one("#training-message", Static)
        assert str(widget.render()) == message and widget.has_class("-error")
        assert not screen.training and not [w for w in app.workers if w.group == "training"]
        assert "F5 start training" in footer_text(screen)


async def test_enter_in_a_field_starts_training():
    app = LstmApp(PanelSetup(hidden=4))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_training(app, pilot, **TINY)
        screen.query_one("#training-steps", Input).focus()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.run is not None and screen.run.result.steps_done == 30


async def test_f11_reaches_training_from_the_lesson_screen_and_goes_back(tmp_path):
    app = LstmApp(mode="lessons", curriculum=load_curriculum(), progress=Progress.load(tmp_path / "progress.json"))
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):  # the lesson screen fills its footer after the page's first chunk (slower under load)
            await pilot.pause()
            if app.screen.query("KeyFooter FooterLines") and footer_text(app.screen):
                break
        assert "F11 train" in footer_text(app.screen)
        await pilot.press("f11")
        await pilot.pause()
        assert app.current_mode == "training"
        assert "F11 back" in footer_text(app.screen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_text = str(app.screen.query_one(Static).render())
        assert "start training" in help_text and "open in panel" in help_text
        await pilot.press("escape", "f11")
        await pilot.pause()
        assert app.current_mode == "lessons"


async def test_the_explorer_lists_training_in_its_footer_and_palette():
    app = LstmApp(PanelSetup(hidden=4))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "F11 train" in footer_text(app.screen)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Train a model" in titles
        await pilot.press("f11")
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"Start training", "Open in panel", "Save"} <= set(titles)


def test_the_text_task_learns_the_lessons():
    task = build_task("text")
    assert task.name == "text" and task.source == "the lessons"
    assert "LSTM" in task.corpus


def settle_before_capture():
    async def run_before(pilot):
        await pilot.press("f11")
        for _ in range(3):
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()

    return run_before


def test_snapshot_before_training(snap_compare):
    app = LstmApp(PanelSetup(hidden=4))
    assert snap_compare(app, run_before=settle_before_capture(), terminal_size=(80, 24))


def test_the_relay_keeps_every_report_and_passes_on_a_few():
    from lstm_tui.training.run import ProgressRelay
    from lstm_tui.training.trainer import Progress

    now = [0.0]
    posted = []
    relay = ProgressRelay(posted.append, interval=0.25, clock=lambda: now[0])
    reports = [Progress(step, 100, 3.0 - step / 100, 0.1, 50.0, 1.0, step / 50) for step in range(1, 11)]
    for report in reports:  # one report every 0.1 s
        relay(report)
        now[0] += 0.1
    assert relay.reports == reports
    assert [report.step for report in posted] == [1, 4, 7, 10]
    now[0] += 0.01
    relay(Progress(100, 100, 2.0, 0.2, 50.0, 0.0, 2.0))  # the last report: posted however soon it comes
    assert posted[-1].step == 100


async def test_stop_right_after_start_reports_what_was_trained():
    app = LstmApp(PanelSetup(hidden=4))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_training(app, pilot, hidden="8", steps="5000")
        await pilot.press("f5", "f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        meta = screen.run.meta
        assert meta["stopped_early"] and meta["steps"] < 5000
        assert text_of(screen, "#training-message").startswith(f"stopped after {meta['steps']} of 5000 steps")
        assert f"fresh text {meta['fresh_loss']:.4f}" in text_of(screen, "#training-message")


async def test_start_while_training_stops_instead_of_cancelling_the_run():
    """Two quick F5s could both dispatch to "start" (bindings refresh later): the run was cancelled."""
    app = LstmApp(PanelSetup(hidden=4))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_training(app, pilot, hidden="8", steps="5000")
        screen.action_start()
        screen.action_start()
        await app.workers.wait_for_complete()  # raised WorkerCancelled
        await pilot.pause()
        assert screen.run.meta["stopped_early"] and screen.run.meta["steps"] < 5000


async def test_an_unexpected_failure_in_the_worker_ends_the_run_with_its_message(monkeypatch):
    from lstm_tui.screens import training

    def broken_train_task(*args, **kwargs):
        raise MemoryError("no room for the training text")

    monkeypatch.setattr(training, "train_task", broken_train_task)
    app = LstmApp(PanelSetup(hidden=4))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_training(app, pilot, **TINY)
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert text_of(screen, "#training-message") == "training failed: MemoryError: no room for the training text"
        assert not screen.training and screen.run is None
        assert "F5 start training" in footer_text(screen)
