"""A teacher's lesson in the app: its tasks checked live under the panel (done, hints), its hidden views
and keys gone from the keys, the footer, F1 and the palette."""

from __future__ import annotations

import pytest

from lstm_tui.app import LstmApp
from lstm_tui.curriculum import load_lessons
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.progress import Progress
from lstm_tui.screens.help import help_sections
from lstm_tui.session import Session
from lstm_tui.widgets.key_footer import bindings_here
from lstm_tui.widgets.task_line import HINT_EVERY, TaskLine

WIDE = (130, 40)


def lesson_text(threshold: str) -> str:
    return f"""---
title: "Gates"
order: 1
cell: "gru"
hidden: 8
seed: 3
hide_views: ["heat", "plot", "gradients"]
hide_keys: ["cell", "reset", "training"]
---
# Gates

```task
goal: "h[0] > {threshold}"

Push unit 0's h up.
```

```task
goal: "h[0] > 5"
hint: "h is a tanh: it stays between -1 and 1."
hint: "So this one cannot be done."

Push unit 0's h past 5.
```
"""


@pytest.fixture
def app(tmp_path):
    session = Session(PanelSetup(cell="gru", hidden=8, seed=3))
    session.set_text("zz")
    threshold = f"{float(session.trace('h')[-1, 0]) - 1e-5:.6f}"  # met once "zz" is typed
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "01-gates.md").write_text(lesson_text(threshold), encoding="utf-8")
    progress = Progress.load(tmp_path / "progress.json")
    return LstmApp(mode="lessons", curriculum=load_lessons(folder), progress=progress, lesson=1)


async def settle(app, pilot):
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def line(app) -> str:
    return str(app.screen.query_one(TaskLine).render())


async def test_tasks_are_checked_as_you_type_with_hints(app):
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        screen.panel.focus_input()
        assert screen.query_one(TaskLine).display
        assert "Task 1/2: Push unit 0's h up." in line(app) and "✗" in line(app)
        await pilot.press("z", "z")
        await settle(app, pilot)
        assert "✓ task 1 done" in line(app) and "Task 2/2: Push unit 0's h past 5." in line(app)
        assert "hint" not in line(app)
        for _ in range(HINT_EVERY):
            await pilot.press("a")
        await settle(app, pilot)
        assert "hint 1: h is a tanh" in line(app) and "✗" in line(app)
        for _ in range(HINT_EVERY):
            await pilot.press("b")
        await settle(app, pilot)
        assert "hint 2: So this one cannot be done." in line(app) and "hint 1" not in line(app)


async def test_hidden_views_and_keys_are_nowhere(app):
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        panel = screen.panel
        panel.focus_input()
        await pilot.pause()
        assert not panel.views_shown & {"heat", "plot"} and "gates" in panel.views_shown
        actions = [binding.action for _, binding, _ in bindings_here(screen, unavailable=True)]
        for hidden in ("toggle_view('heat')", "toggle_view('plot')", "cell(1)", "cell(-1)", "reset", "training"):
            assert hidden not in actions
        assert "gradient_lab" not in actions and "toggle_view('equation')" in actions
        help_text = str(help_sections(screen))
        assert "heatmap" not in help_text and "next cell" not in help_text and "gradient lab" not in help_text
        titles = [command.title for command in app.get_system_commands(screen)]
        assert not [title for title in titles if "heatmap" in title.lower() or "cell" in title.lower()], titles
        assert {"Views: bars", "Views: equation"} <= set(titles)
        assert "Train a model" not in titles and "Reset" not in titles
        footer = " ".join(line.plain for line in screen.query_one("KeyFooter FooterLines").lines)
        assert "F2/F5 views" in footer and "heatmap" not in footer and "cell" not in footer
        await pilot.press("z", "f4", "f3", "ctrl+r", "f7", "f11", "f12")
        await settle(app, pilot)
        assert app.screen is screen and panel.typed_text == "z"
        assert not panel.views_shown & {"heat", "plot"} and panel.session.model.name == "gru"
