import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.cli import main
from lstm_tui.errors import UserError
from lstm_tui.model.weights import load_model, load_model_file

TINY = ["--hidden", "4", "--steps", "6", "--batch", "2", "--seq-len", "5", "--report-every", "2"]


def test_a_tiny_run_saves_weights_card_and_prints_plain_progress(tmp_path, capsys):
    out, card = tmp_path / "m.npz", tmp_path / "m.md"
    assert main(["train", "--task", "counting", *TINY, "--seed", "4", "--out", str(out), "--card", str(card)]) == 0
    lines = capsys.readouterr().out.splitlines()
    progress = [line for line in lines if line.startswith("step ")]
    assert [line.split()[1] for line in progress] == ["2/6", "4/6", "6/6"]
    assert all("loss" in line and "steps/s" in line and "ETA" in line for line in progress)
    assert "\r" not in "".join(lines)  # no redrawn bar when stdout is not a terminal
    assert lines[-1] == f"saved {out} and {card}"
    loaded = load_model_file(out)
    assert loaded.model.name == "lstm" and loaded.model.cell.hidden_size == 4
    assert loaded.model.vocab.chars == "\n:ab" and loaded.model.output is not None
    meta = loaded.meta
    assert (meta["task"], meta["steps"], meta["seed"], meta["stopped_early"]) == ("counting", 6, 4, False)
    assert meta["command"] == (
        "lstm-tui train --task counting --cell lstm --hidden 4 --steps 6 --seed 4 --batch 2 --seq-len 5 "
        f"--lr 0.003 --clip 5.0 --out {out} --card {card}"
    )
    text = card.read_text(encoding="utf-8")
    assert "# Model card: counting" in text and meta["command"] in text and "| count | c |" in text


