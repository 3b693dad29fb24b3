"""The CLI's own surface: --help, --version, --reset-progress, and errors as one line."""

import json
import subprocess
import sys

import pytest

from lstm_tui import __version__
from lstm_tui.cli import COMMANDS, main


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
