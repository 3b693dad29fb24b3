"""How long a lesson takes to open in the lesson screen (headless), against a bare Markdown widget.

For every lesson and terminal size, timed from the call that opens it (what Ctrl+N, the lesson list
and lesson links run) to:

- **first screen**: the first frame written in which the lesson's title heading is laid out and
  shown (what the learner waits for; budget 300 ms); the table flags a frame in which the page did
  not yet fill the view. A frame is caught through the screen's ``screen_layout_refresh_signal``,
  which Textual publishes after it has composed and written one.
- **back (cached)**: the same, going back to the lesson opened just before.
- **whole page**: until every block is mounted and the refresh after that is done.
- **longest stall**: the longest the event loop was blocked between the first screen and the whole
  page, i.e. how long a key pressed meanwhile could wait.

The reference is a bare ``Markdown`` widget in a ``VerticalScroll`` of the same size rendering the
whole lesson as plain Markdown in the same run: from its mount to its first frame. Each figure is
the median of ``--repeat`` rounds. Prints one Markdown table per size, with the load average.

    .venv/bin/python benchmarks/bench_lessons.py [--repeat 3] [--size 120x40 --size 80x24]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from textual.app import App
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from lstm_tui.app import LstmApp
from lstm_tui.curriculum import load_curriculum
from lstm_tui.progress import Progress

SIZES = ((120, 40), (80, 24))
BUDGET_MS = 300
LAG_TICK = 0.005  # seconds between the stall monitor's wake-ups


class FrameWatch:
    """The time of the first frame after ``arm`` for which ``shown()`` holds, and whether it was full."""

    def __init__(self, screen, subscriber):
        self.shown = None
        self.filled = None
        self.time: float | None = None
        self.was_filled = False
        screen.screen_layout_refresh_signal.subscribe(subscriber, self._frame, immediate=True)

    def arm(self, shown, filled) -> None:
        self.shown, self.filled, self.time = shown, filled, None

    def _frame(self, _screen) -> None:
        if self.time is None and self.shown is not None and self.shown():
            self.time = time.perf_counter()
            self.was_filled = self.filled()


class StallMonitor:
    """Records how late the event loop wakes a task that sleeps ``LAG_TICK`` at a time."""

    def __init__(self):
        self.samples: list[tuple[float, float]] = []  # (wake-up time, lateness)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(LAG_TICK)
            now = time.perf_counter()
            self.samples.append((now, now - before - LAG_TICK))

    def longest_after(self, start: float) -> float:
        return max((lag for when, lag in self.samples if when > start), default=0.0)

    def stop(self) -> None:
        self._task.cancel()


@dataclass
class Timings:
    first: list[float] = field(default_factory=list)
    back: list[float] = field(default_factory=list)
    whole: list[float] = field(default_factory=list)
    stall: list[float] = field(default_factory=list)
    unfilled: int = 0


def lesson_on_screen(view, lesson):
    """True once the lesson's own title heading has a place on the screen (a hidden page has none)."""
    return lambda: any(str(h._content) == lesson.title and h.region for h in view.query("MarkdownH1"))


def view_filled(view):
    return lambda: view.virtual_size.height >= view.scrollable_content_region.height


