"""Helpers the UI tests share (Pilot and snapshot tests): one place, so no test module imports another."""

import html
import re


def press_and_settle(*keys):
    """For ``snap_compare(run_before=...)``: type, then wait until every coalesced redraw has run, so the
    picture is deterministic."""

    async def run_before(pilot):
        wait_for_panel = getattr(pilot.app.screen, "wait_for_panel", None)
        if wait_for_panel is not None:  # the panel's keys act once it has started
            await wait_for_panel()
        await pilot.press(*keys)
        for _ in range(3):
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()

    return run_before


def screen_text(svg: str) -> str:
    """The characters of a Textual SVG screenshot (tags dropped, entities decoded)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", svg.split("<style>")[0] + svg.split("</style>")[-1]))
    return text.replace("\xa0", " ")
