"""The app and its terminal: without one it says so and exits 2 (it used to spin on end of file or crash
on a closed standard input); SIGTERM and SIGHUP give the terminal back (main screen, cursor, mouse
reporting off) and save progress, like ctrl+q. Real processes in a pty (POSIX only)."""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest

pty = pytest.importorskip("pty")

LEAVE_ALTERNATE_SCREEN, SHOW_CURSOR, MOUSE_OFF = b"\x1b[?1049l", b"\x1b[?25h", b"\x1b[?1000l"


@pytest.fixture
def env(tmp_path):
    environment = dict(
        os.environ,
        TERM="xterm-256color",
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        HOME=str(tmp_path),
    )
    environment.pop("TEXTUAL_DRIVER", None)
    return environment


@pytest.mark.parametrize("stdin", ["< /dev/null", "<&-", "< {file}"])
def test_without_a_terminal_the_app_says_so_and_exits_2(tmp_path, env, stdin):
    keys = tmp_path / "keys.txt"
    keys.write_text("abc")
    command = f"exec {sys.executable} -m lstm_tui explore --hidden 4 {stdin.format(file=keys)}"
    started = time.monotonic()
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=env, timeout=60)
    assert time.monotonic() - started < 30
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("lstm-tui: the app needs a terminal") and done.stderr.count("\n") == 1
    assert not (tmp_path / "state").exists()  # no crash log


class AppInPty:
    def __init__(self, env, *args):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the app on the pty
            os.execve(sys.executable, [sys.executable, "-m", "lstm_tui", *args], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.output = b""

    def read(self, seconds: float, until: bytes | None = None) -> bytes:
        start, deadline = len(self.output), time.monotonic() + seconds
        while time.monotonic() < deadline and (until is None or until not in self.output[start:]):
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # the child is gone and the pty closed
                    break
                if not chunk:
                    break
                self.output += chunk
        return self.output[start:]

    def exit_status(self, seconds: float = 20) -> int | None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.05)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        return None


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_give_the_terminal_back_and_save_progress(env, tmp_path, signum):
    app = AppInPty(env)  # the lessons beside the panel
    assert b"\x1b[?1049h" in app.read(60, until=b"quit")  # painted in the alternate screen
    os.kill(app.pid, signum)
    restored = app.read(20, until=LEAVE_ALTERNATE_SCREEN)
    restored += app.read(5, until=SHOW_CURSOR) if SHOW_CURSOR not in restored else b""  # may come after
    status = app.exit_status()
    os.close(app.fd)
    assert status == 128 + signum
    assert LEAVE_ALTERNATE_SCREEN in restored and SHOW_CURSOR in restored and MOUSE_OFF in restored
    progress = json.loads((tmp_path / "data" / "lstm-tui" / "progress.json").read_text())
    assert progress["last_lesson"]  # opened (read only once read to its end or its quiz answered)
    assert not (tmp_path / "state").exists()  # no crash log


def test_a_terminal_that_goes_away_ends_the_app(env, tmp_path):
    """Closing the pty (an SSH connection dropped) hangs the app up: it ends, no spin, no crash log."""
    app = AppInPty(env, "explore", "--hidden", "4")
    app.read(60, until=b"quit")
    os.close(app.fd)
    assert app.exit_status() == 128 + signal.SIGHUP
    assert not (tmp_path / "state").exists()
