"""Hostile input, fuzzed with hypothesis: random keys and pastes into the explorer and the lesson screen,
random text into ``trace`` and ``gradients``, damaged weight files into the loader, any text through the
escaping helper, any member names and npy headers in weight files, any progress file, any size and host a
browser sends to ``serve``, any number typed for ``train``'s options.

Every failure must be a clean one: no exception in the app and no typed character lost; the CLI exits
0, or 2 with one line; the loader returns a model or raises ``UserError``. Examples are few and bounded so
the file runs in well under a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input

from lstm_tui.app import LstmApp
from lstm_tui.cli import main
from lstm_tui.curriculum import load_curriculum
from lstm_tui.display import shown
from lstm_tui.errors import UserError
from lstm_tui.limits import MAX_SERVE_COLUMNS, MAX_SERVE_ROWS, PANEL_CONTINUATION_CHARS
from lstm_tui.model import CharModel
from lstm_tui.model.weights import load_model, save_model
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.progress import Progress
from lstm_tui.widgets.text_input import one_newline

# --- what a user can send ----------------------------------------------------------------------------
ODD_CHARACTERS = "é中文한😀👍🏽\u0301\u0308\u200d\u202e\u00a0ß∑σ⊙→…"
# "Printable" as Python (and Textual's Input) means it: a typed no-break space or direction mark is
# dropped by the input like a control character, and kept when it comes in a paste.
printable = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.sampled_from(ODD_CHARACTERS),
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn")),
).filter(str.isprintable)
# Control characters as the bytes a terminal passes on (tab moves the focus, so it is a key below).
control = st.characters(max_codepoint=0x1F, exclude_characters="\t") | st.sampled_from("\x7f\x85\x9b\xa0\u200d\u202e")
# Keys that move the cursor (modelled below) and global keys that must leave the text alone: F2-F10
# toggle views and change the model, the rest scrub, pick units, pin and find units.
CURSOR_KEYS = ("left", "right", "home", "end", "ctrl+a", "ctrl+e")
GLOBAL_KEYS = (
    "f2",
    "f3",
    "f4",
    "f5",
    "f6",
    "f7",
    "shift+f7",
    "f8",
    "shift+f8",
    "f9",
    "f10",
    "up",
    "down",
    "alt+left",
    "alt+right",
    "pageup",
    "pagedown",
    "escape",
    "ctrl+t",
    "ctrl+l",
    "insert",
)
paste_text = st.text(alphabet=printable | control | st.sampled_from("\n\r\t"), min_size=1, max_size=40)
action = st.one_of(
    st.tuples(st.just("type"), printable),
    st.tuples(st.just("press"), control | st.sampled_from(CURSOR_KEYS + GLOBAL_KEYS)),
    st.tuples(st.just("paste"), paste_text),
)
# Each example starts an app: few examples, and no shrinking (minutes with apps; the failing example is
# reported as found, and hypothesis replays it first on the next run).
UI_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


class ExpectedInput:
    """What the input must hold after each action: Textual's cursor moves, every character inserted."""

    def __init__(self, value: str):
        self.value, self.cursor = value, len(value)

    def apply(self, kind: str, payload: str) -> None:
        if kind == "paste":
            payload = one_newline(payload)  # a pasted CR or CRLF is the models' line break
        if kind in ("type", "paste"):
            self.value = self.value[: self.cursor] + payload + self.value[self.cursor :]
            self.cursor += len(payload)
        elif payload == "left":
            self.cursor = max(0, self.cursor - 1)
        elif payload == "right":
            self.cursor = min(len(self.value), self.cursor + 1)
        elif payload in ("home", "ctrl+a"):
            self.cursor = 0
        elif payload in ("end", "ctrl+e"):
            self.cursor = len(self.value)