def test_the_text_task_learns_a_given_file(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("le chat dort. " * 100 + "é", encoding="utf-8")
    out = tmp_path / "t.npz"
    assert main(["train", "--task", "text", "--text-file", str(corpus), *TINY, "--out", str(out)]) == 0
    model = load_model(out)
    assert "é" in model.vocab and "c" in model.vocab


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--task", "nope"], "unknown task 'nope'; choose one of: brackets, quotes, counting, signal, text"),
        (["--task", "brackets", "--cell", "nope"], "unknown cell 'nope'"),
        (["--task", "brackets", "--text-file", "x.txt"], "--text-file only goes with --task text"),
        (["--task", "brackets", "--steps", "0"], "--steps must be between 1 and 100000, not 0"),
        (["--task", "brackets", "--hidden", "0"], "--hidden must be between 1 and 1024"),
        (["--task", "brackets", "--batch", "100000000"], "--batch must be between 1 and 4096"),
        (["--task", "brackets", "--seq-len", "0"], "--seq-len must be between 1 and 4096"),
        (["--task", "text", "--text-file", "/nonexistent/file.txt"], "cannot read /nonexistent/file.txt"),
    ],
)
def test_bad_options_are_one_line_errors(extra, message, tmp_path, capsys):
    assert main(["train", *extra, "--out", str(tmp_path / "m.npz")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("lstm-tui: ") and message in error and error.count("\n") == 1
    assert not (tmp_path / "m.npz").exists()


def test_non_utf8_and_short_corpora_are_refused(tmp_path, capsys):
    binary, short = tmp_path / "b.txt", tmp_path / "s.txt"
    binary.write_bytes(b"\xff\xfe" * 600)
    short.write_text("too short", encoding="utf-8")
    cases = ((binary, "is not UTF-8 text"), (short, "has 9 characters; the text task needs at least 1000"))
    for path, message in cases:
        assert main(["train", "--task", "text", "--text-file", str(path), "--out", str(tmp_path / "m.npz")]) == 2
        assert message in capsys.readouterr().err


def test_out_must_be_npz(tmp_path, capsys):
    assert main(["train", "--task", "quotes", "--out", str(tmp_path / "m.bin")]) == 2
    assert "--out must name an .npz file" in capsys.readouterr().err


@pytest.fixture
def no_training(monkeypatch):
    """Fails the test if training starts: these errors must come before any work."""

    def refuse(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr("lstm_tui.training.trainer.Trainer.run", refuse)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--lr", "inf"], "--lr must be a positive finite number, not inf"),
        (["--lr", "nan"], "--lr must be a positive finite number, not nan"),
        (["--clip=-inf"], "--clip must be a positive finite number, not -inf"),
        (["--clip", "0"], "--clip must be a positive finite number, not 0.0"),
        (["--seed=-1"], "--seed must be between 0 and 4294967295, not -1"),
        (["--steps", "100001"], "--steps must be between 1 and 100000, not 100001"),
        (["--report-every", "0"], "--report-every must be at least 1, not 0"),
        (["--batch", "4096", "--seq-len", "4096"], "a training chunk (--batch × --seq-len) of 16,777,216 characters"),
        (["--text-file", "x.txt"], "--text-file only goes with --task text"),
        (["--keep-text"], "--keep-text only goes with --task text"),
    ],
)
def test_every_option_is_checked_before_training(extra, message, tmp_path, capsys, no_training):
    code = main(["train", "--task", "brackets", *extra, "--out", str(tmp_path / "m.npz")])
    error = capsys.readouterr().err
    assert code == 2 and message in error and error.count("\n") == 1


def test_out_and_card_are_checked_before_training(tmp_path, capsys, no_training):
    (tmp_path / "folder.npz").mkdir()
    for paths, message in (
        (["--out", str(tmp_path / "folder.npz")], "folder.npz is a folder; give a file name in it"),
        (["--out", str(tmp_path / "m.npz"), "--card", str(tmp_path)], "--card: "),
        (["--out", str(tmp_path / "m.npz"), "--card", str(tmp_path / "m.npz")], "--card and --out name the same file"),
        (["--out", str(tmp_path / "missing" / "m.npz")], "does not exist"),
    ):
        assert main(["train", "--task", "brackets", *paths]) == 2
        assert message in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files")
def test_a_text_file_that_is_special_huge_or_too_varied_is_refused_at_once(tmp_path, capsys, monkeypatch):
    fifo, varied = tmp_path / "fifo.txt", tmp_path / "varied.txt"
    os.mkfifo(fifo)  # reading it waited for a writer forever
    varied.write_text("".join(chr(code) for code in range(0x4E00, 0x4E00 + 9000)), encoding="utf-8")
    monkeypatch.setattr("lstm_tui.training.tasks.MAX_CORPUS_BYTES", 1000)
    for path, message in (
        (fifo, "it is not a regular file"),
        ("/dev/zero", "it is not a regular file"),
        (varied, "it is over 1,000 bytes"),
    ):
        started = time.monotonic()
        assert main(["train", "--task", "text", "--text-file", str(path), "--out", str(tmp_path / "m.npz")]) == 2
        assert message in capsys.readouterr().err and time.monotonic() - started < 5
    monkeypatch.setattr("lstm_tui.training.tasks.MAX_CORPUS_BYTES", 2**20)
    assert main(["train", "--task", "text", "--text-file", str(varied), "--out", str(tmp_path / "m.npz")]) == 2
    assert (
        "varied.txt has 9,000 distinct characters; a character model here takes at most 8,192"
        in capsys.readouterr().err
    )


def test_a_users_text_file_leaves_its_name_only_in_the_card(tmp_path, capsys):
    folder = tmp_path / "private" / "diary"
    folder.mkdir(parents=True)
    corpus = folder / "notes.txt"
    corpus.write_text("dear diary, today " * 80 + "SECRET-TAIL " * 40, encoding="utf-8")
    for extra in ([], ["--keep-text"]):
        out = tmp_path / f"m{len(extra)}.npz"
        assert main(["train", "--task", "text", "--text-file", str(corpus), *TINY, "--out", str(out), *extra]) == 0
        meta = load_model_file(out).meta
        assert meta["corpus"] == "notes.txt" and "--text-file notes.txt" in meta["command"]
        assert str(folder) not in json.dumps(meta)
        assert ("SECRET-TAIL" in json.dumps(meta)) == bool(extra)  # the held-out text only when asked


def test_a_save_that_fails_at_the_end_lands_in_the_user_data_folder(tmp_path, capsys, monkeypatch):
    """A full disk or a folder gone read-only while training: the run is not thrown away."""
    from lstm_tui import safe_files

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    real = safe_files.write_atomic
    out = tmp_path / "m.npz"

    def disk_full_at_out(path, data):
        if path == out:
            raise UserError(f"cannot write {path} (No space left on device)")
        real(path, data)

    monkeypatch.setattr("lstm_tui.training.run.write_atomic", disk_full_at_out)
    assert main(["train", "--task", "counting", *TINY, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert "No space left on device" in captured.err and not out.exists()
    [saved] = (tmp_path / "data" / "lstm-tui" / "models").glob("*.npz")
    assert f"the trained model was saved to {saved} instead" in captured.err and f"saved {saved}" in captured.out
    assert load_model_file(saved).meta["task"] == "counting"


def test_save_model_never_writes_through_a_planted_link(tmp_path):
    from lstm_tui.model import CharModel
    from lstm_tui.model.weights import save_model

    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "m.npz"
    (tmp_path / "m.npz.partial").symlink_to(victim)  # the name the old save wrote through
    save_model(CharModel.random("lstm", 2, vocab="ab"), out)
    assert victim.read_text() == "precious" and load_model(out).cell.hidden_size == 2
    out.unlink()
    out.symlink_to(victim)  # a link at the target is replaced, not followed
    save_model(CharModel.random("lstm", 2, vocab="ab"), out)
    assert victim.read_text() == "precious" and not out.is_symlink()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["m.npz", "m.npz.partial", "victim.txt"]


def start_training(out, *options) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "lstm_tui",
        "train",
        "--task",
        "counting",
        "--steps",
        "100000",
        "--batch",
        "2",
        "--seq-len",
        "5",
        "--report-every",
        "1",
        "--out",
        str(out),
        *options,
    ]
    root = Path(__file__).resolve().parent.parent
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=root, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )


class Output:
    """A child's output read as it comes (os.read, no buffer hiding lines from select)."""

    def __init__(self, stream):
        self.fd = stream.fileno()
        self.text = ""

    def wait_for(self, words: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while words not in self.text:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"no {words!r} within {seconds} s: {self.text[-500:]!r}"
            chunk = os.read(self.fd, 65536)
            assert chunk, f"ended without {words!r}: {self.text[-500:]!r}"
            self.text += chunk.decode("utf-8")

    def rest(self) -> str:
        while chunk := os.read(self.fd, 65536):
            self.text += chunk.decode("utf-8")
        return self.text


def test_ctrl_c_says_at_once_that_it_stops_and_saves_what_was_trained(tmp_path):
    out = tmp_path / "stopped.npz"
    process = start_training(out, "--hidden", "4")
    stdout, stderr = Output(process.stdout), Output(process.stderr)
    stdout.wait_for("step 1/100000", 60)
    process.send_signal(signal.SIGINT)
    stderr.wait_for("stopping after the current step", 5)
    assert process.wait(timeout=120) == 0, stderr.rest()
    assert "stopped by Ctrl-C after" in stdout.rest() and f"saved {out}" in stdout.text
    loaded = load_model_file(out)
    assert loaded.meta["stopped_early"] and 1 <= loaded.meta["steps"] < 100_000
    assert loaded.meta["fresh_loss"] is not None and loaded.meta["units"]
    assert all(np.isfinite(value).all() for value in loaded.model.cell.params.values())


def test_a_second_ctrl_c_skips_measuring_but_still_saves(tmp_path):
    out = tmp_path / "hurried.npz"
    process = start_training(out, "--hidden", "256")  # measuring 5,000 characters at H=256 takes seconds
    stdout, stderr = Output(process.stdout), Output(process.stderr)
    stdout.wait_for("step 1/100000", 60)
    process.send_signal(signal.SIGINT)
    stderr.wait_for("measuring the model", 60)
    process.send_signal(signal.SIGINT)
    stderr.wait_for("skipping the measurements; saving the model", 5)
    assert process.wait(timeout=120) == 0, stderr.rest()
    assert "not measured on fresh text" in stdout.rest() and f"saved {out}" in stdout.text
    meta = load_model_file(out).meta
    assert meta["fresh_loss"] is None and meta["units"] == [] and meta["stopped_early"]


def test_every_training_setting_is_an_option_with_the_trainers_default():
    from dataclasses import asdict

    from lstm_tui.cli import build_parser
    from lstm_tui.training.trainer import TrainConfig

    args = vars(build_parser().parse_args(["train", "--task", "brackets", "--out", "m.npz"]))
    trainer = asdict(TrainConfig())
    assert {name: args[name] for name in trainer if name != "report_every"} == {
        name: value for name, value in trainer.items() if name != "report_every"
    }


def test_the_text_task_learns_the_lessons_by_default(tmp_path, capsys):
    from lstm_tui.curriculum import lessons_dir

    out = tmp_path / "lessons.npz"
    assert main(["train", "--task", "text", *TINY, "--out", str(out)]) == 0
    meta = load_model_file(out).meta
    lessons = "\n".join(path.read_text(encoding="utf-8") for path in sorted(lessons_dir().glob("*.md")))
    assert meta["corpus"] == "the lessons"
    assert meta["fresh_text"] == lessons[int(len(lessons) * 0.9) :][:5000]  # the held-out last tenth
