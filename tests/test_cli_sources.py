"""--model NAME works wherever --weights FILE does; output survives a closed pipe."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from lstm_tui.cli import main
from lstm_tui.models import shipped_names
from lstm_tui.training.shipped import load_shipped


def test_trace_with_a_shipped_model_includes_predictions(capsys):
    assert main(["trace", "(ab)", "--model", "brackets", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    model = load_shipped("brackets")
    run = model.run("(ab)")
    assert report["hidden_size"] == model.cell.hidden_size and report["vocab"] == model.vocab.chars
    np.testing.assert_allclose(report["steps"][2]["h"], run.forward.trace["h"][2], rtol=1e-6)
    top = report["steps"][-1]["top"]
    assert len(top) == 5
    assert top[0] == [model.top_predictions(run.probabilities[-1])[0][0], pytest.approx(top[0][1])]


def test_gradients_with_a_shipped_model(capsys):
    assert main(["gradients", "--model", "quotes", "--text", 'say "hi" now', "--format", "json"]) == 0
    cells = json.loads(capsys.readouterr().out)["cells"]
    assert len(next(iter(cells.values()))["norms"]) == len('say "hi" now')


@pytest.mark.parametrize("command", [["trace", "x"], ["gradients"]])
def test_unknown_model_names_the_shipped_ones(command, capsys):
    assert main([*command, "--model", "no-such-model"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and all(name in err for name in shipped_names())


def test_model_and_weights_are_exclusive(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["trace", "x", "--model", "brackets", "--weights", "w.npz"])
    assert exit_info.value.code == 2


def test_model_fixes_the_size(capsys):
    assert main(["trace", "x", "--model", "brackets", "--hidden", "8"]) == 2
    assert "--hidden does not go with --model" in capsys.readouterr().err


def test_a_reader_that_stops_early_is_not_an_error():
    # Far more than a pipe buffer (64 KiB), so the writer must meet the closed pipe.
    command = f"{sys.executable} -m lstm_tui trace {'ab' * 1000} --format json | head -c 10"
    done = subprocess.run(["bash", "-c", "set -o pipefail; " + command], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["trace", "x", "--seed", "-1"],
        ["gradients", "--seed", "-1"],
        ["train", "--task", "brackets", "--steps", "1", "--seed", "-1", "--out", "unused.npz"],
    ],
)
def test_a_negative_seed_is_one_line(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "seed" in err and "Traceback" not in err
    assert not (tmp_path / "unused.npz").exists()


@pytest.mark.parametrize(
    "options, message",
    [
        (["--seed", "-1"], "seed must be between 0 and 4294967295, not -1"),
        (["--hidden", "100000"], "hidden size must be between 1 and 1024, not 100000"),  # not a MemoryError
        (["--window", "100000000"], "--window must be between 1 and 8192"),
        (["--window", "0"], "--window must be between 1 and 8192"),
    ],
)
def test_explore_refuses_bad_sizes_before_the_screen_opens(options, message):
    from lstm_tui.cli import build_parser
    from lstm_tui.commands.explore import setup_from
    from lstm_tui.errors import UserError

    with pytest.raises(UserError, match=re.escape(message)):
        setup_from(build_parser().parse_args(["explore", *options]))


def test_train_checks_where_it_will_save_before_training(capsys, tmp_path):
    missing = tmp_path / "no-such-folder" / "model.npz"
    assert main(["train", "--task", "brackets", "--steps", "5", "--out", str(missing)]) == 2
    captured = capsys.readouterr()
    assert "does not exist" in captured.err and "step" not in captured.out  # refused before any step


@pytest.mark.parametrize("command", [["trace", "ab"], ["explore"]])
def test_cell_must_match_a_shipped_model(command, capsys):
    if command[0] == "explore":
        from lstm_tui.cli import build_parser
        from lstm_tui.commands.explore import setup_from
        from lstm_tui.errors import UserError

        with pytest.raises(UserError, match="does not go with --model"):
            setup_from(build_parser().parse_args([*command, "--model", "brackets", "--cell", "gru"]))
    else:
        assert main([*command, "--model", "brackets", "--cell", "gru"]) == 2
        assert "does not go with --model" in capsys.readouterr().err
