"""Small terminals and resize storms: every mode survives 40x12 and rapid resizes without an exception."""

import pytest

from lstm_tui.app import LstmApp
from lstm_tui.panel_setup import PanelSetup

from .ui_helpers import screen_text

SIZES = [(40, 12), (200, 60), (41, 13), (80, 24), (40, 12), (120, 40), (55, 12), (40, 30)]


def app_in(mode):
    return LstmApp(PanelSetup(hidden=16, seed=0, text="hello (world)"), mode=mode)


@pytest.mark.parametrize("mode", ["explore", "lessons"])
async def test_a_storm_of_resizes_is_survived(mode):
    app = app_in(mode)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.screen.panel.wait_until_ready()  # the storm hits the views, not only the first frame
        for _ in range(3):
            for size in SIZES:
                await pilot.resize_terminal(*size)
                await pilot.press("a")
            await pilot.pause()
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert app.screen.size == (40, 12)
        if mode == "explore":  # (a lesson keeps the focus on its page)
            # every key reached the model, after the text the panel started with
            assert app.screen.panel.session.text == "hello (world)" + "a" * 3 * len(SIZES)


async def test_explorer_at_40x12_gives_the_footer_rows_to_the_views():
    from lstm_tui.widgets.key_footer import KeyFooter

    app = app_in("explore")
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.press(*"abc")
        await pilot.pause()
        assert not app.screen.query_one(KeyFooter).display
        text = screen_text(app.export_screenshot())
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.screen.query_one(KeyFooter).display  # tall enough again: the keys come back
    assert "step 16/16" in text and "unit 0  ━━ c ━━ h" in text  # status line and the plot still fit


async def test_lesson_at_40x12_shows_the_lesson_text():
    app = LstmApp(mode="lessons", lesson=1)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        text = screen_text(app.export_screenshot())
    assert app.curriculum.lessons[0].title in text
