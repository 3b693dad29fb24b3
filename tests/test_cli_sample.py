"""`lstm-tui sample`: the same seed prints the same text in separate processes; bad options and models
without an output layer are one-line errors; characters from a file's vocabulary are printed escaped."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from lstm_tui.cli import main
from lstm_tui.model import CharModel
from lstm_tui.model.sampling import SamplingSettings, sample
from lstm_tui.model.weights import save_model
from lstm_tui.training.shipped import load_shipped


def run_sample(capsys, *args) -> tuple[int, str, str]:
    code = main(["sample", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_documented_command_is_deterministic_across_processes():
    argv = [
        sys.executable,
        "-m",
        "lstm_tui",
        "sample",
        "--model",
        "text",
        "--prime",
        "The ",
        "--length",
        "200",
        "--temperature",
        "0.8",
        "--seed",
        "1",
    ]
    first, second = (subprocess.run(argv, capture_output=True, text=True, encoding="utf-8") for _ in range(2))
    assert first.returncode == 0 and first.stderr == ""
    assert first.stdout == second.stdout
    expected = sample(load_shipped("text"), "The ", 200, SamplingSettings(temperature=0.8, seed=1)).text
    assert first.stdout == "The " + expected + "\n"


def test_options_reach_the_sampler(capsys):
    code, out, _ = run_sample(
        capsys,
        "--model",
        "brackets",
        "--prime",
        "(a",
        "--length",
        "30",
        "--top-k",
        "2",
        "--seed",
        "3",
        "--temperature",
        "1.5",
    )
    expected = sample(load_shipped("brackets"), "(a", 30, SamplingSettings(temperature=1.5, top_k=2, seed=3)).text
    assert code == 0 and out == "(a" + expected + "\n"


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "sample needs a trained model"),
        (["--model", "text", "--temperature", "nan"], "--temperature must be a finite number"),
        (["--model", "text", "--temperature", "-1"], "temperature must be a number from 0 to 100"),
        (["--model", "text", "--top-k", "0"], "top-k must be a whole number of at least 1"),
        (["--model", "text", "--top-k", "x"], "--top-k must be an integer"),
        (["--model", "text", "--length", "10000000"], "length must be a whole number from 0 to 20,000"),
        (["--model", "text", "--seed", "-4"], "seed must be a whole number"),
        (["--model", "nope"], "unknown model 'nope'"),
    ],
)
def test_bad_options_are_one_line_errors(capsys, args, message):
    code, out, err = run_sample(capsys, *args)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


def test_a_weights_file_without_an_output_layer_is_refused(capsys, tmp_path):
    save_model(CharModel.random("gru", 4), tmp_path / "bare.npz")
    code, _, err = run_sample(capsys, "--weights", str(tmp_path / "bare.npz"))
    assert code == 2 and "bare.npz has no output layer" in err


def test_control_characters_from_a_vocabulary_are_escaped(capsys, tmp_path):
    model = CharModel.random("rnn", 3, vocab="\x1b\u202ea\n", output_layer=True)
    model.output["bias_out"][:] = np.array([9.0, 9.0, 9.0, 9.0])  # every character likely
    save_model(model, tmp_path / "odd.npz")
    code, out, _ = run_sample(capsys, "--weights", str(tmp_path / "odd.npz"), "--length", "300")
    assert code == 0
    assert "\x1b" not in out and "\u202e" not in out
    assert "\\x1b" in out and "\\u202e" in out and "\n" in out.rstrip("\n")  # newlines stay lines
