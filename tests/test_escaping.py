"""Nothing from a file or an option reaches the terminal raw: ESC, OSC (title, OSC 52 clipboard), CSI, C1
controls and bidi overrides fed through every message path come out as visible escapes.

One helper does the escaping (``lstm_tui.display.shown``); these tests check its output with their own
list of dangerous characters, on stdout and stderr of the CLI and on what the app draws.
"""

from __future__ import annotations

import json
import re
import sys
import types

import numpy as np
import pytest

from lstm_tui.cli import main
from lstm_tui.display import shown
from lstm_tui.model import CharModel
from lstm_tui.model.weights import save_model

TITLE = "\x1b]0;owned\x07"
CLIPBOARD = "\x1b]52;c;ZWNobyBvd25lZA==\x1b\\"  # OSC 52: write "echo owned" to the clipboard
CLEAR = "\x1b[2J\x1b[H"
C1_CSI = "\x9b31m"
BIDI = "\u202eevil\u202c\u2066x\u2069"
PAYLOADS = (TITLE, CLIPBOARD, CLEAR, C1_CSI, BIDI, "\x7f\x85\x00")
PAYLOAD = "".join(PAYLOADS)
NAME = PAYLOAD.replace("\x00", "")  # what a file or zip member name can hold

# What a terminal acts on or a reader is fooled by: C0 but newline, DEL, C1, bidi marks, overrides and
# isolates, line and paragraph separators. Written out here, independent of the helper under test.
DANGEROUS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def assert_harmless(*texts: str) -> None:
    for text in texts:
        found = DANGEROUS.findall(text)
        assert not found, f"raw {found!r} in {text!r}"


