"""A lesson's try-it can play a recording in the panel (``recording: "demo.json"`` beside the lesson)."""

from __future__ import annotations

import json

import pytest

from lstm_tui.app import LstmApp
from lstm_tui.curriculum import load_lessons, parse_lesson
from lstm_tui.errors import UserError
from lstm_tui.lesson_check import lesson_problems
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.progress import Progress
from lstm_tui.recording import Recorder
from lstm_tui.session import Session
from lstm_tui.widgets.lesson_view import TryItCard

LESSON = """---
title: "Replayed"
order: 1
---
# Replayed

```try
recording: "{name}"

Watch the gates while the text is typed for you.
```
"""


def write_course(tmp_path, name: str = "demo.json"):
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "01-replayed.md").write_text(LESSON.format(name=name), encoding="utf-8")
    session = Session(PanelSetup(cell="gru", hidden=8, seed=3), window=64)
    clock = iter(range(1000)).__next__  # a second per look
    recorder = Recorder(session, views=("gates", "equation"), clock=lambda: clock() / 10)
    for text in ("(", "(a", "(ab", "(ab)"):
        session.set_text(text)
        recorder.observe(session, views=("gates", "equation"))
    session.select_unit(3)
    recorder.observe(session, views=("gates", "equation"))
    recorder.recording.save(folder / "demo.json")
    return folder


def test_check_lesson_replays_the_recording_and_refuses_bad_ones(tmp_path):
    folder = write_course(tmp_path)
    curriculum = load_lessons(folder)
    (lesson,) = curriculum.lessons
    assert lesson.tries[0].recording == "demo.json" and "plays demo.json" in lesson.markdown()
    assert lesson_problems(curriculum, lesson) == []
    (folder / "demo.json").write_text(json.dumps({"format": "lstm-tui recording", "version": 9}))
    assert "recording version 9" in lesson_problems(curriculum, lesson)[0]
    (folder / "demo.json").unlink()
    assert "cannot read it" in lesson_problems(curriculum, lesson)[0]


@pytest.mark.parametrize("name", ["../demo.json", "demo.npz", "sub/demo.json"])
def test_a_recording_is_a_json_file_beside_the_lesson(name):
    with pytest.raises(UserError, match="01-replayed.md:7: recording is the name of a .json file"):
        parse_lesson(LESSON.format(name=name), "01-replayed.md")


async def test_the_try_it_plays_the_recording_in_the_panel(tmp_path):
    folder = write_course(tmp_path)
    app = LstmApp(
        mode="lessons", curriculum=load_lessons(folder), progress=Progress.load(tmp_path / "p.json"), lesson=1
    )
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        card = app.screen.query(TryItCard).first()
        card.post_message(TryItCard.Run(card.item))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        panel = app.screen.panel
        assert panel.typed_text == "(ab)" and panel.session.selected_unit == 3
        assert panel.session.model.name == "gru" and panel.views_shown == {"gates", "equation"}
        assert any("replay done" in notice.message for notice in app._notifications)
