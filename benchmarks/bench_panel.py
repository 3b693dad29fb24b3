"""Live-panel budgets, measured on the real app under a pseudo-terminal (issue 3).

Runs ``lstm-tui explore --hidden 32`` (the explore command's ``run``) in a pty with TERM=xterm-256color
at 80x24 and 120x40, types keys one at a time and prints Markdown tables:

* keystroke → settled: from writing a key to the last byte of the app's answer. The answer counts as
  complete once the status line shows the new step ("step n/n") *and* the output has then been quiet
  for QUIET seconds, so a frame that arrives late is never counted as the next key's;
* bytes written to the terminal per keystroke (same boundaries), median and p95;
* app CPU per keystroke: the child's user + system time (/proc/<pid>/stat) over all keys / keys;
* the same bytes and CPU for a bare Textual app with one Input (the floor of echoing a key), and the
  panel's ratios to it;
* idle bytes per second (nothing typed for IDLE seconds);
* cold start to first paint (the input's placeholder appears), against a bare Textual app started
  the same way, alternating the two, in the same run; and, for the panel, until its views are drawn
  (the status line names the model): the first frame holds the input, NumPy and the model load after it;
* resident memory after typing 10,000 characters and after 10,000 more, in bursts of 100, each burst
  waited for until the status line shows its last step (so no backlog of unread keys is measured).

Two more cases (issue 16), key → settled, bytes and CPU per key the same way: the panel with its
attribution line shown (shift+F4: a backward pass per key), and the compare view with three panels
(``lstm-tui compare lstm rnn gru --hidden 32``: the answer is complete once all three status lines
show the step). ``--cases`` picks which run; the reference, cold-start and memory figures belong to
the plain panel.

    .venv/bin/python benchmarks/bench_panel.py [--keys 200] [--starts 7] [--cases panel,attribution,compare]
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

QUIET = 0.05  # seconds without output, after the expected content, that count as "settled"
IDLE = 3.0
TEXT = "the quick brown fox jumps over the lazy dog; q? 1 2 3 (it's) "
TICKS = os.sysconf("SC_CLK_TCK")

EXPLORE = (  # through the CLI, as a user starts it; mouse reporting off, as over SSH
    "import sys\nfrom lstm_tui.cli import main\nsys.exit(main(['--no-mouse', 'explore', *sys.argv[1:]]))\n"
)
BARE = (
    "from textual.app import App\n"
    "from textual.widgets import Static\n"
    "class Bare(App):\n"
    "    def compose(self):\n"
    "        yield Static('type here: bare')\n"
    "Bare().run()\n"
)
BARE_INPUT = (  # the reference for a key's cost: Textual's own Input echoing it, nothing else
    "from textual.app import App\n"
    "from textual.widgets import Input\n"
    "class BareInput(App):\n"
    "    def compose(self):\n"
    "        yield Input(placeholder='type here: bare')\n"
    "BareInput().run()\n"
)
COMPARE = "import sys\nfrom lstm_tui.cli import main\nsys.exit(main(['--no-mouse', 'compare', *sys.argv[1:]]))\n"
SHIFT_F4 = b"\x1b[1;2S"  # xterm's shift+F4: the attribution line
# name: (program, its arguments, keys sent once the panels are drawn, and what they then show, panels)
CASES = {
    "panel": (EXPLORE, ["--hidden", "32"], b"", b"", 1),
    "attribution": (EXPLORE, ["--hidden", "32"], SHIFT_F4, b"which characters drive", 1),
    "compare": (COMPARE, ["lstm", "rnn", "gru", "--hidden", "32"], b"", b"", 3),
}
READY = b"ype here"  # the input's placeholder (its first letter sits under the cursor)
PANEL_DRAWN = b"H=32"  # the status line names the model once the panel has started


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

    def wait_for(self, marker: bytes, timeout: float = 20.0, seen: bytes = b"", times: int = 1) -> tuple[float, bytes]:
        """(time of the read that completed ``marker``, everything read) once ``marker`` is in the output
        ``times`` times (once per panel that shows it)."""
        deadline = time.perf_counter() + timeout
        while seen.count(marker) < times:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no {marker!r} after {timeout} s")
            if select.select([self.fd], [], [], 0.5)[0]:
                seen += self._read()
        return time.perf_counter(), seen

    def first_paint(self) -> float:
        return self.wait_for(READY)[0] - self.started

    def panel_started(self) -> tuple[float, float]:
        """Seconds from the start to the panel's first paint, and to its views drawn."""
        painted, seen = self.wait_for(READY)
        drawn, _ = self.wait_for(PANEL_DRAWN, seen=seen)
        return painted - self.started, drawn - self.started

    def settle(self, after: float) -> tuple[float, int]:
        """(time of the last byte, bytes) once the output has been quiet for QUIET seconds."""
        last, count = after, 0
        while select.select([self.fd], [], [], QUIET)[0]:
            chunk = self._read()
            if not chunk:
                break
            count += len(chunk)
            last = time.perf_counter()
        return last, count

    def send(self, data: bytes, marker: bytes, times: int = 1) -> tuple[float, int]:
        """Write ``data``; (seconds to settled, bytes of the answer) once ``marker`` shows ``times`` times and
        all is quiet."""
        sent = time.perf_counter()
        os.write(self.fd, data)
        shown, seen = self.wait_for(marker, times=times)
        last, more = self.settle(shown)
        return last - sent, len(seen) + more

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime

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


