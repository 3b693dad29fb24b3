"""Progress file: round trip, atomic writes, corrupt or unreadable files, read-only folders, reset."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import pytest

from lstm_tui import progress as progress_module
from lstm_tui.progress import Progress, default_path


@pytest.fixture
def path(tmp_path):
    return tmp_path / "data" / "progress.json"


def sample(path) -> Progress:
    progress = Progress(path)
    progress.mark_read("forget-gate")
    progress.record_answer("forget-gate", 0, True)
    progress.record_answer("forget-gate", 1, False)
    progress.open_lesson("input-gate")
    return progress


def test_round_trip(path):
    assert sample(path).save()
    loaded = Progress.load(path)
    assert loaded.is_read("forget-gate") and not loaded.is_read("input-gate")
    assert loaded.score("forget-gate") == (1, 2)
    assert loaded.last_lesson == "input-gate"
    assert loaded.take_messages() == []


def test_a_missing_file_is_a_fresh_start_without_a_message(path):
    loaded = Progress.load(path)
    assert loaded.read == set() and loaded.last_lesson is None
    assert loaded.take_messages() == []


def test_save_leaves_no_temporary_files(path):
    sample(path).save()
    assert sorted(p.name for p in path.parent.iterdir()) == ["progress.json", "progress.json.lock"]
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1


def test_a_failed_write_keeps_the_old_file(path, monkeypatch):
    sample(path).save()
    before = path.read_text(encoding="utf-8")

    def refuse(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(progress_module.os, "replace", refuse)
    changed = Progress.load(path)
    changed.mark_read("gru")
    assert changed.save() is False
    assert path.read_text(encoding="utf-8") == before  # never half-written
    assert sorted(p.name for p in path.parent.iterdir()) == ["progress.json", "progress.json.lock"]  # temp file removed
    assert "No space left on device" in changed.take_messages()[0]


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"version": 1, "read": "gru", "answers": {}, "last_lesson": null}',
        '{"version": 99}',
        "\udcff",
    ],
)
def test_a_corrupt_file_is_reported_once_and_replaced(path, content):
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8", errors="surrogateescape")
    loaded = Progress.load(path)
    messages = loaded.take_messages()
    assert len(messages) == 1 and str(path) in messages[0]
    assert loaded.take_messages() == []  # reported once
    assert loaded.read == set()
    loaded.mark_read("gru")
    assert loaded.save()
    assert Progress.load(path).is_read("gru")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_reported(path):
    sample(path).save()
    path.chmod(0)
    loaded = Progress.load(path)
    assert "could not read" in loaded.take_messages()[0]


def make_fifo(path):
    os.mkfifo(path)


def make_folder(path):
    path.mkdir()


def make_device_link(path):
    path.symlink_to("/dev/zero")  # endless: read whole, it would fill the memory


def make_large(path):
    path.write_text(json.dumps({"version": 1, "read": ["x" * 100] * 20_000, "answers": {}, "last_lesson": None}))


def make_deep(path):
    path.write_text('{"version": 1, "read": [], "answers": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files")
@pytest.mark.parametrize("make", [make_fifo, make_folder, make_device_link, make_large, make_deep])
def test_a_special_large_or_deep_file_is_reported_once_and_replaced(path, make):
    path.parent.mkdir(parents=True)
    make(path)
    started = time.monotonic()
    loaded = Progress.load(path)  # a FIFO must not block, /dev/zero must not be read to the end
    assert time.monotonic() - started < 5
    [message] = loaded.take_messages()
    assert str(path) in message and "replaced" in message
    loaded.mark_read("gru")
    if make is make_folder:
        assert not loaded.save()  # a folder cannot be replaced by a file: this session keeps it
    else:
        assert loaded.save() and path.is_file() and not path.is_symlink()
        assert Progress.load(path).is_read("gru")


def test_lessons_that_do_not_exist_are_reported_once_and_dropped(path):
    progress = sample(path)
    progress.mark_read("no-such-lesson")
    progress.record_answer("gone", 0, True)
    progress.save()
    loaded = Progress.load(path, known={"forget-gate", "input-gate"})
    [message] = loaded.take_messages()
    assert "gone, no-such-lesson" in message
    assert loaded.read == {"forget-gate"} and set(loaded.answers) == {"forget-gate"}
    assert loaded.last_lesson == "input-gate"
    assert loaded.save()
    again = Progress.load(path, known={"forget-gate", "input-gate"})
    assert again.take_messages() == [] and again.read == {"forget-gate"}  # replaced: not reported twice


def test_two_instances_merge_instead_of_erasing_each_other(path):
    sample(path).save()
    first, second = Progress.load(path), Progress.load(path)
    first.record_answer("gru", 0, True)
    first.mark_read("gru")
    assert first.save()
    second.record_answer("forget-gate", 1, True)  # changes an answer the first one also holds
    second.mark_read("lstm")
    second.open_lesson("lstm")
    assert second.save()
    merged = Progress.load(path)
    assert merged.read == {"forget-gate", "gru", "lstm"}
    assert merged.answers == {"forget-gate": {0: True, 1: True}, "gru": {0: True}}
    assert merged.last_lesson == "lstm"
    first.record_answer("gru", 1, False)
    assert first.save()  # the first one's next save keeps the second one's work
    assert Progress.load(path).answers["forget-gate"] == {0: True, 1: True}
    assert first.read == {"forget-gate", "gru", "lstm"} and first.last_lesson == "lstm"


WRITER = """
import sys
from lstm_tui.progress import Progress
path, name = sys.argv[1], sys.argv[2]
for question in range(40):
    progress = Progress.load(path)
    progress.record_answer(name, question, True)
    assert progress.save(), progress.take_messages()
