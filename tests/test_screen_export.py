"""ctrl+s saves the screen as SVG and text, with the data behind it, as new whole files (screen_export.py)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
import xml.etree.ElementTree as ElementTree

import pytest

from lstm_tui.analysis.gradient_lab import view_json
from lstm_tui.app import LstmApp
from lstm_tui.errors import UserError
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.safe_files import write_new
from lstm_tui.screen_export import default_export_dir, export_folder, export_stem
from lstm_tui.trace_report import format_json, session_report
from lstm_tui.training.run import loss_csv
from lstm_tui.training.trainer import Progress

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def svg_lines(svg: str, width: int, height: int) -> list[str]:
    """The rows of characters a Rich SVG draws: each <text> is clipped to its row (``…-line-N``) and
    placed at x = column × cell width (its textLength over its length); blanks are not drawn."""
    rows = [[" "] * width for _ in range(height)]
    root = ElementTree.fromstring(svg)  # well formed, or this raises
    for element in root.iter(f"{SVG}text"):
        row = re.search(r"-line-(\d+)\)", element.get("clip-path", ""))
        text = (element.text or "").replace("\xa0", " ")
        if row is None or not text:
            continue
        column = round(float(element.get("x")) / (float(element.get("textLength")) / len(text)))
        rows[int(row.group(1))][column : column + len(text)] = text
    return ["".join(row).rstrip() for row in rows]


def saved(folder) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.iterdir())}


async def test_ctrl_s_saves_the_explorer_as_svg_text_and_its_trace(tmp_path):
    app = LstmApp(PanelSetup(hidden=8), export_dir=str(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.screen.panel
        await panel.wait_until_ready()
        await pilot.press(*"(a[b])")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        session = panel.session
        files = saved(tmp_path)
        notices = [notice.message for notice in app._notifications]
    stem = next(name for name in files if name.endswith(".svg"))[: -len(".svg")]
    assert stem.startswith("lstm-tui-explore-")
    assert sorted(files) == sorted(f"{stem}{suffix}" for suffix in (".svg", ".txt", ".trace.json", ".trace.csv"))
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".")]  # no temporary file left
    text = files[f"{stem}.txt"].splitlines()
    assert len(text) == 24 and text == svg_lines(files[f"{stem}.svg"], 80, 24)
    assert text[0].strip().startswith("(a[b])") and "step 6/6" in text[1]  # the input and the status line
    assert files[f"{stem}.trace.json"] == format_json(session_report(session)) + "\n"
    rows = list(csv.DictReader(io.StringIO(files[f"{stem}.trace.csv"])))
    assert [row["char"] for row in rows] == list("(a[b])")
    assert any(stem in notice and str(tmp_path) in notice for notice in notices)


async def test_a_second_save_never_replaces_the_first(tmp_path, monkeypatch):
    monkeypatch.setattr("lstm_tui.screen_export.time.time", lambda: 0.0)  # both in the same second
    app = LstmApp(PanelSetup(hidden=8), export_dir=str(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.screen.panel.wait_until_ready()
        await pilot.press("a", "ctrl+s", "b", "ctrl+s")
        await pilot.pause()
    first = "lstm-tui-explore-" + time.strftime("%Y%m%d-%H%M%S", time.localtime(0))
    svgs = [f"{first}.svg", f"{first}-2.svg"]
    assert sorted(name for name in os.listdir(tmp_path) if name.endswith(".svg")) == sorted(svgs)
    texts = [(tmp_path / name.replace(".svg", ".txt")).read_text() for name in svgs]
    assert texts[0].splitlines()[0].strip() == "a" and texts[1].splitlines()[0].strip() == "ab"


async def test_the_gradient_lab_saves_its_numbers(tmp_path):
    app = LstmApp(PanelSetup(hidden=8), export_dir=str(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.panel.wait_until_ready()
        await pilot.press("f12")
        await app.workers.wait_for_complete()
        await pilot.pause()
        view = app.screen.view
        await pilot.press("ctrl+s")
        await pilot.pause()
    (lab,) = tmp_path.glob("lstm-tui-gradients-*.lab.json")
    assert json.loads(lab.read_text()) == json.loads(json.dumps(view_json(view)))
    (svg,) = tmp_path.glob("lstm-tui-gradients-*.svg")
    ElementTree.parse(svg)


async def test_the_training_screen_saves_its_loss_curve(tmp_path):
    app = LstmApp(PanelSetup(hidden=4), export_dir=str(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f11")
        await pilot.pause()
        screen = app.screen
        assert screen.export_files() == {}  # nothing trained yet: no curve to save
        for name, value in {"hidden": "8", "steps": "30", "seed": "3"}.items():
            screen.query_one(f"#training-{name}").value = value
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        reports = list(screen.relay.reports)
        await pilot.press("ctrl+s")
        await pilot.pause()
    (curve,) = tmp_path.glob("lstm-tui-training-*.loss.csv")
    rows = list(csv.DictReader(io.StringIO(curve.read_text())))
    assert [(int(row["step"]), float(row["loss"])) for row in rows] == [(r.step, r.loss) for r in reports]
    assert rows and int(rows[-1]["step"]) == 30


async def test_the_palette_has_save_screen_and_not_textuals_screenshot():
    app = LstmApp(PanelSetup(hidden=4))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
    assert "Save screen" in titles and "Screenshot" not in titles


async def test_an_export_folder_that_is_a_file_is_a_notice(tmp_path):
    (tmp_path / "file").write_text("x")
    app = LstmApp(PanelSetup(hidden=4), export_dir=str(tmp_path / "file"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("not a folder" in notice.message for notice in app._notifications)
    assert (tmp_path / "file").read_text() == "x"


def test_the_default_folder_is_made_in_the_user_data_folder(tmp_path):
    folder = export_folder(None)
    assert folder == default_export_dir() == tmp_path / "data" / "lstm-tui" / "exports" and folder.is_dir()
    with pytest.raises(UserError, match="cannot make"):
        export_folder(tmp_path / "missing" / "deeper")  # an explicit folder's parent must exist


def test_write_new_skips_taken_names_links_included(tmp_path):
    (tmp_path / "s.svg").write_text("old")
    (tmp_path / "s-2.txt").symlink_to(tmp_path / "elsewhere")  # a dangling link takes its name too
    written = write_new(tmp_path, "s", {".svg": b"<svg/>", ".txt": b"text"})
    assert [path.name for path in written] == ["s-3.svg", "s-3.txt"]
    assert (tmp_path / "s.svg").read_text() == "old" and not (tmp_path / "elsewhere").exists()
    assert (tmp_path / "s-3.txt").read_bytes() == b"text"


def test_export_names_are_safe():
    assert re.fullmatch(r"lstm-tui-a-b-\d{8}-\d{6}", export_stem("A/../B", 0))
    assert re.fullmatch(r"lstm-tui-screen-\d{8}-\d{6}", export_stem("../", 0))


def test_loss_csv_keeps_every_report_exactly():
    reports = [Progress(10, 20, 2.5, 0.25, 1.0, 1.0, 1.0), Progress(20, 20, 1 / 3, 0.5, 1.0, 0.0, 2.0)]
    rows = list(csv.DictReader(io.StringIO(loss_csv(reports))))
    assert [(int(r["step"]), float(r["loss"]), float(r["accuracy"])) for r in rows] == [
        (10, 2.5, 0.25),
        (20, 1 / 3, 0.5),
    ]
