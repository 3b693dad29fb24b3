"""The CLI's own surface: --help, --version, --reset-progress, and errors as one line."""

import json
import subprocess
import sys

import pytest

from lstm_tui import __version__
from lstm_tui.cli import COMMANDS, main
from lstm_tui.limits import LAB_HIDDEN, TRAINING_DEFAULTS, VIEW_HIDDEN


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"lstm-tui {__version__}"


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize(
    ("command", "default"),
    [
        ("explore", VIEW_HIDDEN),
        ("trace", VIEW_HIDDEN),
        ("gradients", LAB_HIDDEN),
        ("train", TRAINING_DEFAULTS["hidden"]),
    ],
)
def test_each_help_gives_its_default_hidden_size_and_says_why_it_differs(capsys, command, default):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    hidden = text[text.index("--hidden N ") + len("--hidden N ") :]
    hidden = hidden[: hidden.index(" --")]
    assert f"default {default}" in hidden or f"default: {default}" in hidden, hidden
    if default != VIEW_HIDDEN:  # not the size the panel shows: the help says why
        assert f"{default}: " in hidden and len(hidden.split(f"{default}: ")[1]) > 20, hidden


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "lstm_tui", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and __version__ in done.stdout


def test_reset_progress_removes_the_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    from lstm_tui.progress import default_path

    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"read": ["01-plain-rnn"]}))
    assert main(["--reset-progress"]) == 0
    assert not path.exists()
    assert "Progress reset" in capsys.readouterr().out


def test_user_error_is_one_line_exit_2(capsys):
    assert main(["trace", "abc", "--cell", "no-such-cell"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no-such-cell" in err and "Traceback" not in err


def test_reset_progress_with_nothing_saved_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["--reset-progress"]) == 0
    assert "Nothing to reset" in capsys.readouterr().out


ESCAPE_DELAY_PROBE = """
from lstm_tui.cli import allow_for_slow_links
allow_for_slow_links()
from textual import constants
print(constants.ESCAPE_DELAY)
"""


@pytest.mark.parametrize(
    "environment, delay",
    [
        ({}, 0.1),
        ({"SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22"}, 0.25),
        ({"SSH_TTY": "/dev/pts/3", "ESCDELAY": "40"}, 0.04),
    ],
    ids=["local", "ssh", "ssh-user-choice"],
)
def test_escape_delay_allows_for_slow_links(environment, delay):
    """Textual's wait for the rest of an escape sequence: longer over SSH unless the user chose."""
    import os

    env = {key: value for key, value in os.environ.items() if key not in ("SSH_CONNECTION", "SSH_TTY", "ESCDELAY")}
    completed = subprocess.run(
        [sys.executable, "-c", ESCAPE_DELAY_PROBE],
        capture_output=True,
        text=True,
        env={**env, **environment},
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert float(completed.stdout) == delay


def test_a_sequence_split_within_the_delay_is_one_key(monkeypatch):
    """What the delay buys: ESC, then 200 ms later the rest of alt+left, is alt+left (not ESC and text)."""
    from textual import _parser, constants
    from textual._xterm_parser import XTermParser

    clock = [0.0]
    monkeypatch.setattr(_parser, "get_time", lambda: clock[0])
    monkeypatch.setattr(constants, "ESCAPE_DELAY", 0.25)
    parser = XTermParser()
    keys = [*parser.feed("\x1b")]
    clock[0] += 0.2
    keys += [*parser.tick(), *parser.feed("[1;3D")]
    assert [key.key for key in keys] == ["alt+left"]
    clock[0] += 1.0
    keys = [*parser.feed("\x1b")]
    clock[0] += 0.3  # longer than the delay: a lone ESC is the escape key
    keys += [*parser.tick()]
    assert [key.key for key in keys] == ["escape"]
