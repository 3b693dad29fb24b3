"""Saving what the app shows: the screen as SVG (Textual's screenshot) and as plain text, with the data
behind it (a live panel's trace as JSON and CSV, a screen's own ``export_files``), as new files in an
export folder (``--export-dir``, else ``exports`` in the user data folder), never replacing a file.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

from rich.console import Console

from .display import shown
from .errors import UserError
from .safe_files import write_new

EXPORT_FOLDER = "exports"


def default_export_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("lstm-tui", appauthor=False)) / EXPORT_FOLDER


def export_folder(path: str | Path | None) -> Path:
    """The folder exports go into, made if missing (``path``'s parent must exist; the default is made whole)."""
    folder = default_export_dir() if path is None else Path(path)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"cannot save into {shown(folder)}: it is not a folder")
    try:
        folder.mkdir(parents=path is None, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot make the export folder {shown(folder)} ({error.strerror or error})") from None
    return folder


def screen_text(app) -> str:
    """The screen as plain text, line by line, as Textual's screenshot draws it (trailing blanks dropped)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    # what App.export_screenshot prints, rendered again: the same frame, as text
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


def panel_files(session) -> dict[str, bytes]:
    """A live panel's window as the ``trace`` command writes it: its own numbers (``session_report``)."""
    from .trace_report import format_csv, format_json, session_report

    report = session_report(session)
    return {".trace.json": (format_json(report) + "\n").encode(), ".trace.csv": (format_csv(report) + "\n").encode()}


def screen_files(app) -> dict[str, bytes]:
    """Every file an export of the current screen writes, by suffix."""
    files = {".svg": app.export_screenshot().encode(), ".txt": screen_text(app).encode()}
    panel = app.focused_panel()
    if panel is not None and panel.session is not None:
        files |= panel_files(panel.session)
    own = getattr(app.screen, "export_files", None)
    if own is not None:
        files |= {suffix: text.encode() for suffix, text in own().items()}
    return files


def export_stem(mode: str, now: float) -> str:
    """lstm-tui-MODE-YYYYMMDD-HHMMSS (local time ``now``), the mode reduced to letters, digits and dashes."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return f"lstm-tui-{re.sub(r'[^a-z0-9-]+', '-', mode.lower()).strip('-') or 'screen'}-{stamp}"


def export_screen(app, folder: Path) -> list[Path]:
    """Write the current screen's files into ``folder``; returns them."""
    return write_new(folder, export_stem(app.current_mode, time.time()), screen_files(app))