def run(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as stop:  # argparse's own errors
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


# --- the helper ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("payload", PAYLOADS)
def test_shown_escapes_every_control_and_bidi_character(payload):
    text = shown(f"model{payload}.npz")
    assert_harmless(text)
    assert text.startswith("model") and text.endswith(".npz")
    assert "\\x1b" in text or "\\x9b" in text or "\\u202e" in text or "\\x7f" in text


def test_shown_keeps_ordinary_unicode_and_makes_lone_surrogates_visible():
    ordinary = "café 中文 한국어 😀 👨\u200d👩\u200d👧 e\u0301 ∑σ⊙"
    assert shown(ordinary) == ordinary
    assert shown("a\udc80b") == "a\\udc80b"
    assert shown("line\nbreak\ttab") == "line\\nbreak\\ttab"  # a message stays one line
    assert shown(42) == "42"


# --- the CLI: every message path -----------------------------------------------------------------------
def write_npz(path, **arrays) -> None:
    with open(path, "wb") as stream:
        np.savez(stream, **arrays)


def test_weights_member_names_are_escaped(tmp_path, capsys):
    path = tmp_path / "names.npz"
    write_npz(path, **{NAME: np.zeros(2, dtype=np.int32)})
    code, out, err = run(capsys, "trace", "ab", "--weights", str(path))
    assert code == 2 and "\\x1b]0;owned" in err and "dtype int32" in err
    assert_harmless(out, err)
    write_npz(path, **{NAME: np.zeros(2), "cell": np.array("lstm"), "vocab": np.array("ab")})
    code, out, err = run(capsys, "trace", "ab", "--weights", str(path))
    assert code == 2 and "unexpected key" in err
    assert_harmless(out, err)


def test_file_paths_are_escaped(tmp_path, capsys):
    for name in (f"missing{PAYLOAD}.npz", f"not-a-zip{PAYLOAD}.npz"):
        path = tmp_path / name.replace("\x00", "")
        if "not-a-zip" in name:
            path.write_bytes(b"hello")
        for argv in (("trace", "ab", "--weights", str(path)), ("explore", "--weights", str(path))):
            code, out, err = run(capsys, *argv)
            assert code == 2 and err.count("\n") == 1
            assert_harmless(out, err)


def test_meta_cell_and_vocab_from_a_file_are_escaped(tmp_path, capsys):
    path = tmp_path / "strings.npz"
    for arrays in (
        {"cell": np.array(PAYLOAD), "vocab": np.array("ab")},
        {"cell": np.array("lstm"), "vocab": np.array("".join(sorted(NAME * 2)))},
        {"cell": np.array("lstm"), "vocab": np.array("ab"), "meta": np.array(PAYLOAD)},
        {"cell": np.array("lstm"), "vocab": np.array("ab"), "meta": np.array(json.dumps([PAYLOAD]))},
    ):
        write_npz(path, **arrays)
        code, out, err = run(capsys, "trace", "ab", "--weights", str(path))
        assert code == 2 and err.count("\n") == 1
        assert_harmless(out, err)


def test_a_vocabulary_of_control_characters_traces_escaped(tmp_path, capsys):
    vocab = "".join(sorted(set(NAME + "ab")))
    path = tmp_path / "controls.npz"
    save_model(CharModel.random("lstm", 3, seed=0, vocab=vocab, output_layer=True), path)
    for output_format in ("table", "csv", "json"):
        code, out, err = run(capsys, "trace", "a\x1b[2Jb", "--weights", str(path), "--format", output_format)
        assert code == 0, err
        assert_harmless(out, err)


def test_pytorch_keys_and_sidecar_are_escaped(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    path = tmp_path / "state.pt"
    for state, sidecar in (
        ({NAME: torch.zeros(2, dtype=torch.int32)}, {"cell": "lstm", "vocab": "ab"}),
        ({NAME: torch.zeros(2)}, {"cell": "lstm", "vocab": "ab"}),
        ({"weight_ih_l0": torch.zeros(4, 2)}, {"cell": PAYLOAD, "vocab": "ab"}),
        ({"weight_ih_l0": torch.zeros(4, 2)}, {"cell": "lstm", "vocab": "ab", "meta": [PAYLOAD]}),
    ):
        torch.save(state, path)
        path.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
        code, out, err = run(capsys, "trace", "ab", "--weights", str(path))
        assert code == 2 and err.count("\n") == 1
        assert_harmless(out, err)


def test_text_file_names_out_paths_lessons_and_arguments_are_escaped(tmp_path, capsys):
    for argv in (
        (
            "train",
            "--task",
            "text",
            "--text-file",
            str(tmp_path / f"corpus{NAME}.txt"),
            "--out",
            str(tmp_path / "m.npz"),
        ),
        ("train", "--task", "brackets", "--out", str(tmp_path / f"m{NAME}")),
        ("lesson", PAYLOAD),
        ("trace", "ab", f"--cell={PAYLOAD}"),
        ("trace", "ab", PAYLOAD),  # argparse: unrecognized arguments
        (f"--{PAYLOAD}",),
    ):
        code, out, err = run(capsys, *argv)
        assert code == 2 and err  # argparse's errors come after its usage lines
        assert_harmless(out, err)


def test_the_crash_pointer_is_escaped(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def explode(args):
        raise RuntimeError(PAYLOAD)

    monkeypatch.setitem(
        sys.modules,
        "lstm_tui.commands.lessons",
        types.SimpleNamespace(HELP="", add_arguments=lambda parser: None, run=explode),
    )
    code, out, err = run(capsys, "lessons")
    assert code == 1 and "RuntimeError" in err and "crash-" in err
    assert_harmless(out, err)


def test_progress_messages_are_escaped(tmp_path, monkeypatch, capsys):
    data = tmp_path / f"data{NAME}"
    (data / "lstm-tui").mkdir(parents=True)
    (data / "lstm-tui" / "progress.json").write_text("{" + NAME, encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    code, out, err = run(capsys, "lessons")
    assert code == 0 and "corrupt" in err
    assert_harmless(out, err)
    code, out, err = run(capsys, "--reset-progress")
    assert_harmless(out, err)


class RefusingServer:
    def __init__(self, command, host, port, title, max_sessions):
        pass

    def serve(self):
        raise OSError(99, "Cannot assign requested address")


def test_serve_host_is_escaped(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "lstm_tui.web_server", types.SimpleNamespace(GuardedServer=RefusingServer))
    code, out, err = run(capsys, "serve", "--host", NAME)
    assert code == 2 and "warning" in err
    assert_harmless(out, err)


# --- the app: status line, notices, the training screen ---------------------------------------------------
def screen_text(app) -> str:
    """Every cell the screen would send to the terminal now, notices included."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def test_the_app_draws_file_names_and_notices_escaped(tmp_path):
    from lstm_tui.app import LstmApp
    from lstm_tui.panel_setup import PanelSetup

    path = tmp_path / f"m{NAME}.npz"
    model = CharModel.random("lstm", 4, seed=0, vocab="ab")
    save_model(model, path)
    app = LstmApp(PanelSetup(cell="lstm", weights=str(path)), model=model)
    async with app.run_test(size=(200, 30), notifications=True) as pilot:
        await pilot.pause()
        await app.screen.panel.start()
        app.notify(f"notice {PAYLOAD} [/]", title=PAYLOAD)  # "[/]": no markup either
        await pilot.pause()
        text = screen_text(app)
        assert "\\x1b]0;owned" in text and "notice" in text and "[/]" in text
        assert_harmless(text)


async def test_the_training_screen_shows_errors_escaped(tmp_path, monkeypatch):
    from lstm_tui.app import LstmApp

    app = LstmApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.action_training()
        await pilot.pause()
        app.screen.say(f"training failed: {PAYLOAD}", error=True)
        await pilot.pause()
        text = screen_text(app)
        assert "training failed" in text
        assert_harmless(text)
