"""`lstm-tui export-code`: the scripts it writes run on their own and agree with the panel's numbers, for
every cell; the check in them can fail; the folder is written safely."""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import subprocess
import sys

import numpy as np
import pytest

from lstm_tui import code_export
from lstm_tui.cli import main
from lstm_tui.code_export import can_export, export_code, panel_numbers, python_line
from lstm_tui.errors import UserError
from lstm_tui.limits import EXPORT_MAX_TEXT
from lstm_tui.model import CELLS, CharModel
from lstm_tui.model.weights import load_model, save_model
from lstm_tui.training.shipped import load_shipped

EXPORTABLE = [name for name in CELLS if can_export(name)]
TEXT = "Hello, (wörld)\n"  # ö is outside the printable-ASCII vocabulary: the zero vector


def export(tmp_path, model, text=TEXT, **options):
    return export_code(
        model, text, tmp_path / "out", description="a test model", command="lstm-tui export-code", **options
    )


def run_script(path) -> tuple[int, str]:
    """Run a written script in this process (much cheaper than a fresh interpreter per cell)."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(str(path), run_name="__main__")
    except SystemExit as stop:
        return 1, str(stop.code)
    return 0, out.getvalue()


def run_python(path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, path.name], cwd=path.parent, capture_output=True, text=True, timeout=120)


def test_the_documented_command_writes_scripts_that_pass(tmp_path, capsys):
    out = tmp_path / "brackets"
    assert main(["export-code", "--model", "brackets", "--text", "(a(b))", "--out", str(out)]) == 0
    assert "python panel_numpy.py && python panel_torch.py" in capsys.readouterr().out
    assert sorted(path.name for path in out.iterdir()) == sorted(code_export.FILES)
    result = run_python(out / "panel_numpy.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("i, f, g, o, c, h: all 6 steps match the panel")
    panel = np.load(out / "panel.npz", allow_pickle=False)
    assert sorted(panel.files) == sorted("ifgoch")
    numbers = panel_numbers(load_shipped("brackets"), "(a(b))")
    for name in panel.files:
        assert np.array_equal(panel[name], numbers[name])
    assert load_model(out / "weights.npz").name == "lstm"
    assert "lstm-tui export-code --model brackets --text '(a(b))' --out" in (out / "README.md").read_text()


@pytest.mark.parametrize("cell", EXPORTABLE)
def test_the_numpy_script_of_every_cell_reproduces_the_panel(tmp_path, cell):
    model = CharModel.random(cell, 5, seed=4)  # float64: the check runs at 1e-9
    export(tmp_path, model)
    script = tmp_path / "out" / "panel_numpy.py"
    code, output = run_script(script)
    assert code == 0, output
    assert f"all {len(TEXT)} steps match the panel" in output
    source = script.read_text(encoding="utf-8")
    for equation in CELLS[cell].equations:  # the registry's equations, each above its code
        assert f"    # {equation.line}\n    {python_line(equation)[1]}\n" in source
    assert "lstm_tui" not in source  # the script stands alone


def test_every_registry_cell_of_the_known_families_can_be_exported():
    families = ("rnn", "lstm", "gru", "mgu", "mut", "xlstm", "minimal", "rglru")
    assert [name for name in CELLS if CELLS[name].family in families and name != "mlstm"] == EXPORTABLE
    assert len(EXPORTABLE) >= 25 and {"slstm", "mingru", "minlstm", "rglru"} <= set(EXPORTABLE)


@pytest.mark.parametrize(
    "cell, options", [("slstm", {"heads": 2}), ("slstm", {"stabilised": False}), ("rglru", {"heads": 3})]
)
def test_the_numpy_script_follows_the_cells_options(tmp_path, cell, options):
    """Heads (block-diagonal weights) and sLSTM without its stabiliser (m = 0, no first-step rule)."""
    model = CharModel.random(cell, 6, seed=2, **options)
    export(tmp_path, model)
    code, output = run_script(tmp_path / "out" / "panel_numpy.py")
    assert code == 0, output
    assert f"all {len(TEXT)} steps match the panel" in output


def test_mlstm_has_no_script_yet(tmp_path):
    with pytest.raises(UserError, match="no script for cell 'mlstm'"):
        export(tmp_path, CharModel.random("mlstm", 4))
    assert not (tmp_path / "out").exists()


def test_the_check_fails_when_a_number_differs(tmp_path):
    export(tmp_path, CharModel.random("gru-cho", 4, seed=1))
    panel_path = tmp_path / "out" / "panel.npz"
    numbers = dict(np.load(panel_path, allow_pickle=False))
    numbers["z"][3, 2] += 1e-6  # far below what the panel shows, far above float64 rounding
    np.savez(panel_path, **numbers)
    code, message = run_script(tmp_path / "out" / "panel_numpy.py")
    assert code == 1 and message.startswith("z differs from the panel by up to 1e-06")


def test_a_shipped_float32_model_over_a_long_text(tmp_path):
    """The panel of a float32 model drifts from float64 over many steps; the tolerance allows for it."""
    text = "(" * (EXPORT_MAX_TEXT // 2) + ")" * (EXPORT_MAX_TEXT // 2)
    export(tmp_path, load_shipped("brackets"), text)
    code, output = run_script(tmp_path / "out" / "panel_numpy.py")
    assert code == 0, output


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "lstm-np"])
def test_the_pytorch_script_reproduces_the_panel(tmp_path, cell):
    pytest.importorskip("torch", reason="torch is not installed")
    export(tmp_path, CharModel.random(cell, 6, seed=2))
    result = run_python(tmp_path / "out" / "panel_torch.py")
    assert result.returncode == 0, result.stderr
    assert f"all {len(TEXT)} steps match the panel" in result.stdout


@pytest.mark.torch
def test_the_pytorch_script_of_the_documented_command(tmp_path):
    pytest.importorskip("torch", reason="torch is not installed")
    export(tmp_path, load_shipped("brackets"), "(a(b))")
    result = run_python(tmp_path / "out" / "panel_torch.py")
    assert result.returncode == 0 and "all 6 steps match the panel" in result.stdout, result.stderr


def test_only_the_cells_pytorch_has_get_a_pytorch_script(tmp_path):
    for cell, expected in (("gru", True), ("gru-colah", False), ("lstm-peephole", False), ("mgu", False)):
        (tmp_path / cell).mkdir()
        files = {path.name for path in export(tmp_path / cell, CharModel.random(cell, 3)).files}
        assert ("panel_torch.py" in files) == expected


def test_a_weights_file_and_the_command_line(tmp_path, capsys):
    model = CharModel.random("mut2", 7, seed=5, vocab="abc ", output_layer=True)
    save_model(model, tmp_path / "m.npz")
    out = tmp_path / "mut"
    assert main(["export-code", "--weights", str(tmp_path / "m.npz"), "--text", "ab cab", "--out", str(out)]) == 0
    assert run_python(out / "panel_numpy.py").returncode == 0
    assert not (out / "panel_torch.py").exists()


def test_a_cell_without_a_script_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.delitem(code_export._BINDINGS, "mgu")
    with pytest.raises(UserError, match="export-code has no script for cell 'mgu' yet"):
        export(tmp_path, CharModel.random("mgu", 3))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("text", ["", "x" * (EXPORT_MAX_TEXT + 1)])
def test_text_length_is_bounded(tmp_path, text):
    with pytest.raises(UserError, match="the text must hold 1 to 1,000 characters"):
        export(tmp_path, CharModel.random("rnn", 3), text)


# --- writing the folder --------------------------------------------------------------------------------
def test_a_folder_with_files_is_refused_without_force(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code = main(["export-code", "--cell", "gru", "--text", "ab", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "is not empty; give --force" in err and err.count("\n") == 1
    assert [path.name for path in out.iterdir()] == ["notes.txt"]


def test_force_replaces_its_own_files_and_keeps_others(tmp_path):
    out = tmp_path / "out"
    export(tmp_path, CharModel.random("lstm", 3))
    (out / "notes.txt").write_text("mine")
    export(tmp_path, CharModel.random("mgu", 3), force=True)
    names = sorted(path.name for path in out.iterdir())
    assert names == ["README.md", "notes.txt", "panel.npz", "panel_numpy.py", "weights.npz"]  # no stale torch script
    assert load_model(out / "weights.npz").name == "mgu"


def test_a_folder_in_the_way_of_one_file_leaves_every_file_as_it_was(tmp_path):
    out = tmp_path / "out"
    export(tmp_path, CharModel.random("lstm", 3))
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    (out / "weights.npz").unlink()
    (out / "weights.npz").mkdir()  # sorted last: README.md and the rest came before it
    with pytest.raises(UserError, match="weights.npz is a folder"):
        export(tmp_path, CharModel.random("gru", 3), force=True)
    assert all((out / name).read_bytes() == data for name, data in before.items() if name != "weights.npz")
    assert not list(out.glob(".staging-*"))


def test_links_are_never_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(outside, out / "weights.npz")
    os.symlink(outside, out / "README.md")
    export(tmp_path, CharModel.random("rnn", 3), force=True)
    assert outside.read_text() == "keep me"
    assert not (out / "weights.npz").is_symlink() and load_model(out / "weights.npz").name == "rnn"
    os.symlink(out, tmp_path / "link")
    with pytest.raises(UserError, match="is a symbolic link; give the folder itself"):
        export_code(CharModel.random("rnn", 3), "a", tmp_path / "link", description="", command="", force=True)


def test_bad_places_to_write(tmp_path):
    (tmp_path / "file").write_text("")
    for place, message in (
        (tmp_path / "file", "exists and is not a folder"),
        (tmp_path / "missing" / "out", "does not exist"),
    ):
        with pytest.raises(UserError, match=message):
            export_code(CharModel.random("rnn", 3), "a", place, description="", command="")
    assert not list(tmp_path.glob("**/.staging-*"))


def test_the_model_description_cannot_break_out_of_its_comment(tmp_path):
    model = CharModel.random("rnn", 3)
    script = code_export.numpy_script(model, "file\nimport os\x1b[2J", "a\nb\u202e'\"")
    assert "\nimport os" not in script and "\x1b" not in script and "\u202e" not in script
    compile(script, "panel_numpy.py", "exec")


@pytest.mark.parametrize("layers, bidirectional", [(2, False), (1, True)])
def test_a_stacked_or_bidirectional_model_is_refused_before_anything_is_written(tmp_path, layers, bidirectional):
    model = CharModel.random("lstm", 3, num_layers=layers, bidirectional=bidirectional)
    with pytest.raises(UserError, match="export-code writes scripts for one-layer, one-direction models"):
        export(tmp_path, model)
    assert not (tmp_path / "out").exists()
