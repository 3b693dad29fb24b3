"""What the learner has done: lessons read, quiz answers, the last lesson open. Saved as JSON.

The file lives under platformdirs' ``user_data_dir("lstm-tui")``. Writes are atomic (a temporary file in
the same folder, then ``os.replace``), so a crash never leaves half a file. Progress is a convenience, not
something worth a crash: a file that is unreadable, corrupt, not a regular file (a FIFO would block the
start), too large, too deeply nested or names lessons that do not exist is reported once
(``take_messages``) and replaced on the next save, and when the folder cannot be written the app keeps the
progress for this session only.

Several processes may share the file (two terminals, two browser tabs under ``serve``): each save takes a
lock (``flock`` on a lock file beside it, where the platform has one), reads what the others saved and
adds what this process recorded, so no process erases another's progress.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Collection
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .limits import MAX_PROGRESS_BYTES
from .safe_files import read_regular_file

FILE_NAME = "progress.json"
LOCK_SUFFIX = ".lock"
FORMAT_VERSION = 1
LOCK_SECONDS = 2.0  # a save waits this long for another process's save, then writes anyway (still atomically)


def default_path() -> Path:
    from platformdirs import user_data_dir  # small, but only needed when progress is used

    return Path(user_data_dir("lstm-tui", appauthor=False)) / FILE_NAME


def course_path(source) -> Path:
    """Where progress through lessons of your own (``--lessons-dir``) is kept: one file per course folder,
    apart from the built-in lessons' (whose file drops lessons it does not know)."""
    import hashlib

    key = hashlib.sha256(str(Path(source).resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return default_path().parent / "courses" / f"{key}.json"


@dataclass
class _Saved:
    """What a progress file holds."""

    read: set[str] = field(default_factory=set)
    answers: dict[str, dict[int, bool]] = field(default_factory=dict)
    last_lesson: str | None = None


class Progress:
    def __init__(self, path: Path | None = None, known: Collection[str] | None = None):
        """``known``: the lessons that exist (slugs); progress on any other is dropped. None keeps all."""
        self.path = default_path() if path is None else Path(path)
        self.known = None if known is None else frozenset(known)
        self.read: set[str] = set()  # lesson slugs
        self.answers: dict[str, dict[int, bool]] = {}  # slug → question index → last answer right?
        self.last_lesson: str | None = None
        self.can_save = True
        self._messages: list[str] = []
        # What this process recorded, which a save adds to what the file holds by then.
        self._read_here: set[str] = set()
        self._answered_here: dict[str, dict[int, bool]] = {}
        self._opened_here = False

    # --- loading and saving ------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | None = None, known: Collection[str] | None = None) -> Progress:
        """Never raises for a missing, unreadable or corrupt file: it starts afresh and says so once."""
        progress = cls(path, known)
        saved, problem = progress._read_file()
        if problem:
            progress._report(problem)
        if saved is not None:
            unknown = progress._drop_unknown(saved)
            if unknown:
                shown = ", ".join(sorted(unknown)[:3]) + (", …" if len(unknown) > 3 else "")
                progress._report(f"{progress.path} named lessons that do not exist ({shown}); they are dropped")
            progress.read, progress.answers, progress.last_lesson = saved.read, saved.answers, saved.last_lesson
        return progress

    def _read_file(self) -> tuple[_Saved | None, str | None]:
        """(what the file holds or None, the problem to report or None); no file is no problem."""
        try:
            raw = read_regular_file(self.path, MAX_PROGRESS_BYTES)  # a FIFO would block the start forever
        except FileNotFoundError:
            return None, None
        except OSError as error:
            return None, f"could not read {self.path} ({error.strerror or error}); starting with no progress"
        except ValueError as problem:
            return None, f"{self.path} is {problem}, not progress; it will be replaced"
        try:
            return _parse(json.loads(raw.decode("utf-8"))), None
        except RecursionError:
            return None, f"{self.path} was corrupt (nested too deeply); it will be replaced"
        except (ValueError, TypeError, KeyError) as error:
            return None, f"{self.path} was corrupt ({error}); it will be replaced"

    def _drop_unknown(self, saved: _Saved) -> set[str]:
        """Remove lessons that do not exist from ``saved``; return their names."""
        if self.known is None:
            return set()
        named = saved.read | set(saved.answers) | ({saved.last_lesson} if saved.last_lesson else set())
        unknown = named - self.known
        saved.read -= unknown
        saved.answers = {slug: per for slug, per in saved.answers.items() if slug not in unknown}
        if saved.last_lesson in unknown:
            saved.last_lesson = None
        return unknown

    def to_json(self) -> str:
        data = {
            "version": FORMAT_VERSION,
            "read": sorted(self.read),
            "answers": {
                slug: {str(k): v for k, v in sorted(per.items())} for slug, per in sorted(self.answers.items())
            },
            "last_lesson": self.last_lesson,
        }
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    def save(self) -> bool:
        """Merge with what other processes saved and write atomically; False (and a one-time message) when
        the folder cannot be written."""
        if not self.can_save:
            return False
        temporary = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._locked():
                saved, _ = self._read_file()  # a problem was reported at load, or it is replaced now
                if saved is not None:
                    self._merge(saved)
                with tempfile.NamedTemporaryFile(
                    "w", encoding="utf-8", dir=self.path.parent, prefix=".progress-", suffix=".tmp", delete=False
                ) as handle:
                    temporary = Path(handle.name)
                    handle.write(self.to_json())
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, self.path)
            return True
        except OSError as error:
            if temporary is not None:
                temporary.unlink(missing_ok=True)
            self.can_save = False
            self._report(
                f"cannot save progress to {self.path} ({error.strerror or error}); it is kept for this session only"
            )
            return False

    def _merge(self, saved: _Saved) -> None:
        """Take what the file holds now and put back what this process recorded on top of it."""
        self._drop_unknown(saved)
        self.read = saved.read | self._read_here
        self.answers = saved.answers
        for slug, per_lesson in self._answered_here.items():
            self.answers.setdefault(slug, {}).update(per_lesson)
        if not self._opened_here:
            self.last_lesson = saved.last_lesson

    @contextmanager
    def _locked(self):
        """Hold an exclusive lock on ``progress.json.lock`` (released when its file is closed); without
        ``fcntl`` (Windows), or when another process holds it for LOCK_SECONDS, go on without it."""
        try:
            import fcntl
        except ImportError:
            yield
            return
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        handle = os.open(self.path.with_name(self.path.name + LOCK_SUFFIX), flags, 0o600)
        try:
            deadline = time.monotonic() + LOCK_SECONDS
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.01)
            yield
        finally:
            os.close(handle)

    def reset(self) -> bool:
        """Forget everything and remove the file; False if the file could not be removed."""
        self.read.clear()
        self.answers.clear()
        self.last_lesson = None
        self._read_here.clear()
        self._answered_here.clear()
        self._opened_here = False
        try:
            self.path.unlink(missing_ok=True)
            return True
        except OSError as error:
            self._report(f"cannot remove {self.path} ({error.strerror or error})")
            return False

    # --- messages for the user ---------------------------------------------------------------------
    def _report(self, message: str) -> None:
        self._messages.append(message)

    def take_messages(self) -> list[str]:
        """Messages not yet shown (each is returned once)."""
        messages, self._messages = self._messages, []
        return messages

    # --- recording ---------------------------------------------------------------------------------
    def mark_read(self, slug: str) -> None:
        self.read.add(slug)
        self._read_here.add(slug)

    def is_read(self, slug: str) -> bool:
        return slug in self.read

    def open_lesson(self, slug: str) -> None:
        self.last_lesson = slug
        self._opened_here = True

    def record_answer(self, slug: str, question: int, correct: bool) -> None:
        self.answers.setdefault(slug, {})[question] = bool(correct)
        self._answered_here.setdefault(slug, {})[question] = bool(correct)

    def score(self, slug: str) -> tuple[int, int]:
        """(right, answered) for one lesson's quiz."""
        per_lesson = self.answers.get(slug, {})
        return sum(per_lesson.values()), len(per_lesson)


def _parse(data) -> _Saved:
    """A progress file's JSON, checked; raises ValueError (or TypeError/KeyError) when it is not one."""
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        raise ValueError(f"expected an object with version {FORMAT_VERSION}")
    read, answers, last = data["read"], data["answers"], data["last_lesson"]
    if not (isinstance(read, list) and all(isinstance(slug, str) for slug in read)):
        raise ValueError("read must be a list of lesson names")
    if not isinstance(answers, dict) or not all(
        isinstance(per_lesson, dict) and all(isinstance(v, bool) for v in per_lesson.values())
        for per_lesson in answers.values()
    ):
        raise ValueError("answers must map lessons to {question: true/false}")
    if last is not None and not isinstance(last, str):
        raise ValueError("last_lesson must be a lesson name or null")
    return _Saved(set(read), {slug: {int(k): v for k, v in per.items()} for slug, per in answers.items()}, last)