async def drive(app: LstmApp, pilot, actions) -> None:
    """Send ``actions`` to the focused panel input and check it after each one against the model."""
    text_input = app.screen.query_one("#text", Input)
    text_input.focus()
    await pilot.pause()
    expected = ExpectedInput(text_input.value)
    text_input.cursor_position = expected.cursor
    for kind, payload in actions:
        if kind == "paste":
            app.post_message(events.Paste(payload))
        elif kind == "type":  # as the terminal driver sends a character (Pilot cannot name every one)
            app.post_message(events.Key(_character_to_key(payload), payload))
        else:
            await pilot.press(payload)
        await pilot.pause()
        if payload == "insert":  # the model writes a continuation after the text; the cursor goes after it
            written = text_input.value[len(expected.value) :]
            assert text_input.value.startswith(expected.value) and len(written) == PANEL_CONTINUATION_CHARS
            expected.value, expected.cursor = text_input.value, len(text_input.value)
        expected.apply(kind, payload)
        assert app.screen.focused is text_input
        assert (text_input.value, text_input.cursor_position) == (expected.value, expected.cursor)
    await pilot.pause()
    assert app.screen.panel.session.text == expected.value
    assert app.crash is None


def run_app(app: LstmApp, actions, size=(80, 24), before=None) -> None:
    async def scenario():
        async with app.run_test(size=size) as pilot:
            if before is not None:
                await before(app, pilot)
            await drive(app, pilot, actions)

    asyncio.run(scenario())
    assert app.crash is None


@UI_SETTINGS
@given(st.lists(action, min_size=1, max_size=25), st.sampled_from([(80, 24), (40, 12), (120, 40)]))
def test_random_keys_and_pastes_in_the_explorer(actions, size):
    run_app(LstmApp(PanelSetup(hidden=8, seed=0, text="ab")), actions, size)


CURRICULUM = load_curriculum()


async def settle_lesson(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await app.screen.view.rendered()


@UI_SETTINGS
@given(st.lists(action, min_size=1, max_size=25), st.integers(1, len(CURRICULUM.lessons)))
def test_random_keys_and_pastes_in_a_lesson(actions, lesson):
    with tempfile.TemporaryDirectory() as folder:
        progress = Progress.load(Path(folder) / "progress.json")
        app = LstmApp(mode="lessons", curriculum=CURRICULUM, progress=progress, lesson=lesson)
        run_app(app, actions, (120, 40), before=settle_lesson)


# --- the command line --------------------------------------------------------------------------------
def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def assert_clean(code: int, out: str, err: str) -> None:
    if code == 0:
        assert out and not err
    else:
        assert code == 2, err
        assert err.startswith("lstm-tui: ") and err.count("\n") == 1, err


any_text = st.text(alphabet=printable | control | st.sampled_from("\n\r\t"), max_size=60)


@settings(max_examples=40, deadline=None)
@given(any_text, st.sampled_from(["table", "json", "csv"]))
def test_trace_with_random_text(text, output_format):
    code, out, err = run_cli("trace", "--hidden", "4", "--format", output_format, "--", text)
    assert code == 0, err
    assert_clean(code, out, err)


@settings(max_examples=25, deadline=None)
@given(any_text, st.sampled_from(["table", "json"]))
def test_gradients_with_random_text(text, output_format):
    code, out, err = run_cli("gradients", "--hidden", "4", "--format", output_format, f"--text={text}")
    assert_clean(code, out, err)
    assert (code == 0) == (1 <= len(text) <= 1000)


# --- damaged weight files ----------------------------------------------------------------------------
def saved_model_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        save_model(CharModel.random("lstm", 3, seed=1, vocab="ab\n", output_layer=True), path, meta={"note": "x"})
        return path.read_bytes()


VALID = saved_model_bytes()
bit_flips = st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 7)), min_size=1, max_size=8)


