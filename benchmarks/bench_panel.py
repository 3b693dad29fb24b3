"""Live-panel budgets, measured on the real app under a pseudo-terminal (issue 3).

Runs ``lstm-tui explore`` (the explore command's ``run``) in a pty with TERM=xterm-256color at 80x24
and 120x40, types keys one at a time and reports, as a Markdown table:

* keystroke → settled: time from writing a key to the last byte of the app's answer (the output then
  stays quiet for QUIET seconds), median and p95;
* bytes written to the terminal per keystroke, median and p95;
* idle bytes per second (nothing typed for IDLE seconds);
* cold start to first paint (the placeholder text appears), against a bare Textual app in the same run;
* resident memory after typing 10,000 characters, and after 10,000 more (flat or not).

    .venv/bin/python benchmarks/bench_panel.py [--keys 200]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import termios
import time

QUIET = 0.06  # seconds without output that count as "settled"
IDLE = 3.0
TEXT = "the quick brown fox jumps over the lazy dog; q? 1 2 3 (it's) "

EXPLORE = (
    "import argparse, sys\n"
    "from lstm_tui.commands import explore\n"
    "parser = argparse.ArgumentParser(); explore.add_arguments(parser)\n"
    "sys.exit(explore.run(parser.parse_args(sys.argv[1:])))\n"
)
BARE = (
    "from textual.app import App\n"
    "from textual.widgets import Static\n"
    "class Bare(App):\n"
    "    def compose(self):\n"
    "        yield Static('type here: bare')\n"
    "Bare().run()\n"
)
READY = b"ype here"  # the input's placeholder (its first letter sits under the cursor)


class Terminal:
    def __init__(self, code: str, args: list[str], cols: int, rows: int):
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": ""}
            env.pop("TEXTUAL", None)
            os.execve(sys.executable, [sys.executable, "-c", code, *args], env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def read_for(self, seconds: float) -> bytes:
        end, data = time.perf_counter() + seconds, b""
        while (left := end - time.perf_counter()) > 0:
            if select.select([self.fd], [], [], left)[0]:
                data += self._read()
        return data

    def _read(self) -> bytes:
        try:
            return os.read(self.fd, 65536)
        except OSError:
            return b""

    def wait_for(self, marker: bytes, timeout: float = 20.0) -> float:
        """Seconds from start until ``marker`` appears in the output."""
        seen = b""
        while marker not in seen:
            if time.perf_counter() - self.started > timeout:
                raise TimeoutError(f"no {marker!r} after {timeout} s")
            if select.select([self.fd], [], [], 0.5)[0]:
                seen += self._read()
        return time.perf_counter() - self.started

    def settle(self) -> tuple[float, int]:
        """(time of the last byte, bytes) once the output has been quiet for QUIET seconds."""
        last, count = time.perf_counter(), 0
        while select.select([self.fd], [], [], QUIET)[0]:
            chunk = self._read()
            if not chunk:
                break
            count += len(chunk)
            last = time.perf_counter()
        return last, count

    def key(self, data: bytes) -> tuple[float, int]:
        sent = time.perf_counter()
        os.write(self.fd, data)
        last, count = self.settle()
        return (last - sent) if count else 0.0, count

    def rss_mb(self) -> float:
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        os.write(self.fd, b"\x11")  # ctrl+q
        deadline = time.perf_counter() + 3
        while time.perf_counter() < deadline:
            if os.waitpid(self.pid, os.WNOHANG)[0]:
                return
            self.read_for(0.05)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def typing_figures(cols: int, rows: int, keys: int) -> dict:
    terminal = Terminal(EXPLORE, ["--hidden", "32"], cols, rows)
    first_paint = terminal.wait_for(READY)
    terminal.settle()
    latencies, sizes = [], []
    for k in range(keys):
        latency, size = terminal.key(TEXT[k % len(TEXT)].encode())
        latencies.append(latency * 1000)
        sizes.append(size)
    idle = len(terminal.read_for(IDLE)) / IDLE
    terminal.close()
    return {"first_paint": first_paint, "latency": latencies, "bytes": sizes, "idle": idle}


def memory_figures(cols: int, rows: int, total: int = 10_000, chunk: int = 100) -> tuple[float, float]:
    terminal = Terminal(EXPLORE, ["--hidden", "32"], cols, rows)
    terminal.wait_for(READY)
    rss = []
    for _ in range(2):
        for start in range(0, total, chunk):
            os.write(terminal.fd, "".join(TEXT[(start + j) % len(TEXT)] for j in range(chunk)).encode())
            terminal.settle()
        terminal.read_for(0.5)
        rss.append(terminal.rss_mb())
    terminal.close()
    return rss[0], rss[1]


def bare_first_paint(cols: int, rows: int) -> float:
    terminal = Terminal(BARE, [], cols, rows)
    seconds = terminal.wait_for(READY)
    terminal.close()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=200, help="keystrokes per size (default 200)")
    parser.add_argument("--starts", type=int, default=5, help="cold starts of each app (default 5)")
    args = parser.parse_args()
    print("| size | latency median | latency p95 | bytes/key median | bytes/key p95 | idle B/s |")
    print("|---|---|---|---|---|---|")
    for cols, rows in ((80, 24), (120, 40)):
        figures = typing_figures(cols, rows, args.keys)
        lat, size = figures["latency"], figures["bytes"]
        print(f"| {cols}x{rows} | {statistics.median(lat):.1f} ms | {percentile(lat, 0.95):.1f} ms "
              f"| {statistics.median(size):.0f} B | {percentile(size, 0.95):.0f} B | {figures['idle']:.0f} |")
    panel = [typing_figures(80, 24, 0)["first_paint"] for _ in range(args.starts)]
    bare = [bare_first_paint(80, 24) for _ in range(args.starts)]
    print()
    print("| cold start to first paint (80x24, median) | seconds |")
    print("|---|---|")
    print(f"| bare Textual app | {statistics.median(bare):.3f} |")
    print(f"| lstm-tui explore | {statistics.median(panel):.3f} |")
    print(f"| ratio | {statistics.median(panel) / statistics.median(bare):.2f} |")
    first, second = memory_figures(80, 24)
    print()
    print("| RSS after typing (80x24, H=32) | MB |")
    print("|---|---|")
    print(f"| 10,000 characters | {first:.1f} |")
    print(f"| 20,000 characters | {second:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