async def time_lesson_screen(curriculum, size, repeat: int) -> dict[str, Timings]:
    timings = {lesson.name: Timings() for lesson in curriculum}
    with tempfile.TemporaryDirectory() as folder:
        app = LstmApp(mode="lessons", curriculum=curriculum, progress=Progress(Path(folder) / "progress.json"))
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            view = screen.view
            watch = FrameWatch(screen, view)

            async def open_timed(lesson) -> tuple[float, float, float]:
                """(first screen, whole page, longest stall after the first screen) in ms."""
                watch.arm(lesson_on_screen(view, lesson), view_filled(view))
                monitor = StallMonitor()
                start = time.perf_counter()
                screen.navigate(lesson)
                await app.workers.wait_for_complete()
                await view.rendered()
                await view.wait_for_refresh()  # the last blocks laid out and painted
                whole = time.perf_counter()
                await pilot.pause()
                monitor.stop()
                assert watch.time is not None, f"no frame showed {lesson.name}"
                whole = max(whole, watch.time)  # a cached page is complete before its frame
                if not watch.was_filled:
                    timings[lesson.name].unfilled += 1
                return (watch.time - start) * 1000, (whole - start) * 1000, monitor.longest_after(watch.time) * 1000

            previous = curriculum.lessons[-1]
            for lesson in (curriculum.lessons[-2], previous):  # so the first lesson is no longer cached
                await open_timed(lesson)
            for _ in range(repeat):
                for lesson in curriculum:
                    first, whole, stall = await open_timed(lesson)
                    entry = timings[lesson.name]
                    entry.first.append(first)
                    entry.whole.append(whole)
                    entry.stall.append(stall)
                    back, _, _ = await open_timed(previous)
                    timings[previous.name].back.append(back)
                    await open_timed(lesson)  # so the next lesson is opened from this one
                    previous = lesson
    return timings


class BareMarkdown(App):
    def compose(self):
        yield VerticalScroll(id="page")


async def time_bare_markdown(curriculum, size, repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {lesson.name: [] for lesson in curriculum}
    app = BareMarkdown()
    async with app.run_test(size=size) as pilot:
        page = app.query_one("#page")
        watch = FrameWatch(app.screen, page)
        for _ in range(repeat):
            for lesson in curriculum:
                await page.remove_children()
                await pilot.pause()
                markdown = Markdown(lesson.markdown(), open_links=False)
                watch.arm(
                    lambda markdown=markdown: markdown.is_mounted and page.virtual_size.height > 0, view_filled(page)
                )
                start = time.perf_counter()
                await page.mount(markdown)
                await pilot.pause()
                times[lesson.name].append((watch.time - start) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def table(curriculum, size, screen: dict[str, Timings], bare: dict[str, float], repeat: int) -> str:
    rows = [
        f"Opening each lesson at {size[0]}x{size[1]}, median of {repeat} "
        f"(ms; budget {BUDGET_MS} ms for the first screen)",
        "",
        "| lesson | lines | first screen | back (cached) | whole page | longest stall | bare Markdown, first frame |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    median = statistics.median
    for lesson in curriculum:
        t = screen[lesson.name]
        first = median(t.first)
        mark = ("" if first <= BUDGET_MS else " ⚠") + (f" (not full {t.unfilled}×)" if t.unfilled else "")
        back = f"{median(t.back):.0f}" if t.back else "–"
        rows.append(
            f"| {lesson.name} | {lesson.line_count} | {first:.0f}{mark} | {back} | {median(t.whole):.0f} "
            f"| {median(t.stall):.0f} | {bare[lesson.name]:.0f} |"
        )
    firsts = [median(t.first) for t in screen.values()]
    rows += [
        "",
        f"first screen: median {median(firsts):.0f} ms, worst {max(firsts):.0f} ms; "
        f"{sum(f <= BUDGET_MS for f in firsts)}/{len(firsts)} within {BUDGET_MS} ms",
    ]
    return "\n".join(rows)


async def main(repeat: int, sizes) -> None:
    curriculum = load_curriculum()
    load_before = os.getloadavg()
    tables = []
    for size in sizes:
        screen = await time_lesson_screen(curriculum, size, repeat)
        bare = await time_bare_markdown(curriculum, size, repeat)
        tables.append(table(curriculum, size, screen, bare, repeat))
    load_after = os.getloadavg()
    print("\n\n".join(tables))
    print(
        f"\nload average (1, 5, 15 min) before {' '.join(f'{x:.2f}' for x in load_before)}, "
        f"after {' '.join(f'{x:.2f}' for x in load_after)}; {os.cpu_count()} CPUs"
    )


def parse_size(text: str) -> tuple[int, int]:
    columns, _, rows = text.partition("x")
    return int(columns), int(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size", type=parse_size, action="append", help="COLUMNSxROWS (default: 120x40 and 80x24)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.repeat, arguments.size or SIZES))