@st.composite
def damaged_files(draw) -> bytes:
    data = bytearray(VALID)
    kind = draw(st.sampled_from(["flip", "truncate", "append", "flip+truncate"]))
    if "flip" in kind:
        for position, bit in draw(bit_flips):
            data[position] ^= 1 << bit
    if "truncate" in kind:
        del data[draw(st.integers(0, len(data) - 1)) :]
    if kind == "append":
        data += draw(st.binary(min_size=1, max_size=200))
    return bytes(data)


@settings(max_examples=300, deadline=None)
@given(damaged_files())
def test_weight_loader_on_damaged_files(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        path.write_bytes(data)
        try:
            model = load_model(path)
        except UserError as error:
            message = str(error)
            assert message and "\n" not in message
        else:
            assert isinstance(model, CharModel)


# --- pastes: whole, however long ---------------------------------------------------------------------
async def test_a_paste_keeps_every_line_and_shows_breaks_as_one_cell_each():
    from .ui_helpers import screen_text

    app = LstmApp(PanelSetup(hidden=8, seed=0))
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(events.Paste("one\ntwo\x85three\u2028four\tfive"))
        await pilot.pause()
        assert app.screen.query_one("#text", Input).value == "one\ntwo\x85three\u2028four\tfive"
        assert "one↵two▪three▪four⇥five" in screen_text(app.export_screenshot())


async def test_a_megabyte_paste_is_kept_and_the_input_shows_its_end():
    from .ui_helpers import screen_text

    text = "".join(f"{index:07d} " for index in range(125_000))  # 1 MB, every 8-character word distinct
    app = LstmApp(PanelSetup(hidden=8, seed=0))
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(events.Paste(text))
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        text_input = app.screen.query_one("#text", Input)
        assert text_input.value == text + "x" and app.screen.panel.session.text == text + "x"
        assert text_input.cursor_position == len(text) + 1
        shown = screen_text(app.export_screenshot())
        assert "0124998 0124999 x" in shown  # the input scrolled to its end
        await pilot.press("home")
        await pilot.pause()
        assert "0000000 0000001" in screen_text(app.export_screenshot())


# --- text from outside, shown: nothing a terminal acts on gets through ---------------------------------
DANGEROUS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
outside_text = st.text(
    alphabet=st.characters() | control | st.sampled_from("\x1b[]\\;\x07\x9b\u202e\u2066\ud800"), max_size=60
)


@settings(max_examples=300, deadline=None)
@given(outside_text)
def test_shown_leaves_no_control_bidi_or_surrogate_and_keeps_printable_text(text):
    escaped = shown(text)
    assert not DANGEROUS.search(escaped)
    assert shown(escaped) == escaped  # what it shows is already safe
    if text.isprintable():
        assert escaped == text


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        outside_text.filter(lambda key: key and not re.search("[\x00/\ud800-\udfff]", key)),
        st.sampled_from([np.zeros(2), np.zeros(2, dtype=np.int32), np.array("x")]),
        max_size=4,
    ),
    st.sampled_from(["trace", "gradients", "explore"]),
)
def test_weight_files_with_any_member_names_give_clean_escaped_errors(arrays, command):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "names.npz"
        with open(path, "wb") as stream:
            np.savez(stream, **arrays)
        argv = {"trace": ["trace", "ab"], "gradients": ["gradients"], "explore": ["explore"]}[command]
        code, out, err = run_cli(*argv, "--weights", str(path))
    assert code == 2 and err.startswith("lstm-tui: ") and err.count("\n") == 1, err
    assert not DANGEROUS.search(err.rstrip("\n"))


npy_shapes = st.lists(st.one_of(st.integers(-3, 3), st.integers(2**31, 2**70), st.just(0)), max_size=4).map(tuple)


