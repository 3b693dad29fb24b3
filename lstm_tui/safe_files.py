"""Writing files the user asked for: whole or not at all, never through a symbolic link; reading files
of bounded size without waiting on a FIFO or reading a device forever.

Every file is written under a fresh name in its own folder (``tempfile.mkstemp`` creates it exclusively, so
nothing planted at that name is followed), then renamed over the target: ``os.replace`` replaces a link at
the target itself, never the file it points to. Plain Python, no NumPy.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from .display import shown
from .errors import UserError
from .limits import MAX_NEW_NAMES


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``: a temporary file beside it, flushed, then renamed over it."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        raise UserError(f"{shown(path)} is a folder, not a file")
    _write_then(path, data, os.replace)


def _write_then(path: Path, data: bytes, publish) -> None:
    """Write ``data`` to a fresh temporary file beside ``path``, flushed, then ``publish(temporary, path)``;
    the temporary name is gone afterwards. FileExistsError from ``publish`` is raised as it is."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".partial", dir=path.parent)
    except OSError as error:
        raise UserError(f"cannot write in {shown(path.parent)} ({error.strerror or error})") from None
    try:
        os.fchmod(handle, 0o666 & ~_umask())  # mkstemp makes it private; a saved file is as open() would make it
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        publish(temporary, path)
    except FileExistsError:
        raise
    except OSError as error:
        raise UserError(f"cannot write {shown(path)} ({error.strerror or error})") from None
    finally:
        Path(temporary).unlink(missing_ok=True)


def write_new(folder: Path, stem: str, files: dict[str, bytes]) -> list[Path]:
    """Write ``files`` (suffix → bytes) into ``folder`` as stem + suffix, each whole, never replacing anything:
    the first of stem, stem-2, stem-3, … at which none of the names is taken. Each file is written under a
    temporary name, then linked to its own name (``os.link`` fails if that name exists, link or not)."""
    folder = Path(folder)
    for number in range(1, MAX_NEW_NAMES + 1):
        name = stem if number == 1 else f"{stem}-{number}"
        paths = [folder / f"{name}{suffix}" for suffix in files]
        if any(os.path.lexists(path) for path in paths):
            continue
        written: list[Path] = []
        try:
            for path, data in zip(paths, files.values()):
                _write_then(path, data, os.link)
                written.append(path)
            return written
        except FileExistsError:  # taken meanwhile: take back this set's files and try the next name
            for path in written:
                path.unlink(missing_ok=True)
    raise UserError(f"{shown(folder)} already holds {MAX_NEW_NAMES} files named {shown(stem)}; clear some out")


def _umask() -> int:
    """The process's umask, read without changing it (os.umask can only be read by setting it, which other
    threads would see); 0o077 where /proc does not tell."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o077


def read_regular_file(path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes. Raises OSError when it
    cannot be opened or read, ValueError (its message the reason, e.g. "not a regular file") otherwise; a
    FIFO is never waited on (O_NONBLOCK) and a device never read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    handle = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise ValueError("not a regular file")
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
    finally:
        os.close(handle)
    if len(data) > limit:
        raise ValueError(f"over {limit / 2**20:g} MiB" if limit >= 2**20 else f"over {limit:,} bytes")
    return data


def output_folder(path, *, force: bool, option: str = "--out") -> Path:
    """The folder to write into, made if missing (its parent must exist). A folder that already holds
    files is refused unless ``force``; a symbolic link or a file at ``path`` always is."""
    path = Path(path)
    if path.is_symlink():
        raise UserError(f"{option}: {shown(path)} is a symbolic link; give the folder itself")
    if path.exists():
        if not path.is_dir():
            raise UserError(f"{option}: {shown(path)} exists and is not a folder")
        if any(path.iterdir()) and not force:
            raise UserError(f"{option}: {shown(path)} is not empty; give --force to write into it anyway")
        return path
    if not path.parent.is_dir():
        raise UserError(f"{option}: the folder {shown(path.parent)} does not exist")
    try:
        path.mkdir()
    except OSError as error:
        raise UserError(f"{option}: cannot make {shown(path)} ({error.strerror or error})") from None
    return path


class StagedFiles:
    """Files made in a private folder inside ``folder`` (``stage / name``), moved into ``folder`` together by
    ``commit``; dropped if anything fails first. ``replaces``: other names this set owns, removed from
    ``folder`` on commit when not written this time (so a second export leaves no stale file)."""

    def __init__(self, folder: Path, replaces: tuple[str, ...] = ()):
        self.folder = Path(folder)
        self.replaces = replaces
        try:
            self.stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.folder))
        except OSError as error:
            raise UserError(f"cannot write in {shown(self.folder)} ({error.strerror or error})") from None

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)

    def commit(self) -> list[Path]:
        written = sorted(self.stage.iterdir())
        for source in written:  # every target checked before the first is replaced: all files or none
            target = self.folder / source.name
            if target.is_dir() and not target.is_symlink():
                raise UserError(f"{shown(target)} is a folder; remove it or write elsewhere")
        for source in written:
            target = self.folder / source.name
            try:
                os.replace(source, target)
            except OSError as error:
                raise UserError(f"cannot write {shown(target)} ({error.strerror or error})") from None
        names = {source.name for source in written}
        for name in self.replaces:
            stale = self.folder / name
            if name not in names and (stale.is_symlink() or stale.is_file()):
                stale.unlink()
        return [self.folder / source.name for source in written]
