"""Recording from the app (shift+F5) and playing a recording back into the panel, frame for frame."""

from __future__ import annotations

import json

import pytest

from lstm_tui.app import LstmApp
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.recording import read_recording
from lstm_tui.widgets.panel_recording import PanelPlayer, play_recording

KEYS = [*"(ab", "alt+left", "down", "ctrl+t", "f4", "insert", "f6", "f10", *"x)", "home", "z", "escape", "f2"]


@pytest.fixture(autouse=True)
def user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


async def frame(app, pilot) -> str:
    """The screen as Textual's screenshot draws it (every character, colour and style), without notices
    (the recording's own would differ)."""
    await pilot.pause()
    app.clear_notifications()
    await pilot.pause()
    return app.export_screenshot()


async def record(tmp_path, setup: PanelSetup, keys) -> tuple[list[tuple[int, str]], object]:
    """Record ``keys`` in a panel; returns (events so far, screen) after each key and the saved file."""
    app = LstmApp(setup, export_dir=str(tmp_path))
    frames = []
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.screen.panel
        await panel.wait_until_ready()
        await pilot.press("shift+f5")
        frames.append((len(panel.recorder.recording.events), await frame(app, pilot)))
        for key in keys:
            await pilot.press(key)
            frames.append((len(panel.recorder.recording.events), await frame(app, pilot)))
        await pilot.press("shift+f5")
        await pilot.pause()
        assert panel.recorder is None
    (path,) = tmp_path.glob("lstm-tui-recording-*.json")
    return frames, path


async def test_a_recording_replays_in_the_panel_frame_for_frame(tmp_path):
    frames, path = await record(tmp_path, PanelSetup(hidden=8, seed=2), KEYS)
    recording = read_recording(path)
    kinds = {event[1] for event in recording.events}
    assert {"edit", "cursor", "unit", "pins", "view", "plot_gates", "forget_bias", "marks", "caret"} <= kinds
    assert recording.size == (80, 24) and len(path.read_bytes()) < 4000

    from lstm_tui.recording import Replay

    app = LstmApp(Replay(recording).setup, window=recording.window)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.screen.panel
        await panel.wait_until_ready()
        player = PanelPlayer(panel, recording)
        compared = 0
        for events, expected in frames:
            while player.replay.position < events:
                player.play_group()
            assert player.replay.position == events  # each frame's events are a group of their own
            assert await frame(app, pilot) == expected
            compared += 1
        assert player.done and compared == len(KEYS) + 1


async def test_replay_app_plays_a_file_at_once_and_leaves_the_panel_live(tmp_path):
    frames, path = await record(tmp_path, PanelSetup(hidden=8, seed=2), [*"ab", "insert", "c"])
    recording = read_recording(path)
    from lstm_tui.recording import Replay

    async def play(app):
        await play_recording(app, recording, None, 0)

    app = LstmApp(Replay(recording).setup, window=recording.window, playback=play)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        assert await frame(app, pilot) == frames[-1][1]
        panel = app.screen.panel
        await pilot.press("d")
        assert panel.session.text.endswith("cd")


async def test_a_model_only_in_memory_is_not_recorded(tmp_path):
    from lstm_tui.model import CharModel

    app = LstmApp(PanelSetup(hidden=8), export_dir=str(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.screen.panel
        await panel.wait_until_ready()
        panel.show_model(PanelSetup(hidden=8, label="trained here"), CharModel.random("lstm", 8, 0, output_layer=True))
        await pilot.press("shift+f5")
        await pilot.pause()
        assert panel.recorder is None
        assert any("cannot record" in notice.message for notice in app._notifications)


def test_marks_events_are_checked(tmp_path):
    head = {"format": "lstm-tui recording", "version": 1, "window": 64, "text": "abc", "view": ["gates"]}
    head["model"] = {"cell": "lstm", "model": "random", "hidden": 8, "seed": 0}
    for marks, good in [([[0, 2]], True), ([[2, 4]], False), ([[1, 1]], False), ([[2, 3], [0, 1]], False)]:
        path = tmp_path / "r.json"
        path.write_text(json.dumps({**head, "events": [[0, "marks", marks]]}))
        if good:
            read_recording(path)
        else:
            with pytest.raises(Exception, match="marks takes"):
                read_recording(path)
