"""Crash logs: an unexpected exception's full traceback goes to a file; the user gets one line saying where.

The file goes under platformdirs' ``user_state_dir("lstm-tui")``; when that cannot be written (a read-only
home), a new file in the temporary directory. Nothing here imports Textual or NumPy.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

from . import __version__


def state_dir() -> Path:
    from platformdirs import user_state_dir

    return Path(user_state_dir("lstm-tui", appauthor=False))


def log_text(error: BaseException) -> str:
    """What a bug report needs: versions, the command line, the traceback."""
    lines = [
        f"lstm-tui {__version__} crashed at {time.strftime('%Y-%m-%d %H:%M:%S')}",
        f"python {platform.python_version()} on {platform.platform()}",
        f"argv: {sys.argv!r}",
        "",
        *traceback.format_exception(type(error), error, error.__traceback__),
    ]
    return "\n".join(line.rstrip("\n") for line in lines) + "\n"


def _write_in_state_dir(text: str) -> Path:
    folder = state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stem = time.strftime("crash-%Y%m%d-%H%M%S")
    for attempt in range(100):  # two crashes in the same second get -1, -2, ...
        path = folder / (f"{stem}.log" if attempt == 0 else f"{stem}-{attempt}.log")
        try:
            with open(path, "x", encoding="utf-8") as file:
                file.write(text)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"too many crash logs named {stem}* in {folder}")


def _write_in_temp_dir(text: str) -> Path:
    # mkstemp: a fresh private file, safe in a temporary directory shared with other users
    handle, name = tempfile.mkstemp(prefix=time.strftime("lstm-tui-crash-%Y%m%d-%H%M%S-"), suffix=".log")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
    return Path(name)


def report_crash(error: BaseException) -> str:
    """Write the crash log and return the one line for the user.

    When no log can be written anywhere, the line says so and the traceback follows it on stderr (the app
    has exited by then, so stderr is the terminal's again): the user still has something to report.
    """
    text = log_text(error)
    failures = []
    for write in (_write_in_state_dir, _write_in_temp_dir):
        try:
            path = write(text)
        except OSError as failure:
            failures.append(str(failure))
            continue
        return f"unexpected error ({_summary(error)}); the full traceback is in {path}"
    sys.stderr.write(text)
    return (
        f"unexpected error ({_summary(error)}); no crash log could be written ({'; '.join(failures)}), traceback above"
    )


def _summary(error: BaseException) -> str:
    message = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
