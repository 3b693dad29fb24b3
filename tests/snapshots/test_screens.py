"""Snapshots of the screens a learner reaches by key: the gradient lab, help, an answered quiz, a finished
training run and a notice. Each waits until everything the screen computes has been drawn, so the picture
is deterministic; a seeded model or lab makes the numbers the same on every run."""

import itertools

import pytest
from textual.widgets import Input

from lstm_tui.app import LstmApp
from lstm_tui.curriculum import load_curriculum
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.progress import Progress
from lstm_tui.widgets.quiz import ChoiceItem, QuestionView

from ..ui_helpers import press_and_settle, settle_lesson

NARROW, WIDE = (80, 24), (120, 40)


async def settle_workers(pilot) -> None:
    """Wait for the screen's workers (the lab's recompute, a training run), then for their redraws."""
    await pilot.app.workers.wait_for_complete()
    for _ in range(3):
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()


@pytest.mark.parametrize("size", [NARROW, WIDE])
def test_gradient_lab(snap_compare, size):
    async def run_before(pilot):
        await press_and_settle("f12")(pilot)
        await settle_workers(pilot)

    assert snap_compare(LstmApp(PanelSetup(hidden=8, seed=0)), run_before=run_before, terminal_size=size)


def test_help_over_the_panel(snap_compare):
    async def run_before(pilot):
        await press_and_settle(*"abc", "f1")(pilot)

    assert snap_compare(LstmApp(PanelSetup(hidden=8, seed=0)), run_before=run_before, terminal_size=NARROW)


def test_a_notice(snap_compare):
    """A GRU has no forget gate to nudge: the panel says so in a warning notice."""
    app = LstmApp(PanelSetup(cell="gru", hidden=8, seed=0))
    assert snap_compare(app, run_before=press_and_settle(*"ab", "f10"), terminal_size=NARROW)


def test_an_answered_quiz(snap_compare, tmp_path):
    """Lesson 3's first question, answered wrongly then rightly: both marks and the explanation shown."""

    async def run_before(pilot):
        screen = await settle_lesson(pilot)
        question = screen.query(QuestionView).first()
        choices = {question.question.choices[item.index].correct: item for item in question.query(ChoiceItem)}
        question.scroll_visible(animate=False)
        for correct in (False, True):
            choices[correct].focus()
            await pilot.press("enter")
        await settle_lesson(pilot)

    progress = Progress.load(tmp_path / "progress.json")
    app = LstmApp(mode="lessons", curriculum=load_curriculum(), progress=progress, lesson=3)
    assert snap_compare(app, run_before=run_before, terminal_size=WIDE)


def test_a_finished_training_run(snap_compare, monkeypatch, tmp_path):
    """30 steps of a seeded run; the trainer's clock advances 10 ms a call, so speed and times are fixed."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    ticks = itertools.count()
    monkeypatch.setattr("lstm_tui.training.trainer.time.perf_counter", lambda: next(ticks) / 100)

    async def run_before(pilot):
        await press_and_settle("f11")(pilot)
        for name, value in {"hidden": "8", "steps": "30", "seed": "3"}.items():
            pilot.app.screen.query_one(f"#training-{name}", Input).value = value
        await pilot.press("f5")
        await settle_workers(pilot)

    assert snap_compare(LstmApp(PanelSetup(hidden=4)), run_before=run_before, terminal_size=NARROW)


@pytest.mark.parametrize("size", [NARROW, WIDE])
def test_the_model_picker(snap_compare, monkeypatch, tmp_path, size):
    """shift+F2 over the panel after one switch (F8): the recent model, the shipped models with their
    card's first line, the registry cells; the second line highlighted (▸). No saved models (a folder of
    the test's own)."""
    monkeypatch.setattr("lstm_tui.training.run.models_dir", lambda: tmp_path / "models")
    app = LstmApp(PanelSetup(hidden=8, seed=0))
    assert snap_compare(app, run_before=press_and_settle(*"ab", "f8", "shift+f2", "down"), terminal_size=size)
