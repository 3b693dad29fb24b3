"""Progress file: round trip, atomic writes, corrupt or unreadable files, read-only folders, reset."""

from __future__ import annotations

import json
import os
import tempfile

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
    assert sorted(p.name for p in path.parent.iterdir()) == ["progress.json"]
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
    assert sorted(p.name for p in path.parent.iterdir()) == ["progress.json"]  # temp file removed
    assert "No space left on device" in changed.take_messages()[0]


@pytest.mark.parametrize(
    "content",
    ["{not json", "[]", '{"version": 1, "read": "gru", "answers": {}, "last_lesson": null}', '{"version": 99}', "\udcff"],
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


def test_an_unreadable_file_is_reported(path):
    path.mkdir(parents=True)  # a folder where the file should be: reading fails with an OSError
    loaded = Progress.load(path)
    assert "could not read" in loaded.take_messages()[0]


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
    if os.name == "posix" and not os.uname().sysname == "Darwin":
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