"""


@pytest.mark.skipif(os.name != "posix", reason="the lock is flock")
def test_concurrent_saves_under_the_lock_lose_nothing(path):
    sample(path).save()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name]) for name in ("one", "two", "three")]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0]
    answers = Progress.load(path).answers
    assert {name: len(answers[name]) for name in ("one", "two", "three")} == {"one": 40, "two": 40, "three": 40}
    assert answers["forget-gate"] == {0: True, 1: False}


def test_without_fcntl_saving_still_works(path, monkeypatch):
    monkeypatch.setitem(sys.modules, "fcntl", None)  # as on Windows
    assert sample(path).save()
    assert Progress.load(path).is_read("forget-gate")


def test_a_read_only_folder_works_without_saving(path, monkeypatch):
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(progress_module.tempfile, "NamedTemporaryFile", read_only)
    progress = sample(path)
    assert progress.save() is False
    assert progress.save() is False  # keeps working, says nothing more
    messages = progress.take_messages()
    assert len(messages) == 1 and "Permission denied" in messages[0]
    assert progress.is_read("forget-gate")  # the session keeps its progress in memory
    assert not path.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_a_read_only_folder_by_permissions(path):
    path.parent.mkdir()
    path.parent.chmod(0o500)
    try:
        progress = sample(path)
        assert progress.save() is False
        assert len(progress.take_messages()) == 1
    finally:
        path.parent.chmod(0o700)


def test_reset_forgets_everything_and_removes_the_file(path):
    progress = sample(path)
    progress.save()
    assert progress.reset()
    assert not path.exists()
    assert progress.read == set() and progress.answers == {} and progress.last_lesson is None
    assert Progress.load(path).read == set()


def test_default_path_is_in_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    path = default_path()
    assert path.name == "progress.json" and path.parent.name == "lstm-tui"
    if os.name == "posix" and os.uname().sysname != "Darwin":
        assert path.parent.parent == tmp_path


def test_the_temporary_file_is_written_next_to_the_target(path, monkeypatch):
    """os.replace is only atomic within one file system: the temp file must share the target's folder."""
    folders = []
    real = tempfile.NamedTemporaryFile

    def spy(*args, **kwargs):
        folders.append(kwargs["dir"])
        return real(*args, **kwargs)

    monkeypatch.setattr(progress_module.tempfile, "NamedTemporaryFile", spy)
    sample(path).save()
    assert folders == [path.parent]
