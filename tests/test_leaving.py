"""Ctrl+Q quits from every screen and modal; escape leaves the gradient lab and the training screen."""

import pytest

from lstm_tui.app import LstmApp
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.screens.gradient_lab import GradientLabScreen
from lstm_tui.screens.help import HelpScreen
from lstm_tui.screens.training import TrainingScreen


async def settle(pilot):
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_help(pilot):
    await pilot.press("f1")


async def open_palette(pilot):
    await pilot.press("ctrl+p")


async def open_lab(pilot):
    await pilot.press("f12")


async def open_help_over_the_lab(pilot):
    await pilot.press("f12")
    await settle(pilot)
    await pilot.press("f1")


async def open_training(pilot):
    await pilot.press("f11")


async def open_a_training_menu(pilot):
    await pilot.press("f11")
    await pilot.pause()
    pilot.app.screen.query_one("#training-task").focus()
    await pilot.press("enter")  # the task's drop-down list


async def open_a_web_link(pilot):
    pilot.app.open_url("https://example.org/")


@pytest.mark.parametrize(
    "opening",
    [open_help, open_palette, open_lab, open_help_over_the_lab, open_training, open_a_training_menu, open_a_web_link],
)
async def test_ctrl_q_quits_from_every_screen_and_modal(opening):
    app = LstmApp(PanelSetup(hidden=8, seed=0))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.screen.panel.wait_until_ready()
        await opening(pilot)
        await settle(pilot)
        covering = app.screen
        assert covering.is_modal or opening in (open_lab, open_training, open_a_training_menu)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running, f"still running on {type(covering).__name__}"


async def test_ctrl_q_quits_the_lesson_screen():
    app = LstmApp(mode="lessons", lesson=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


@pytest.mark.parametrize(("key", "screen"), [("f12", GradientLabScreen), ("f11", TrainingScreen)])
async def test_escape_goes_back_from_the_lab_and_the_training_screen(key, screen):
    app = LstmApp(PanelSetup(hidden=8, seed=0))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.screen.panel.wait_until_ready()
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, screen)
        await pilot.press("f1")  # the key is listed in F1
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and any(k == "esc" and d == "back" for k, d in app.screen.rows)
        await pilot.press("escape")  # closes the help
        await pilot.press("escape")  # leaves
        await settle(pilot)
        assert app.current_mode == "explore"
