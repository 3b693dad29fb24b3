"""Hostile-input budgets (issue 7): a 10 MB paste into the live panel, and memory over a long soak.

Runs the app headless (``App.run_test``) at 80x24 with a hidden size of 32 and measures, in the app's
own event loop:

* the longest stall while a 10 MB paste is handled: a heartbeat task sleeps 1 ms at a time and records
  the largest gap between its wake-ups, from posting the ``Paste`` event until the panel has stepped the
  model over it; also the time until then, that nothing was lost (the input holds every character), and
  the longest stall of each of 20 keys typed after the paste (each key still sees the 10 MB text);
  for an ASCII paste and for a mixed one (newlines, accents, CJK, emoji: a 4-byte-per-character str);
* resident memory (/proc/self/statm) over a soak of 100,000 keystrokes, sampled every 10,000 keys. Keys
  are posted as the terminal driver posts them, in bursts of 100, each burst waited for until the
  session has stepped over its last key (no backlog is measured).

* the terminal side of the ASCII paste: ``lstm-tui explore`` in a pty (bench_panel's ``Terminal``)
  gets it as bracketed-paste bytes, written as fast as the pty takes them; seconds until the last byte
  is written and until the status line shows the pasted length (Textual's input thread parses it).

    .venv/bin/python benchmarks/bench_soak.py [--megabytes 10] [--keys 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import select
import sys
import time

from textual import events
from textual.keys import _character_to_key

from lstm_tui.app import LstmApp
from lstm_tui.panel_setup import PanelSetup

SIZE = (80, 24)
TYPED = "the quick brown fox jumps over the lazy dog; q? 1 2 3 (it's) "
MIXED = "déjà vu, naïve café\nλ = 0.5 → 中文 한국어 😀👍🏽\tend\u0301\n"
KEYS_AFTER_PASTE = 20
BURST = 100
PAGE = os.sysconf("SC_PAGE_SIZE")


class Heartbeat:
    """The longest gap between wake-ups of a task that asks to sleep 1 ms: how long the loop was blocked."""

    def __init__(self):
        self.longest = 0.0
        self._task = None

    async def _beat(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last - 0.001)
            last = now

    def start(self) -> None:
        self.longest = 0.0
        self._task = asyncio.create_task(self._beat())

    async def stop(self) -> float:
        self._task.cancel()
        await asyncio.sleep(0)
        return self.longest


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


async def settled(app, pilot, length: int) -> None:
    """Wait until the panel's session holds ``length`` characters and the redraw it asked for is done."""
    while len(app.screen.panel.session.text) != length:
        await asyncio.sleep(0.001)
    await pilot.pause()


def key_event(char: str) -> events.Key:
    return events.Key(_character_to_key(char), char)


async def paste_run(text: str) -> dict:
    app = LstmApp(PanelSetup(hidden=32, seed=0))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text_input = app.screen.query_one("#text")
        beat = Heartbeat()
        gc.collect()
        beat.start()
        started = time.perf_counter()
        app.post_message(events.Paste(text))
        await settled(app, pilot, len(text))
        elapsed = time.perf_counter() - started
        paste_stall = await beat.stop()
        kept = text_input.value == text and app.screen.panel.session.text == text
        key_stalls = []
        for index in range(KEYS_AFTER_PASTE):
            beat.start()
            app.post_message(key_event(TYPED[index]))
            await settled(app, pilot, len(text) + index + 1)
            key_stalls.append(await beat.stop())
        kept = kept and text_input.value == text + TYPED[:KEYS_AFTER_PASTE]
    return {"stall": paste_stall, "elapsed": elapsed, "kept": kept, "key_stall": max(key_stalls)}


async def soak_run(keys: int, every: int) -> list[tuple[int, float]]:
    app = LstmApp(PanelSetup(hidden=32, seed=0))
    samples = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        samples.append((0, rss_mib()))
        for sent in range(0, keys, BURST):
            for index in range(sent, sent + BURST):
                app.post_message(key_event(TYPED[index % len(TYPED)]))
            await settled(app, pilot, sent + BURST)
            if (sent + BURST) % every == 0:
                samples.append((sent + BURST, rss_mib()))
    return samples


def pty_paste(text: str) -> tuple[float, float]:
    """(seconds to write ``text`` as a bracketed paste into the app's pty, seconds until it shows)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_panel import EXPLORE, Terminal

    terminal = Terminal(EXPLORE, ["--hidden", "32"], *SIZE)
    terminal.panel_started()
    terminal.settle(time.perf_counter())
    data = memoryview(b"\x1b[200~" + text.encode() + b"\x1b[201~")
    started, sent, seen = time.perf_counter(), 0, b""
    while sent < len(data):  # keep reading, so the app never blocks on a full pty
        readable, writable, _ = select.select([terminal.fd], [terminal.fd], [], 1)
        if readable:
            seen = (seen + terminal._read())[-4096:]
        if writable:
            sent += os.write(terminal.fd, data[sent : sent + 65536])
    written = time.perf_counter() - started
    shown, _ = terminal.wait_for(f"of {len(text)} chars".encode(), timeout=300, seen=seen)
    terminal.close()
    return written, shown - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=10_000)
    args = parser.parse_args()
    characters = int(args.megabytes * 1_000_000)

    # The soak first, in a fresh process: memory the pastes freed would otherwise hide growth.
    samples = asyncio.run(soak_run(args.keys, args.every))
    print(f"### Resident memory over {args.keys:,} keystrokes (bursts of {BURST})\n")
    print("| keys | RSS |")
    print("|---:|---:|")
    for count, rss in samples:
        print(f"| {count:,} | {rss:.1f} MiB |")
    later = [rss for count, rss in samples if count >= 2 * args.every]
    if len(later) >= 2:
        print(
            f"\nFrom {2 * args.every:,} keys on: min {min(later):.1f}, max {max(later):.1f} MiB, "
            f"last − first {later[-1] - later[0]:+.1f} MiB"
        )
    sys.stdout.flush()

    print(f"\n### Paste of {args.megabytes:g} MB into the panel (80x24, hidden 32)\n")
    print("| paste | characters | longest stall | until stepped | nothing lost | longest stall per key after it |")
    print("|---|---:|---:|---:|---|---:|")
    for name, unit in (("ASCII", TYPED), ("mixed (newlines, CJK, emoji)", MIXED)):
        # ``characters`` UTF-8 bytes of the text, as a terminal would send them
        text = (unit * (characters // len(unit.encode()) + 1))[:characters]
        text = text.encode()[:characters].decode(errors="ignore")
        result = asyncio.run(paste_run(text))
        print(
            f"| {name} | {len(text):,} | {result['stall'] * 1000:.0f} ms | {result['elapsed'] * 1000:.0f} ms "
            f"| {'yes' if result['kept'] else 'NO'} | {result['key_stall'] * 1000:.1f} ms |"
        )
    written, shown = pty_paste((TYPED * (characters // len(TYPED) + 1))[:characters])
    print(
        f"\nThrough a pty (80x24): the ASCII paste written in {written:.1f} s, shown by the panel after {shown:.1f} s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
