"""Helpers the UI tests share (Pilot and snapshot tests): one place, so no test module imports another."""

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import lstm_tui
from lstm_tui.widgets.explorer_panel import ExplorerPanel

PACKAGE_DIR = Path(lstm_tui.__file__).resolve().parent


def press_and_settle(*keys):
    """For ``snap_compare(run_before=...)``: type, then wait until every coalesced redraw has run, so the
    picture is deterministic."""

    async def run_before(pilot):
        for panel in pilot.app.screen.query(ExplorerPanel):  # the panel's keys act once it has started
            await panel.wait_until_ready()
        await pilot.press(*keys)
        for _ in range(3):
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()

    return run_before


async def settle_lesson(pilot):
    """Wait for the lesson screen's navigation workers and the rest of its page, then for the redraws they
    cause; returns the screen."""
    from lstm_tui.screens.lesson import LessonScreen

    app = pilot.app
    await pilot.pause()
    await app.workers.wait_for_complete()
    screen = app.screen
    if isinstance(screen, LessonScreen):
        await screen.view.rendered()
    for _ in range(3):
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
    return screen


def screen_text(svg: str) -> str:
    """The characters of a Textual SVG screenshot (tags dropped, entities decoded)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", svg.split("<style>")[0] + svg.split("</style>")[-1]))
    return text.replace("\xa0", " ")


# --- which UI packages a command loads ------------------------------------------------------------------
UI_PACKAGES = ("textual", "rich", "plotext", "textual_plotext")

# The child runs the snippet, then reports which UI packages ended up in sys.modules (last stdout line).
CHILD_TEMPLATE = """
import contextlib, io, json, sys
{snippet}
loaded = sorted(name for name in sys.modules if name.split(".")[0] in {ui_packages!r})
print(json.dumps(loaded))
"""

RUN_CLI = """
from lstm_tui.cli import main
captured = io.StringIO()
with contextlib.redirect_stdout(captured):
    try:
        status = main({argv!r})
    except SystemExit as stop:  # argparse exits after --help and --version
        status = stop.code
assert status in (0, None), f"exit status {{status}}"
assert captured.getvalue().strip(), "nothing printed"
"""


def ui_modules_loaded_by(snippet: str, packages: tuple[str, ...] = UI_PACKAGES) -> list[str]:
    """Which of ``packages`` a fresh interpreter has loaded after running ``snippet`` (this process may
    already have imported Textual)."""
    child = CHILD_TEMPLATE.format(snippet=snippet, ui_packages=packages)
    completed = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=120, cwd=PACKAGE_DIR.parent
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])
