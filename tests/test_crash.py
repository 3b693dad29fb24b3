"""Crash safety: a bug inside the app or a command ends with one line naming a log file with the traceback."""

from functools import partialmethod

import pytest

from lstm_tui.app import LstmApp
from lstm_tui.cli import main


class Boom(RuntimeError):
    pass


def explode(*args, **kwargs):
    raise Boom("deliberate failure for the test")


@pytest.fixture
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("HOME", str(tmp_path))
    from lstm_tui.crash import state_dir

    return state_dir()


def headless_run(monkeypatch, keys):
    """Make LstmApp.run headless at 80x24 and press ``keys`` once the app is up."""

    async def press(pilot):
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()

    monkeypatch.setattr(LstmApp, "run", partialmethod(LstmApp.run, headless=True, size=(80, 24), auto_pilot=press))
    monkeypatch.setattr("lstm_tui.app.require_terminal", lambda: None)  # headless: no terminal needed


def only_log(folder):
    logs = sorted(folder.glob("crash-*.log"))
    assert len(logs) == 1, logs
    return logs[0]


def test_a_failing_action_in_the_app_is_logged_and_reported_on_one_line(state_home, monkeypatch, capsys):
    headless_run(monkeypatch, ["f1"])
    monkeypatch.setattr(LstmApp, "action_help", explode)
    assert main(["explore", "--text", "ab"]) == 1
    err = capsys.readouterr().err
    log = only_log(state_home)
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "Boom: deliberate failure for the test" in err and str(log) in err
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "in explode" in text and "Boom" in text


def test_a_failing_command_is_logged_too(state_home, monkeypatch, capsys):
    assert crash_a_command(monkeypatch) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(only_log(state_home)) in err


def test_user_error_keeps_its_one_line_and_writes_no_log(state_home, capsys):
    assert main(["explore", "--window", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--window" in err
    assert not state_home.exists() or not list(state_home.glob("crash-*.log"))


def unwritable(tmp_path):
    """A path no one can create a folder or file in, even root: it lies under a regular file."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    return blocker / "below"


def crash_a_command(monkeypatch):
    import lstm_tui.commands.trace as trace

    monkeypatch.setattr(trace, "run", explode)
    return main(["trace", "abc"])


def test_unwritable_state_dir_falls_back_to_the_temp_dir(tmp_path, monkeypatch, capsys):
    import tempfile

    import lstm_tui.crash as crash

    monkeypatch.setattr(crash, "state_dir", lambda: unwritable(tmp_path))
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    assert crash_a_command(monkeypatch) == 1
    err = capsys.readouterr().err
    [log] = temp.glob("lstm-tui-crash-*.log")
    assert err.count("\n") == 1 and str(log) in err and "Boom" in log.read_text()


def test_nowhere_writable_says_so_and_keeps_the_traceback(tmp_path, monkeypatch, capsys):
    import tempfile

    import lstm_tui.crash as crash

    monkeypatch.setattr(crash, "state_dir", lambda: unwritable(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", str(unwritable(tmp_path)))
    assert crash_a_command(monkeypatch) == 1
    err = capsys.readouterr().err
    last_line = err.rstrip("\n").splitlines()[-1]
    assert "no crash log could be written" in last_line
    assert "Traceback (most recent call last)" in err and "Boom" in err
