"""The built wheel carries every lesson, and an installed (non-editable) copy finds them."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: build with the hatchling already installed, no network needed.
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (built,) = out.glob("lstm_tui-*.whl")
    return built


def test_every_lesson_is_in_the_wheel(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    lessons = sorted(path.name for path in (ROOT / "lessons").glob("*.md"))
    assert lessons
    missing = [name for name in lessons if f"lstm_tui/lessons/{name}" not in names]
    assert missing == []
    assert "lstm_tui/curriculum.py" in names


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel installed (non-editable, no dependencies) into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    return target


def run_installed(installed: Path, code: str, cwd: Path) -> list[str]:
    """Run ``code`` with only the installed copy importable (from an empty folder, so the checkout is not
    on the path by accident); return its output lines."""
    probe = f"import sys; sys.path.insert(0, sys.argv[1]); {code}"
    result = subprocess.run(
        [sys.executable, "-c", probe, str(installed)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=""),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\n")


def test_an_installed_copy_finds_its_lessons(installed, tmp_path):
    code = "import lstm_tui.curriculum as c;print(c.__file__); print(c.lessons_dir()); print(len(c.load_curriculum()))"
    module_file, directory, count = run_installed(installed, code, tmp_path)[:3]
    assert Path(module_file).is_relative_to(installed)
    assert Path(directory) == installed / "lstm_tui" / "lessons"
    assert int(count) == len(list((ROOT / "lessons").glob("*.md")))


def test_the_wheel_carries_the_shipped_models_the_stylesheet_and_the_license(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    models = sorted(path.name for path in (ROOT / "lstm_tui" / "models").glob("*.np[z]"))
    assert models
    for name in models:
        assert f"lstm_tui/models/{name}" in names
        assert f"lstm_tui/models/{name[:-4]}.md" in names  # its model card
    assert "lstm_tui/app.tcss" in names
    assert any(name.endswith("licenses/LICENSE") for name in names)


def test_an_installed_copy_loads_a_shipped_model(installed, tmp_path):
    code = (
        "from lstm_tui.training.shipped import load_shipped, MODELS_DIR; print(MODELS_DIR); "
        "print(load_shipped('brackets').cell.hidden_size)"
    )
    directory, hidden = run_installed(installed, code, tmp_path)[:2]
    assert Path(directory) == installed / "lstm_tui" / "models"
    assert int(hidden) > 0
