"""House rules a machine checks, run as tests so the README's test command (and so CI) enforces them:
the import contracts in pyproject.toml (the README's floors; no Textual, Rich or plotext below the widgets)
ruff's lint rules with the project's line length, and ruff's format with sorted imports."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """The tool installed beside this Python (the test extra), else one on PATH."""
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_import_contracts_are_kept():
    result = run(tool("lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_import_contracts_see_a_broken_floor(tmp_path):
    """Control: the same contracts fail when the core imports from a floor above it, or imports Rich."""
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "lstm_tui", copy / "lstm_tui", ignore=shutil.ignore_patterns("__pycache__", "*.npz"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    offender = copy / "lstm_tui" / "model" / "vocab.py"
    offender.write_text(
        offender.read_text(encoding="utf-8") + "\nfrom ..session import Session\nimport rich\n", encoding="utf-8"
    )
    result = subprocess.run(
        [tool("lint-imports"), "--no-cache"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PYTHONPATH": str(copy), "PATH": str(BIN)},
    )
    assert result.returncode != 0
    assert "lstm_tui.model is not allowed to import lstm_tui.session" in result.stdout
    assert "lstm_tui.model is not allowed to import rich" in result.stdout
    assert "2 broken" in result.stdout


def test_ruff_lint_is_clean():
    result = run(tool("ruff"), "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied():
    """The tree is as `ruff check --select I --fix . && ruff format .` leaves it."""
    result = run(tool("ruff"), "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr
    imports = run(tool("ruff"), "check", "--no-cache", "--select", "I", ".")
    assert imports.returncode == 0, imports.stdout + imports.stderr


def test_no_test_module_imports_another():
    """Shared test code lives in tests/helpers.py (model) and tests/ui_helpers.py (UI), not in test modules."""
    offenders = []
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1].startswith("test_"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}")
    assert offenders == []
