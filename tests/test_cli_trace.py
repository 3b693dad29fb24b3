"""`lstm-tui trace`: its JSON equals the model's own numbers; odd text, bad options and bad files."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from lstm_tui.cli import main
from lstm_tui.model import CharModel
from lstm_tui.model.weights import save_model
from lstm_tui.trace_report import quoted_char

ODD_TEXT = "a\x1b[2J\u202eé中\U0001f600\u0301\x00\x9b\n\\'"


def trace(capsys, *args) -> tuple[int, str, str]:
    code = main(["trace", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def trace_json(capsys, *args) -> dict:
    code, out, err = trace(capsys, *args, "--format", "json")
    assert code == 0 and err == ""
    return json.loads(out)


def run_cli(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lstm_tui", "trace", *args], capture_output=True, text=True, encoding="utf-8", env=env
    )


def assert_steps_equal_model(report: dict, model: CharModel, text: str) -> None:
    """Every number in the report is exactly what CharModel.run computes."""
    run = model.run(text)
    trace = run.forward.trace
    assert [step["step"] for step in report["steps"]] == list(range(1, len(text) + 1))  # as the panel counts
    assert "".join(step["char"] for step in report["steps"]) == text
    assert [step["in_vocab"] for step in report["steps"]] == run.in_vocab.tolist()
    for name in model.cell.gate_names:
        assert np.array_equal([step["gates"][name] for step in report["steps"]], trace[name])
    assert np.array_equal([step["h"] for step in report["steps"]], trace["h"])
    if "c" in model.cell.state_names:
        assert np.array_equal([step["c"] for step in report["steps"]], trace["c"])


@pytest.mark.parametrize(
    "cell, gates, has_c",
    [
        ("lstm", ["i", "f", "g", "o"], True),
        ("gru", ["r", "z", "n"], False),
        ("mgu", ["f", "n"], False),
        ("rnn", [], False),
    ],
)
def test_json_equals_the_random_model(capsys, cell, gates, has_c):
    text = "Hello, world!\n"
    report = trace_json(capsys, text, "--cell", cell, "--hidden", "6", "--seed", "7")
    model = CharModel.random(cell, 6, seed=7)
    assert set(report) == {"cell", "hidden_size", "vocab", "steps"}
    assert (report["cell"], report["hidden_size"], report["vocab"]) == (cell, 6, model.vocab.chars)
    for step in report["steps"]:
        assert list(step["gates"]) == gates and ("c" in step) == has_c and "top" not in step
        assert len(step["h"]) == 6
    assert_steps_equal_model(report, model, text)


def test_defaults_are_a_seeded_lstm_over_printable_ascii(capsys):
    report = trace_json(capsys, "abc")
    assert (report["cell"], report["hidden_size"], len(report["vocab"])) == ("lstm", 16, 96)
    assert_steps_equal_model(report, CharModel.random("lstm", 16, seed=0), "abc")
    assert trace_json(capsys, "abc", "--seed", "1") != report


def test_weights_file_with_output_layer_gives_top_predictions(capsys, tmp_path):
    model = CharModel.random("lstm-peephole", 5, seed=2, vocab="abc \n", output_layer=True)
    save_model(model, tmp_path / "m.npz")
    report = trace_json(capsys, "ab ca", "--weights", str(tmp_path / "m.npz"))
    assert report["cell"] == "lstm-peephole" and report["vocab"] == "\n abc"
    assert_steps_equal_model(report, model, "ab ca")
    probabilities = model.run("ab ca").probabilities
    for step, row in zip(report["steps"], probabilities):
        assert step["top"] == [list(pair) for pair in model.top_predictions(row, 5)]
        assert [p for _, p in step["top"]] == sorted(row, reverse=True)[:5]


def test_empty_text_in_every_format(capsys):
    assert trace_json(capsys, "")["steps"] == []
    code, out, _ = trace(capsys, "", "--format", "csv")
    assert code == 0 and len(out.splitlines()) == 1 and out.startswith("step,char,in_vocab,i_0,")
    code, out, _ = trace(capsys, "")
    assert code == 0 and "the text is empty: no steps" in out


def test_unicode_and_control_characters_are_traced_and_escaped(capsys):
    report = trace_json(capsys, ODD_TEXT, "--hidden", "4")
    assert "".join(step["char"] for step in report["steps"]) == ODD_TEXT
    assert [step["in_vocab"] for step in report["steps"]] == [char in report["vocab"] for char in ODD_TEXT]
    for fmt in ("table", "csv"):
        code, out, _ = trace(capsys, ODD_TEXT, "--hidden", "4", "--format", fmt)
        assert code == 0
        escapes = (
            ("\x1b", "\\x1b"),
            ("\u202e", "\\u202e"),
            ("\x00", "\\x00"),
            ("\x9b", "\\x9b"),
            ("\u0301", "\\u0301"),
        )
        for raw, shown in escapes:
            assert raw not in out and shown in out
        assert "é" in out and "中" in out and "\U0001f600" in out
    code, out, _ = trace(capsys, ODD_TEXT, "--hidden", "4")
    assert "step 13 '\\n'" in out and "step 14 '\\\\'" in out and 'step 15 "\'"' in out
    assert "step 7 'é'  not in the vocabulary" in out


def test_table_fits_80_columns_and_shows_a_note_of_the_units(capsys):
    code, out, _ = trace(capsys, "a long line\twith tabs", "--hidden", "64", "--cell", "lstm-fgr")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "units 0-7 of 64; mean is over all 64 units" in out
    rows = [line for line in out.splitlines() if line.startswith("  h ")]
    assert len(rows) == len("a long line\twith tabs")


def test_table_with_an_output_layer_lists_the_next_characters(capsys, tmp_path):
    model = CharModel.random("gru", 20, seed=1, output_layer=True)
    save_model(model, tmp_path / "g.npz")
    code, out, _ = trace(capsys, "hé\x1b", "--weights", str(tmp_path / "g.npz"))
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 80
    next_rows = [line for line in out.splitlines() if line.startswith("  next  ")]
    assert len(next_rows) == 3
    best_char, best_p = model.top_predictions(model.run("hé\x1b").probabilities[0], 1)[0]
    assert next_rows[0].startswith(f"  next  {quoted_char(best_char)} {best_p:.3f}")


def test_table_mean_column_is_the_mean_over_all_units(capsys):
    model = CharModel.random("gru", 12, seed=3)
    code, out, _ = trace(capsys, "x", "--cell", "gru", "--hidden", "12", "--seed", "3")
    h = model.run("x").forward.trace["h"][0]
    row = next(line for line in out.splitlines() if line.startswith("  h "))
    shown, mean = row[2:].split("|")
    assert [float(value) for value in shown.split()[1:]] == pytest.approx(h[:8], abs=5e-4)
    assert float(mean) == pytest.approx(h.mean(), abs=5e-4)


def test_csv_header_and_values(capsys):
    code, out, _ = trace(capsys, "ab\n", "--cell", "lstm", "--hidden", "3", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    expected_header = ["step", "char", "in_vocab"] + [f"{q}_{u}" for q in "ifgoch" for u in range(3)]
    assert rows[0] == expected_header
    assert [row[:3] for row in rows[1:]] == [["1", "a", "true"], ["2", "b", "true"], ["3", "\\n", "true"]]
    trace_h = CharModel.random("lstm", 3, seed=0).run("ab\n").forward.trace["h"]
    h_columns = [expected_header.index(f"h_{u}") for u in range(3)]
    assert np.array_equal([[float(row[k]) for k in h_columns] for row in rows[1:]], trace_h)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--cell", "nope"], "unknown cell 'nope'"),
        (["--hidden", "0"], "hidden size must be between 1 and 1024, not 0"),
        (["--hidden", "100000"], "hidden size must be between 1 and 1024"),
        (["--seed", "-1"], "seed must be between 0 and 4294967295"),
        (["--weights", "missing.npz"], "missing.npz: cannot read"),
    ],
)
def test_bad_options_exit_2_with_one_line(capsys, args, message):
    code, out, err = trace(capsys, "hi", *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and err.startswith("lstm-tui: ")


def test_random_model_options_refused_with_weights(capsys, tmp_path):
    save_model(CharModel.random("rnn", 2, vocab="ab"), tmp_path / "m.npz")
    code, _, err = trace(capsys, "ab", "--weights", str(tmp_path / "m.npz"), "--hidden", "2")
    assert code == 2 and "--hidden does not go with --weights" in err
    code, _, err = trace(capsys, "ab", "--weights", str(tmp_path / "m.npz"), "--cell", "lstm")
    assert code == 2 and "cell 'rnn' differs from the one given, 'lstm'" in err


def test_subprocess_json_matches_the_model():
    result = run_cli("grü\tn", "--cell", "gru", "--hidden", "5", "--seed", "4", "--format", "json")
    assert result.returncode == 0 and result.stderr == ""
    assert_steps_equal_model(json.loads(result.stdout), CharModel.random("gru", 5, seed=4), "grü\tn")


def test_subprocess_bad_weights_file_exits_2_with_one_line_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 but then nothing a zip needs")
    result = run_cli("hello", "--weights", str(bad))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"{bad}: truncated or damaged" in result.stderr


def test_subprocess_ascii_terminal_gets_escapes_not_an_encoding_error():
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = subprocess.run(
        [sys.executable, "-m", "lstm_tui", "trace", "é中", "--hidden", "2"], capture_output=True, env=env
    )
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    assert b"step 1 '\\xe9'" in result.stdout and b"step 2 '\\u4e2d'" in result.stdout


def test_help(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["trace", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ("TEXT", "--cell NAME", "--weights FILE", "--hidden N", "--seed S", "--format {table,json,csv}"):
        assert option in out


def test_trace_never_imports_the_ui():
    code = (
        "import sys\n"
        "from lstm_tui.cli import main\n"
        "main(['trace', 'ab', '--format', 'json'])\n"
        "loaded = [name for name in ('textual', 'rich', 'plotext') if name in sys.modules]\n"
        "print(loaded, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr.strip() == "[]"


def test_json_writes_values_that_overflowed_as_null_and_says_nothing_on_stderr(tmp_path, capsys):
    """A cell whose state overflows gives inf and NaN; JSON has neither (Python wrote NaN: invalid JSON)."""
    model = CharModel.random("lstm-niaf", 2, seed=0, vocab="ab", output_layer=True, dtype="float32")
    model.cell.params["weight_ih"][:] = 3e38  # finite, so it can be saved; c overflows on the second step
    save_model(model, tmp_path / "overflows.npz")
    assert main(["trace", "aaaa", "--weights", str(tmp_path / "overflows.npz"), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # no NumPy RuntimeWarning either

    def refuse(name):
        raise AssertionError(f"{name} in JSON output")

    report = json.loads(out, parse_constant=refuse)
    assert report["steps"][1]["c"] == [None, None] and report["steps"][0]["h"] == [1.0, 1.0]
    assert report["steps"][3]["top"][0][1] is None
    assert "null" in main_help("trace")


def main_help(command: str) -> str:
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured), pytest.raises(SystemExit):
        main([command, "--help"])
    return " ".join(captured.getvalue().split())


def test_a_session_report_holds_the_panels_own_numbers():
    """What the panel exports for its text: the session's stepped values exactly (the trace command's
    whole-sequence run agrees to float32 rounding)."""
    from lstm_tui.panel_setup import PanelSetup
    from lstm_tui.session import Session
    from lstm_tui.trace_report import session_report, trace_report

    session = Session(PanelSetup(model="brackets"), window=8)
    session.set_text("(a(b))((x")  # longer than the window: the report covers what the panel shows
    report = session_report(session)
    assert "".join(step["char"] for step in report.steps) == session.window_text
    for name in ("i", "f", "g", "o"):
        assert np.array_equal([step["gates"][name] for step in report.steps], session.trace(name))
    assert np.array_equal([step["c"] for step in report.steps], session.trace("c"))
    assert [step["top"][0][0] for step in report.steps] == [
        session.model.top_predictions(row, 1)[0][0] for row in session.probabilities
    ]
    whole = trace_report(session.model, session.window_text)
    np.testing.assert_allclose([step["h"] for step in report.steps], [step["h"] for step in whole.steps], atol=1e-5)
