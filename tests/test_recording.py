"""Record and replay: a replay holds exactly the states the recorded session held, event by event; the
file is small and plain JSON; every damaged or hostile file is a one-line error before anything runs."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.cli import main
from lstm_tui.errors import UserError
from lstm_tui.limits import MAX_RECORDING_EVENTS, MAX_REPLAY_STEPS
from lstm_tui.model import CharModel
from lstm_tui.model.weights import save_model
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.recording import Recorder, Replay, parse_recording, read_recording, source_of
from lstm_tui.session import Session


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def snapshot(session: Session) -> dict:
    """Everything a view draws from the session."""
    state = {
        "text": session.text,
        "cursor": session.cursor,
        "unit": session.selected_unit,
        "pins": session.pinned_units,
        "bias": session.forget_bias_offset,
        "model": source_of(session.setup),
        "start": session.window_start,
        "ranking": session.ranking,
    }
    arrays = {name: session.trace(name).copy() for name in session.trace_names}
    if session.has_predictions:
        arrays["p"] = session.probabilities.copy()
    return {"state": state, "arrays": arrays}


def assert_same(replayed: dict, recorded: dict) -> None:
    assert replayed["state"] == recorded["state"]
    assert replayed["arrays"].keys() == recorded["arrays"].keys()
    for name, values in recorded["arrays"].items():
        assert np.array_equal(replayed["arrays"][name], values), name  # exactly, not approximately


def scripted_session(clock):
    """A session driven through every kind of change, observed after each; the snapshots along the way."""
    session = Session(PanelSetup(cell="lstm", hidden=8, seed=2), window=16)
    views, plot_gates = ["gates"], False
    recorder = Recorder(session, views, plot_gates, size=(100, 30), clock=clock)
    steps = []

    def act(change):
        nonlocal views, plot_gates
        clock.advance(0.2)
        result = change()
        if isinstance(result, list):
            views = result
        elif isinstance(result, bool):
            plot_gates = result
        steps.append((recorder.observe(session, views, plot_gates), snapshot(session)))

    for char in "Hello, (world)":
        act(lambda char=char: session.set_text(session.text + char))
    act(lambda: session.set_text(session.text[:-3]))  # backspace ×3 at once
    act(lambda: session.set_text("Hi" + session.text[5:]))  # an edit in the middle
    act(lambda: session.set_text(session.text + " and a paste longer than the window"))
    act(lambda: session.most_active_units(4))  # the bars look: the units are ranked over the text so far
    act(lambda: session.set_text(session.text + "?"))  # the ranking is kept while typing
    act(lambda: session.rank_units())  # the learner asks for a new ranking
    act(lambda: session.move_cursor(-5))
    act(lambda: session.select_unit(5))
    act(lambda: session.toggle_pin(3))
    act(lambda: session.toggle_pin())
    act(lambda: session.nudge_forget_bias(2))
    act(lambda: ["gates", "heat"])
    act(lambda: True)
    act(lambda: session.cursor_to(None))
    act(lambda: session.switch_cell("gru"))
    act(lambda: session.set_text(session.text + "!"))
    act(lambda: session.load(replace(session.setup, model="brackets")))
    act(lambda: session.nudge_forget_bias(-1))
    act(lambda: session.reset())
    act(lambda: session.set_text("(a)"))
    return recorder, steps


def test_a_replay_holds_the_recorded_states_event_by_event(tmp_path):
    recorder, steps = scripted_session(Clock())
    path = tmp_path / "session.json"
    recorder.recording.save(path)
    recording = read_recording(path)
    assert recording.size == (100, 30) and recording.events == recorder.recording.events
    replay = Replay(recording)
    for count, recorded in steps:
        for _ in range(count):
            replay.step()
        assert_same(snapshot(replay.session), recorded)
    assert replay.done and replay.views == ("gates", "heat") and replay.plot_gates


def test_events_say_what_changed(tmp_path):
    recorder, _ = scripted_session(Clock())
    events = recorder.recording.events
    assert events[0] == [200, "edit", 0, 0, "H"]
    assert [event[1] for event in events[14:17]] == ["edit", "edit", "edit"]
    assert events[14][2:] == [11, 14, ""]  # three characters deleted
    assert {event[1] for event in events} == {
        "edit",
        "cursor",
        "unit",
        "pins",
        "forget_bias",
        "view",
        "plot_gates",
        "model",
        "ranking",
    }
    rankings = [event for event in events if event[1] == "ranking"]
    assert [event[3] for event in rankings[:2]] == [15, 16] and sorted(rankings[0][2]) == list(range(8))
    assert [event[0] for event in events] == sorted(event[0] for event in events)
    model_events = [event[2] for event in events if event[1] == "model"]
    assert model_events == [{"cell": "gru", "model": "random", "hidden": 8, "seed": 2}, {"model": "brackets"}]


def test_a_minute_of_typing_is_a_few_kilobytes(tmp_path):
    clock = Clock()
    session = Session(PanelSetup(model="text"))
    recorder = Recorder(session, clock=clock)
    text = "The forget gate decides what the cell keeps, unit by unit. " * 6
    for k, char in enumerate(text[:300]):  # 5 keys a second for a minute, a typo fixed every 20 keys
        clock.advance(0.2)
        session.set_text(session.text + char)
        recorder.observe(session)
        if k % 20 == 19:
            session.set_text(session.text[:-1])
            recorder.observe(session)
            session.set_text(session.text + char)
            recorder.observe(session)
    path = tmp_path / "minute.json"
    recorder.recording.save(path)
    assert recorder.recording.duration_ms == 60_002  # two looks in the same ms move on by 1 ms each
    assert path.stat().st_size < 10_000  # 330 events, ~27 bytes each
    replay = Replay(read_recording(path)).run()
    assert replay.session.text == session.text
    assert np.array_equal(replay.session.trace("c"), session.trace("c"))


def test_the_starting_state_is_recorded_too():
    clock = Clock()
    session = Session(PanelSetup(hidden=6), window=32)
    session.set_text("abc")
    session.select_unit(4)
    session.toggle_pin(1)
    session.nudge_forget_bias(1)
    session.cursor_to(1)
    recorder = Recorder(session, ["heat"], True, clock=clock)
    assert recorder.recording.text == "abc" and recorder.recording.events[0][0] == 0
    replay = Replay(parse_recording(json.loads(recorder.recording.to_json()), "r")).run()
    assert_same(snapshot(replay.session), snapshot(session))
    assert replay.views == ("heat",) and replay.plot_gates


# --- weights files and models that cannot be replayed -----------------------------------------------------
def test_a_weights_file_is_replayed_only_from_the_same_file(tmp_path):
    model = CharModel.random("gru-cho", 5, seed=1, vocab="abc ", output_layer=True)
    save_model(model, tmp_path / "m.npz")
    session = Session(PanelSetup(weights=str(tmp_path / "m.npz")))
    recorder = Recorder(session, clock=Clock())
    session.set_text("ab ca")
    recorder.observe(session)
    recorder.recording.save(tmp_path / "r.json")
    assert recorder.recording.model["weights"] == str((tmp_path / "m.npz").resolve())
    moved = tmp_path / "moved.npz"
    os.replace(tmp_path / "m.npz", moved)
    with pytest.raises(UserError, match="which is not there"):
        Replay(read_recording(tmp_path / "r.json"))
    replay = Replay(read_recording(tmp_path / "r.json"), weights=str(moved)).run()
    assert np.array_equal(replay.session.trace("h"), session.trace("h"))
    save_model(CharModel.random("gru-cho", 5, seed=2, vocab="abc ", output_layer=True), moved)
    with pytest.raises(UserError, match="not the weights file the recording was made with"):
        Replay(read_recording(tmp_path / "r.json"), weights=str(moved))


def test_a_model_trained_in_the_app_cannot_be_recorded():
    model = CharModel.random("lstm", 4, output_layer=True)
    session = Session(PanelSetup(label="trained just now"), model=model)
    with pytest.raises(UserError, match="not saved in a file"):
        Recorder(session)


# --- damaged and hostile files ----------------------------------------------------------------------------
GOOD = {
    "format": "lstm-tui recording",
    "version": 1,
    "model": {"cell": "lstm", "model": "random", "hidden": 4, "seed": 0},
    "window": 64,
    "text": "ab",
    "view": ["gates"],
    "events": [[10, "edit", 2, 2, "c"], [20, "unit", 1]],
}


def write(tmp_path, data) -> Path:
    path = tmp_path / "r.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "change, message",
    [
        ({"format": "other"}, "not an lstm-tui recording"),
        ({"version": 2}, "recording version 2; this lstm-tui reads version 1"),
        ({"extra": 1}, "unexpected key 'extra'"),
        ({"model": {"model": "nope"}}, "no shipped model 'nope'"),
        ({"model": {"cell": "lstm", "model": "random", "hidden": 0, "seed": 0}}, "hidden size must be between"),
        ({"model": {"cell": "xx", "model": "random", "hidden": 4, "seed": 0}}, "unknown cell 'xx'"),
        ({"model": {"weights": "w.npz"}}, "exactly the keys sha256, weights"),
        ({"window": 0}, "window must be a whole number"),
        ({"text": 5}, "text must be a string"),
        ({"view": ["radar"]}, "a list of views"),
        ({"size": [80]}, "size must be"),
        ({"events": [[10, "edit", 3, 3, "c"]]}, r"event 1: edit takes start, end, text \(the text is 2 long\)"),
        ({"events": [[10, "unit", 1], [5, "unit", 2]]}, "event 2: its time 5 ms is before the event before it"),
        ({"events": [[10, "dance", 1]]}, "event 1: unknown kind 'dance'"),
        ({"events": [[10, "unit", 1.5]]}, "event 1: unit takes a unit"),
        ({"events": [[10, "forget_bias", 1e9]]}, "event 1: forget_bias takes a number"),
        ({"events": [[10, "model", {"model": "nope"}]]}, "event 1: model: no shipped model"),
        ({"events": [[10, "ranking", [0, 0, 1], 2]]}, "event 1: ranking takes the units in order"),
        ({"events": [["10", "unit", 1]]}, r"event 1: an event is \[milliseconds, kind"),
        ({"events": [[10, "unit", 1]] * (MAX_RECORDING_EVENTS + 1)}, "events; a recording holds at most"),
        (
            {"window": 8192, "events": [[k, "edit", 0, 0, "x" * 300] for k in range(400)]},
            f"replaying would take more than {MAX_REPLAY_STEPS:,} model steps",
        ),
    ],
)
def test_bad_recordings_are_one_line_errors(tmp_path, change, message):
    with pytest.raises(UserError, match=message) as error:
        read_recording(write(tmp_path, {**GOOD, **change}))
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"format": NaN}', "not JSON"),
        ("[" * 100_000 + "]" * 100_000, "not JSON"),
        ("\ufeff{}", "not JSON"),
        ("{", "not JSON"),
    ],
)
def test_files_that_are_not_json(tmp_path, text, message):
    with pytest.raises(UserError, match=message):
        read_recording(write(tmp_path, text))


def test_files_that_are_not_regular_or_too_large(tmp_path):
    os.mkfifo(tmp_path / "fifo.json")
    with pytest.raises(UserError, match="not a regular file"):
        read_recording(tmp_path / "fifo.json")
    (tmp_path / "big.json").write_text(" " * (2 << 20))
    with pytest.raises(UserError, match="a recording is at most"):
        read_recording(tmp_path / "big.json")
    with pytest.raises(UserError, match="cannot read it"):
        read_recording(tmp_path / "missing.json")


# --- the command ------------------------------------------------------------------------------------------
def test_replay_prints_each_event_at_the_recorded_pace(tmp_path, capsys, monkeypatch):
    recorder, _ = scripted_session(Clock())
    recorder.recording.save(tmp_path / "r.json")
    waits, clock = [], [0.0]

    def sleep(seconds):
        waits.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr("time.sleep", sleep)
    monkeypatch.setattr("time.monotonic", lambda: clock[0])
    assert main(["replay", str(tmp_path / "r.json"), "--speed", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    events = recorder.recording.events
    assert lines[0] == f"lstm, 8 units, seed 2, {len(events)} events over {events[-1][0] / 1000:.1f} s"
    assert len(lines) == len(events) + 1 and len(waits) == len(events)
    assert lines[1].startswith("   0.20 s  typed 'H'") and "H" in lines[1] and "c[0] " in lines[1]
    gaps = np.diff([0] + [event[0] for event in events]) / 1000
    np.testing.assert_allclose(waits, gaps / 4, atol=1e-9)  # each wait is the recorded gap at 4x
    assert any(" s  gru, seed 2 " in line for line in lines) and any(
        " s  lstm, model brackets " in line for line in lines
    )


def test_replay_options(tmp_path, capsys):
    write(tmp_path, GOOD)
    assert main(["replay", str(tmp_path / "r.json"), "--speed", "0"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    for speed in ("-1", "nan", "5000", "x"):
        assert main(["replay", str(tmp_path / "r.json"), "--speed", speed]) == 2
        assert "--speed" in capsys.readouterr().err


def test_replay_never_loads_textual(tmp_path):
    from .ui_helpers import RUN_CLI, ui_modules_loaded_by

    write(tmp_path, GOOD)
    loaded = ui_modules_loaded_by(RUN_CLI.format(argv=["replay", str(tmp_path / "r.json"), "--speed", "0"]))
    assert not [name for name in loaded if name.split(".")[0] in ("textual", "textual_plotext")]