@settings(max_examples=100, deadline=None)
@given(npy_shapes, st.sampled_from(["<f4", "<f8", ">f2", "<U3", "<i4", "|b1"]))
def test_any_npy_header_in_a_weights_file_is_a_user_error(shape, descr):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": descr, "fortran_order": False, "shape": shape})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        path.write_bytes(VALID)
        with zipfile.ZipFile(path) as archive:
            entries = {name: archive.read(name) for name in archive.namelist()}
        entries["weight_hh_l0.npy"] = header.getvalue() + b"\0" * 64
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in entries.items():
                archive.writestr(name, data)
        with pytest.raises(UserError):
            load_model(path)


# --- progress files: whatever they hold, the app starts ---------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
progress_json = st.fixed_dictionaries(
    {
        "version": st.sampled_from([1, 1, 2, "1"]),
        "read": json_values | st.lists(st.text(max_size=12), max_size=4),
        "answers": json_values
        | st.dictionaries(
            st.text(max_size=12),
            st.dictionaries(st.sampled_from(["0", "1", "x", "-1", "9" * 30]), st.booleans() | json_values, max_size=3),
            max_size=3,
        ),
        "last_lesson": json_values | st.sampled_from([lesson.slug for lesson in CURRICULUM]),
    },
).map(json.dumps)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        progress_json,
        st.binary(max_size=200).map(lambda data: data.decode("latin-1")),
        st.integers(1, 5000).map(lambda depth: '{"version": 1, "read": ' + "[" * depth),
    )
)
def test_any_progress_file_loads_with_at_most_one_message_and_is_replaced_on_save(content):
    known = [lesson.slug for lesson in CURRICULUM]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "progress.json"
        path.write_text(content, encoding="utf-8", errors="surrogateescape")
        progress = Progress.load(path, known=known)
        assert len(progress.take_messages()) <= 1
        assert progress.read <= set(known) and set(progress.answers) <= set(known)
        progress.mark_read(known[0])
        assert progress.save()
        again = Progress.load(path, known=known)
        assert again.take_messages() == [] and again.is_read(known[0])


# --- serve: what a browser can send -------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(json_values, json_values, st.text(max_size=40) | st.none())
def test_serve_clamps_any_size_and_judges_any_host_without_failing(width, height, host):
    web_server = pytest.importorskip("lstm_tui.web_server")
    columns, rows = web_server.clamp_size(width, height)
    assert 1 <= columns <= MAX_SERVE_COLUMNS and 1 <= rows <= MAX_SERVE_ROWS
    assert web_server.host_is_ours(host, "127.0.0.1") in (True, False)


# --- train: numbers as a user types them ----------------------------------------------------------------
number_text = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "1e309", "0", "-0", "1e-320", "3"]),
    st.floats().map(repr),
    st.integers(-10, 10**6).map(str),
)


class TrainingStarted(BaseException):
    """Raised in place of training: not an Exception, so the CLI's crash handler lets it through."""


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["--lr", "--clip", "--steps", "--seed", "--hidden", "--batch", "--seq-len", "--report-every"]),
    number_text,
)
def test_train_options_are_checked_before_any_training(option, value):
    from lstm_tui.training import trainer

    def refuse(*args, **kwargs):
        raise TrainingStarted

    real, trainer.Trainer.run = trainer.Trainer.run, refuse
    err = io.StringIO()
    try:
        with (
            tempfile.TemporaryDirectory() as folder,
            contextlib.redirect_stderr(err),
            contextlib.redirect_stdout(io.StringIO()) as out,
        ):
            code = main(["train", "--task", "counting", f"{option}={value}", "--out", f"{folder}/m.npz"])
    except TrainingStarted:
        return  # a value in range: training began, after every check
    except SystemExit as stop:  # argparse: not a number of the option's kind
        assert stop.code == 2 and "invalid" in err.getvalue()
        return
    finally:
        trainer.Trainer.run = real
    assert code == 2 and err.getvalue().startswith("lstm-tui: ") and err.getvalue().count("\n") == 1
    assert out.getvalue() == ""


# --- paths the system refuses -----------------------------------------------------------------------------
TOO_LONG = "a" * 300  # over NAME_MAX (255 bytes) on every common file system: ENAMETOOLONG, not "missing"


