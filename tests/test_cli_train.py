import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.cli import main
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
        (["--task", "brackets", "--steps", "0"], "steps must be at least 1"),
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
    for path, message in ((binary, "is not UTF-8 text"), (short, "has 9 characters; the text task needs at least 1000")):
        assert main(["train", "--task", "text", "--text-file", str(path), "--out", str(tmp_path / "m.npz")]) == 2
        assert message in capsys.readouterr().err


def test_out_must_be_npz(tmp_path, capsys):
    assert main(["train", "--task", "quotes", "--out", str(tmp_path / "m.bin")]) == 2
    assert "--out must name an .npz file" in capsys.readouterr().err


def test_ctrl_c_stops_cleanly_and_saves_what_was_trained(tmp_path):
    out = tmp_path / "stopped.npz"
    command = [sys.executable, "-m", "lstm_tui", "train", "--task", "counting", "--hidden", "4", "--steps", "1000000",
               "--batch", "2", "--seq-len", "5", "--report-every", "1", "--out", str(out)]
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=root,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    first = process.stdout.readline()
    assert first.startswith("step 1/1000000"), first
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=120)
    assert process.returncode == 0, rest
    assert "stopped by Ctrl-C after" in rest and f"saved {out}" in rest
    loaded = load_model_file(out)
    assert loaded.meta["stopped_early"] and 1 <= loaded.meta["steps"] < 1_000_000
    assert all(np.isfinite(value).all() for value in loaded.model.cell.params.values())


def test_every_training_setting_is_an_option_with_the_trainers_default():
    from dataclasses import asdict

    from lstm_tui.cli import build_parser
    from lstm_tui.training.trainer import TrainConfig

    args = vars(build_parser().parse_args(["train", "--task", "brackets", "--out", "m.npz"]))
    trainer = asdict(TrainConfig())
    assert {name: args[name] for name in trainer if name != "report_every"} == {
        name: value for name, value in trainer.items() if name != "report_every"}


def test_the_text_task_learns_the_lessons_by_default(tmp_path, capsys):
    from lstm_tui.curriculum import lessons_dir

    out = tmp_path / "lessons.npz"
    assert main(["train", "--task", "text", *TINY, "--out", str(out)]) == 0
    meta = load_model_file(out).meta
    lessons = "\n".join(path.read_text(encoding="utf-8") for path in sorted(lessons_dir().glob("*.md")))
    assert meta["corpus"] == "the lessons"
    assert meta["fresh_text"] == lessons[int(len(lessons) * 0.9) :][:5000]  # the held-out last tenth
