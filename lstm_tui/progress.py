"""What the learner has done: lessons read, quiz answers, the last lesson open. Saved as JSON.

The file lives under platformdirs' ``user_data_dir("lstm-tui")``. Writes are atomic (a temporary file in
the same folder, then ``os.replace``), so a crash never leaves half a file. Progress is a convenience, not
something worth a crash: an unreadable or corrupt file is reported once (``take_messages``) and replaced on
the next save, and when the folder cannot be written the app keeps the progress for this session only.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

FILE_NAME = "progress.json"
FORMAT_VERSION = 1


def default_path() -> Path:
    from platformdirs import user_data_dir  # small, but only needed when progress is used

    return Path(user_data_dir("lstm-tui", appauthor=False)) / FILE_NAME


class Progress:
    def __init__(self, path: Path | None = None):
        self.path = default_path() if path is None else Path(path)
        self.read: set[str] = set()  # lesson slugs
        self.answers: dict[str, dict[int, bool]] = {}  # slug → question index → last answer right?
        self.last_lesson: str | None = None
        self.can_save = True
        self._messages: list[str] = []

    # --- loading and saving ------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | None = None) -> "Progress":
        """Never raises for a missing, unreadable or corrupt file: it starts afresh and says so once."""
        progress = cls(path)
        try:
            raw = progress.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return progress
        except (OSError, UnicodeDecodeError) as error:
            progress._report(f"could not read {progress.path} ({error}); starting with no progress")
            return progress
        try:
            progress._restore(json.loads(raw))
        except (ValueError, TypeError, KeyError) as error:
            progress._report(f"{progress.path} was corrupt ({error}); it will be replaced")
        return progress

    def _restore(self, data) -> None:
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
        self.read = set(read)
        self.answers = {slug: {int(k): v for k, v in per.items()} for slug, per in answers.items()}
        self.last_lesson = last

    def to_json(self) -> str:
        data = {
            "version": FORMAT_VERSION,
            "read": sorted(self.read),
            "answers": {slug: {str(k): v for k, v in sorted(per.items())} for slug, per in sorted(self.answers.items())},
            "last_lesson": self.last_lesson,
        }
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    def save(self) -> bool:
        """Write atomically; False (and a one-time message) when the folder cannot be written."""
        if not self.can_save:
            return False
        temporary = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
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
            self._report(f"cannot save progress to {self.path} ({error.strerror or error}); it is kept for this session only")
            return False

    def reset(self) -> bool:
        """Forget everything and remove the file; False if the file could not be removed."""
        self.read.clear()
        self.answers.clear()
        self.last_lesson = None
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

    def is_read(self, slug: str) -> bool:
        return slug in self.read

    def open_lesson(self, slug: str) -> None:
        self.last_lesson = slug

    def record_answer(self, slug: str, question: int, correct: bool) -> None:
        self.answers.setdefault(slug, {})[question] = bool(correct)

    def score(self, slug: str) -> tuple[int, int]:
        """(right, answered) for one lesson's quiz."""
        per_lesson = self.answers.get(slug, {})
        return sum(per_lesson.values()), len(per_lesson)