def step_marker(length: int) -> bytes:
    """What the status line shows once the model has stepped over ``length`` characters."""
    return f"step {length}/{length}".encode()


def window_length(typed: int, window: int = 512) -> int:
    """Characters the model runs on after ``typed`` (the session's window start moves in window // 4 strides)."""
    stride = window // 4
    return typed if typed <= window else typed - -(-(typed - window) // stride) * stride


def typing_figures(cols: int, rows: int, keys: int, case: str = "panel") -> dict:
    code, args, setup_keys, setup_shows, panels = CASES[case]
    terminal = Terminal(code, args, cols, rows)
    _, seen = terminal.wait_for(READY)
    terminal.wait_for(PANEL_DRAWN, seen=seen, times=panels)
    terminal.settle(time.perf_counter())
    if setup_keys:
        terminal.send(setup_keys, setup_shows)
    latencies, sizes = [], []
    cpu_before = terminal.cpu_seconds()
    for k in range(keys):
        latency, size = terminal.send(TEXT[k % len(TEXT)].encode(), step_marker(k + 1), times=panels)
        latencies.append(latency * 1000)
        sizes.append(size)
    cpu = (terminal.cpu_seconds() - cpu_before) / keys * 1000
    idle = len(terminal.read_for(IDLE)) / IDLE
    terminal.close()
    return {"latency": latencies, "bytes": sizes, "cpu": cpu, "idle": idle}


def reference_figures(cols: int, rows: int, keys: int) -> dict:
    """CPU and bytes per key of a bare Textual app with one Input (no status line to wait for: each
    answer is complete once the output has been quiet for QUIET seconds)."""
    terminal = Terminal(BARE_INPUT, [], cols, rows)
    terminal.first_paint()
    terminal.settle(time.perf_counter())
    sizes = []
    cpu_before = terminal.cpu_seconds()
    for k in range(keys):
        os.write(terminal.fd, TEXT[k % len(TEXT)].encode())
        sizes.append(terminal.settle(time.perf_counter())[1])
    cpu = (terminal.cpu_seconds() - cpu_before) / keys * 1000
    terminal.close()
    return {"bytes": sizes, "cpu": cpu}


def memory_figures(cols: int, rows: int, total: int = 10_000, chunk: int = 100) -> list[float]:
    terminal = Terminal(EXPLORE, ["--hidden", "32"], cols, rows)
    terminal.panel_started()
    rss, typed = [], 0
    for _ in range(2):
        for _ in range(0, total, chunk):
            burst = "".join(TEXT[(typed + j) % len(TEXT)] for j in range(chunk))
            typed += chunk
            terminal.send(burst.encode(), step_marker(window_length(typed)))
        rss.append(terminal.rss_mb())
    terminal.close()
    return rss


def cold_starts(starts: int) -> tuple[list[float], list[float], list[float]]:
    """Seconds to the first paint of the panel, to its drawn views, and to a bare Textual app's first
    paint, the two apps started alternately."""
    panel, drawn, bare = [], [], []
    for _ in range(starts):
        terminal = Terminal(EXPLORE, ["--hidden", "32"], 80, 24)
        painted, views_drawn = terminal.panel_started()
        panel.append(painted)
        drawn.append(views_drawn)
        terminal.close()
        terminal = Terminal(BARE, [], 80, 24)
        bare.append(terminal.first_paint())
        terminal.close()
    return panel, drawn, bare


def machine() -> str:
    """The CPU model (as lscpu names it) and the load average: figures on a shared machine need both."""
    model = "unknown CPU"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return f"{model}, {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"


def typing_table(case: str, keys: int) -> dict:
    """Print one case's row per size; returns its figures by size."""
    print(f"case {case}: {' '.join(CASES[case][1])}; {machine()}\n")
    print("| size | key → settled median | p95 | bytes/key median | p95 | app CPU/key (mean) | idle B/s |")
    print("|---|---|---|---|---|---|---|")
    results = {}
    for cols, rows in ((80, 24), (120, 40)):
        figures = results[cols, rows] = typing_figures(cols, rows, keys, case)
        lat, size = figures["latency"], figures["bytes"]
        print(
            f"| {cols}x{rows} | {statistics.median(lat):.1f} ms | {percentile(lat, 0.95):.1f} ms "
            f"| {statistics.median(size):.0f} B | {percentile(size, 0.95):.0f} B "
            f"| {figures['cpu']:.1f} ms | {figures['idle']:.0f} |",
            flush=True,
        )
    print(f"\nafter: {machine()}\n", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=200, help="keystrokes per size (default 200)")
    parser.add_argument("--starts", type=int, default=7, help="cold starts of each app (default 7)")
    parser.add_argument("--no-memory", action="store_true", help="skip the 20,000-character memory run")
    parser.add_argument(
        "--cases", default=",".join(CASES), help=f"which to run, comma-separated (default {','.join(CASES)})"
    )
    args = parser.parse_args()
    cases = args.cases.split(",")
    unknown = set(cases) - set(CASES)
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    print(f"TERM=xterm-256color, {args.keys} keys per size, plot visible\n")
    for case in cases:
        if case != "panel":
            typing_table(case, args.keys)
    if "panel" not in cases:
        return 0
    references = {
        size: (figures, reference_figures(*size, args.keys))
        for size, figures in typing_table("panel", args.keys).items()
    }
    print("| reference: bare Textual app, one Input | bytes/key median | ratio | CPU/key | ratio |")
    print("|---|---|---|---|---|")
    for (cols, rows), (panel, bare) in references.items():
        panel_bytes, bare_bytes = statistics.median(panel["bytes"]), statistics.median(bare["bytes"])
        print(
            f"| {cols}x{rows} | {bare_bytes:.0f} B | {panel_bytes / bare_bytes:.2f} "
            f"| {bare['cpu']:.1f} ms | {panel['cpu'] / bare['cpu']:.2f} |",
            flush=True,
        )
    panel, drawn, bare = cold_starts(args.starts)
    reference = statistics.median(bare)
    print()
    print(f"| cold start (80x24, median of {args.starts}) | seconds | ratio to the bare app |")
    print("|---|---|---|")
    print(f"| bare Textual app, first paint (same run) | {reference:.3f} | 1.00 |")
    for label, times in (
        ("lstm-tui explore, first paint (input ready)", panel),
        ("lstm-tui explore, views drawn", drawn),
    ):
        print(f"| {label} | {statistics.median(times):.3f} | {statistics.median(times) / reference:.2f} |")
    sys.stdout.flush()
    if not args.no_memory:
        first, second = memory_figures(80, 24)
        print()
        print("| RSS after typing (80x24, H=32) | MB |")
        print("|---|---|")
        print(f"| 10,000 characters | {first:.1f} |")
        print(f"| 20,000 characters | {second:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