@pytest.mark.parametrize(
    "argv",
    [
        ["lesson", TOO_LONG + ".md"],
        ["check-lesson", TOO_LONG],
        ["--lessons-dir", TOO_LONG, "lessons"],
        ["trace", "ab", "--weights", TOO_LONG + ".npz"],
        ["replay", TOO_LONG],
        ["export-code", "--text", "ab", "--out", "{tmp}/" + TOO_LONG],
        ["train", "--task", "counting", "--out", "{tmp}/m.npz", "--card", "{tmp}/" + TOO_LONG + ".md"],
    ],
)
def test_a_path_the_system_refuses_is_one_line_and_no_crash_log(argv, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    code, out, err = run_cli(*(arg.replace("{tmp}", str(tmp_path)) for arg in argv))
    assert_clean(code, out, err)
    assert code == 2 and not (tmp_path / "state").exists(), err


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20) | st.integers(0, 6000).map(lambda digits: "9" * digits) | st.sampled_from("²٣३３"))
def test_any_lesson_key_is_a_lesson_or_no_such_lesson(key):
    try:
        lesson = CURRICULUM.get(key)
    except UserError as error:
        assert str(error).startswith("no lesson ")
    else:
        assert lesson in CURRICULUM.lessons


front_matter_values = st.one_of(
    json_values.map(json.dumps),
    st.integers(4000, 6000).map(lambda digits: "9" * digits),  # int() refuses over 4,300 digits
    st.integers(1, 5000).map(lambda depth: "[" * depth + "]" * depth),  # json recurses per level
    st.text(max_size=20),
)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["order", "hidden", "seed", "text", "cell", "hide_views"]), front_matter_values)
def test_any_front_matter_value_parses_or_is_a_one_line_error(key, raw):
    from lstm_tui.curriculum import parse_lesson

    text = f'---\ntitle: "T"\norder: 1\n{key}: {raw}\n---\n# T\n\nBody.\n'.replace("order: 1\norder:", "order:")
    try:
        parse_lesson(text, "course/01-t.md")
    except UserError as error:
        assert str(error).startswith("course/01-t.md:") and "\n" not in str(error)


# --- stacked, bidirectional and Keras weight files: any keys, any shapes ---------------------------------
layer_suffixes = st.sampled_from(
    ["", "_l0", "_l1", "_l3", "_l4", "_l0_reverse", "_l1_reverse", "_l٣", "_l" + "9" * 5000]
)
torch_keys = st.builds(
    str.__add__,
    st.sampled_from(["weight_ih", "weight_hh", "bias_ih", "bias_hh", "peephole_i", "weight_hr"]),
    layer_suffixes,
)
keras_keys = st.builds(
    str.__add__,
    st.sampled_from(
        [
            "",
            "m/lstm/lstm_cell/",
            "m/lstm_1/lstm_cell/",
            "m/bi/forward_lstm/lstm_cell/",
            "m/bi/backward_lstm/lstm_cell/",
        ]
    ),
    st.sampled_from(["kernel", "recurrent_kernel", "bias"]),
)
small_arrays = st.lists(st.integers(0, 12), max_size=3).map(lambda shape: np.zeros(shape))


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(torch_keys | keras_keys, small_arrays, min_size=1, max_size=12),
    st.sampled_from([None, "lstm", "gru", "rnn", "lstm-peephole"]),
)
def test_stacked_and_keras_weight_files_with_any_keys_and_shapes_load_or_give_one_line(arrays, cell):
    names = {"vocab": np.array("abc")} | ({} if cell is None else {"cell": np.array(cell)})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        with open(path, "wb") as stream:
            np.savez(stream, **arrays, **names)
        try:
            model = load_model(path)
        except UserError as error:
            assert "\n" not in str(error) and len(str(error)) < 2000
        else:
            assert model.stack.num_layers <= 4
