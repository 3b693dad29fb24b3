"""How long a lesson takes to open in the lesson screen (headless, 120x40), against a bare Markdown widget.

For every lesson: "first screen" is from the request (as Ctrl+N makes it) until the lesson's first
screenful is mounted and painted, which is what the learner waits for (budget: 300 ms); "whole page" is
until every section is mounted and laid out. The reference is a bare ``Markdown`` widget in a
``VerticalScroll`` rendering the same lesson as plain Markdown in the same run, mounted at once.
Each figure is the median of ``--repeat`` openings. Prints a Markdown table.

    .venv/bin/python benchmarks/bench_lessons.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from textual.app import App
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from lstm_tui.app import LstmApp
from lstm_tui.curriculum import load_curriculum
from lstm_tui.progress import Progress

SIZE = (120, 40)
BUDGET_MS = 300


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


async def time_lesson_screen(curriculum, repeat: int) -> dict[str, tuple[float, float]]:
    """Lesson name → (first screen, whole page) in ms, medians."""
    times: dict[str, list[tuple[float, float]]] = {lesson.name: [] for lesson in curriculum}
    with tempfile.TemporaryDirectory() as folder:
        app = LstmApp(mode="lessons", curriculum=curriculum, progress=Progress(Path(folder) / "progress.json"))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await app.workers.wait_for_complete()
            screen = app.screen
            await screen.view.rendered()
            for _ in range(repeat):
                for lesson in curriculum:
                    start = time.perf_counter()
                    await screen.open_lesson(lesson)
                    await pilot.pause()  # the first screen painted
                    first = time.perf_counter()
                    await screen.view.rendered()
                    await pilot.pause()
                    times[lesson.name].append(((first - start) * 1000, (time.perf_counter() - start) * 1000))
    return {name: tuple(statistics.median(values) for values in zip(*runs)) for name, runs in times.items()}


class BareMarkdown(App):
    def compose(self):
        yield VerticalScroll(id="page")


async def time_bare_markdown(curriculum, repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {lesson.name: [] for lesson in curriculum}
    app = BareMarkdown()
    async with app.run_test(size=SIZE) as pilot:
        page = app.query_one("#page")
        for _ in range(repeat):
            for lesson in curriculum:
                await page.remove_children()
                await pilot.pause()
                start = time.perf_counter()
                await page.mount(Markdown(lesson.markdown(), open_links=False))
                await pilot.pause()
                times[lesson.name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


async def main(repeat: int) -> None:
    curriculum = load_curriculum()
    screen = await time_lesson_screen(curriculum, repeat)
    bare = await time_bare_markdown(curriculum, repeat)
    print(f"Opening each lesson at {SIZE[0]}x{SIZE[1]}, median of {repeat} (ms; budget {BUDGET_MS} ms for the first screen)\n")
    print("| lesson | lines | first screen | whole page | bare Markdown, whole page |")
    print("|---|---:|---:|---:|---:|")
    for lesson in curriculum:
        first, whole = screen[lesson.name]
        mark = "" if first <= BUDGET_MS else " ⚠"
        print(f"| {lesson.name} | {lesson.line_count} | {first:.0f}{mark} | {whole:.0f} | {bare[lesson.name]:.0f} |")
    firsts = [first for first, _ in screen.values()]
    print(f"\nfirst screen: median {statistics.median(firsts):.0f} ms, worst {max(firsts):.0f} ms; "
          f"{sum(f <= BUDGET_MS for f in firsts)}/{len(firsts)} within {BUDGET_MS} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    asyncio.run(main(parser.parse_args().repeat))
