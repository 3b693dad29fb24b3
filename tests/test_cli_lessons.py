"""`lstm-tui lessons` and `lstm-tui lesson`: plain text when piped, rendered on a terminal, one-line errors."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from lstm_tui.curriculum import load_curriculum
from lstm_tui.progress import Progress

ESCAPE = "\x1b"


@pytest.fixture
def env(tmp_path):
    """A private data folder, so the user's real progress is never read or written."""
    environment = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), HOME=str(tmp_path), TERM="xterm-256color")
    environment.pop("NO_COLOR", None)
    return environment


def lstm_tui(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "lstm_tui", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_lessons_lists_every_lesson_with_read_marks(env, tmp_path):
    progress = Progress(tmp_path / "data" / "lstm-tui" / "progress.json")
    progress.mark_read("forget-gate")
    assert progress.save()
    result = lstm_tui("lessons", env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    curriculum = load_curriculum()
    assert len(lines) == len(curriculum)
    for line, lesson in zip(lines, curriculum):
        assert line.split()[:2] == [str(lesson.number), lesson.slug]
        assert lesson.title in line
        assert line.endswith("read") == (lesson.slug == "forget-gate")
    assert ESCAPE not in result.stdout


def test_lesson_prints_plain_text_when_piped(env):
    result = lstm_tui("lesson", "forget-gate", env=env)
    assert result.returncode == 0, result.stderr
    assert ESCAPE not in result.stdout
    assert result.stdout.startswith("# The forget gate\n")
    assert "**Try it**" in result.stdout and "**Q1.**" in result.stdout
    assert "Right:" not in result.stdout  # answers only on request


def test_lesson_by_number_with_answers(env):
    result = lstm_tui("lesson", "3", "--answers", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# The forget gate\n")
    assert "*Right:*" in result.stdout and "*Answer: 6.6" in result.stdout


def test_unknown_lesson_is_one_line_and_exit_2(env):
    result = lstm_tui("lesson", "no-such-lesson", env=env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("lstm-tui: no lesson 'no-such-lesson'")


def test_a_superscript_or_arabic_indic_digit_is_no_lesson(env):
    for key in ("²", "٣"):
        result = lstm_tui("lesson", key, env=env)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == f"lstm-tui: no lesson '{key}'; `lstm-tui lessons` lists them\n"


def test_lesson_is_rendered_on_a_terminal(env):
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "lstm_tui", "lesson", "1"],
        stdout=secondary,
        stderr=subprocess.PIPE,
        env=dict(env, COLUMNS="80"),
    )
    os.close(secondary)
    try:
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == 0, process.stderr.read()
    finally:
        os.close(primary)
        process.stderr.close()
    output = b"".join(chunks).decode("utf-8", errors="replace")
    assert ESCAPE in output  # styled by rich
    assert "Sequences and the plain RNN" in output
    assert "# Sequences" not in output  # the Markdown was rendered, not echoed


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files")
@pytest.mark.parametrize("kind", ["fifo", "deep", "unknown lesson"])
def test_lessons_start_whatever_the_progress_file_holds(env, tmp_path, kind):
    path = tmp_path / "data" / "lstm-tui" / "progress.json"
    path.parent.mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(path)  # reading it used to wait for a writer forever
    elif kind == "deep":
        path.write_text('{"version": 1, "read": ' + "[" * 50_000 + "]" * 50_000 + "}")  # RecursionError: a crash
    else:
        path.write_text('{"version": 1, "read": ["forget-gate", "no-such-lesson"], "answers": {}, "last_lesson": null}')
    result = lstm_tui("lessons", env=env)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(load_curriculum())
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr
    assert ("no-such-lesson" in result.stderr) == (kind == "unknown lesson")
