"""The numerical core and the non-interactive CLI paths (--help, --version, trace) never load the UI stack.

Each check runs in a fresh interpreter, because this test process may already have imported Textual.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import lstm_tui

from .ui_helpers import RUN_CLI, UI_PACKAGES, ui_modules_loaded_by

PACKAGE_DIR = Path(lstm_tui.__file__).resolve().parent
MODEL_DIR = PACKAGE_DIR / "model"

IMPORT_EVERY_MODEL_MODULE = """
import importlib, pkgutil
import lstm_tui.model
for module in pkgutil.walk_packages(lstm_tui.model.__path__, "lstm_tui.model."):
    importlib.import_module(module.name)
"""


@pytest.mark.parametrize(
    "snippet",
    [
        pytest.param("import lstm_tui.model", id="import-lstm_tui.model"),
        pytest.param(IMPORT_EVERY_MODEL_MODULE, id="every-model-module"),
        pytest.param(RUN_CLI.format(argv=["--help"]), id="cli-help"),
        pytest.param(RUN_CLI.format(argv=["--version"]), id="cli-version"),
        pytest.param(RUN_CLI.format(argv=["trace", "hi", "--format", "json"]), id="cli-trace"),
    ],
)
def test_loads_no_ui_package(snippet):
    assert ui_modules_loaded_by(snippet) == []


def test_the_check_sees_a_ui_import():
    """Control: the same probe does report Textual when something imports it."""
    assert "textual" in ui_modules_loaded_by("import textual")


def imported_top_level_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_model_sources_import_no_ui_package():
    sources = sorted(MODEL_DIR.rglob("*.py"))
    assert sources, f"no sources found under {MODEL_DIR}"
    offenders = {
        str(path.relative_to(PACKAGE_DIR)): sorted(imported_top_level_names(path) & set(UI_PACKAGES))
        for path in sources
    }
    assert {path: names for path, names in offenders.items() if names} == {}


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["gradients", "--length", "20", "--hidden", "4"], id="gradients-table"),
        pytest.param(["lessons"], id="lessons"),
        pytest.param(["lesson", "1"], id="lesson-piped"),
        pytest.param(["trace", "ab", "--model", "brackets", "--format", "csv"], id="trace-shipped-model"),
        pytest.param(["sample", "--model", "text", "--length", "20"], id="sample"),
        pytest.param(["export-code", "--cell", "gru", "--text", "ab", "--out", "{tmp}/out"], id="export-code"),
        pytest.param(["check-lesson", "lessons"], id="check-lesson"),
    ],
)
def test_non_interactive_commands_never_load_textual(argv, tmp_path):
    """The house rule: the CLI never imports Textual for a non-interactive command. (A table may draw its
    plot with plotext, and `lesson` renders Markdown with Rich on a terminal; neither is Textual.)"""
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    loaded = ui_modules_loaded_by(RUN_CLI.format(argv=argv))
    assert not [name for name in loaded if name.split(".")[0] in ("textual", "textual_plotext")]


# Until the first frame of the explorer: the CLI's checks, the app and the screen (the model comes after).
BEFORE_THE_FIRST_PAINT = """
from lstm_tui.cli import build_parser
from lstm_tui.commands.explore import setup_from
setup, model = setup_from(build_parser().parse_args(["explore", "--cell", "gru", "--hidden", "32"]))
assert model is None
import lstm_tui.app, lstm_tui.screens.explorer
"""


def test_the_explorer_reaches_its_first_paint_without_numpy_or_plotext():
    """Cold start: NumPy, plotext and the model (~0.2 s) load after the explorer's first frame."""
    assert ui_modules_loaded_by(BEFORE_THE_FIRST_PAINT, ("numpy", "plotext", "textual_plotext")) == []
    assert "numpy" in ui_modules_loaded_by(BEFORE_THE_FIRST_PAINT + "import lstm_tui.session", ("numpy",))
