"""Command line: argument parsing only.

Each command lives in ``lstm_tui/commands/<name>.py`` with ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``. Command modules import nothing heavy at module scope, so ``--help`` stays fast and
non-interactive commands never load Textual.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from . import __version__
from .blas import limit_blas_threads
from .display import shown
from .errors import UserError, print_message

# Subcommands, in the order --help lists them. With no subcommand, ``home`` opens the app.
COMMANDS = (
    "trace",
    "sample",
    "export-code",
    "lessons",
    "lesson",
    "check-lesson",
    "gradients",
    "explore",
    "compare",
    "replay",
    "train",
    "serve",
)


def _command(name: str):
    return importlib.import_module(f"lstm_tui.commands.{name.replace('-', '_')}")


class ArgumentParser(argparse.ArgumentParser):
    """argparse quotes a bad value with repr, but lists unrecognised arguments and some names raw: escape
    its messages like every other (subcommand parsers are made of this class too)."""

    def error(self, message: str):
        super().error(shown(message))


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="lstm-tui",
        description="Learn LSTMs and GRUs in the terminal: lessons beside a live model that steps on every key.",
    )
    parser.add_argument("--version", action="version", version=f"lstm-tui {__version__}")
    parser.add_argument("--reset-progress", action="store_true", help="forget lessons read and quiz answers, then exit")
    parser.add_argument(
        "--no-mouse",
        action="store_true",
        help="no mouse support in the app (the terminal sends no mouse reports over SSH)",
    )
    parser.add_argument(
        "--ascii",
        action="store_true",
        help="draw the app in plain ASCII (automatic when the terminal's encoding lacks Unicode)",
    )
    parser.add_argument(
        "--light",
        action="store_true",
        help="colours for a light terminal background (ctrl+p switches between dark and light)",
    )
    parser.add_argument(
        "--lessons-dir",
        metavar="PATH",
        help="lessons of your own instead of the built-in ones: a folder of NN-slug.md files, or one "
        "(for the app, lessons and lesson; see docs/lesson-format.md)",
    )
    parser.add_argument(
        "--export-dir",
        metavar="PATH",
        help="where ctrl+s in the app saves the screen (SVG, text and its data; default: exports in the "
        "user data folder); files are never replaced",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = _command(name)
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
    return parser


SSH_ESCAPE_DELAY_MS = "250"
NUMPY_FLOAT_WARNINGS = r"(overflow|invalid value|divide by zero|underflow) encountered"


def allow_for_slow_links() -> None:
    """Over SSH, wait 250 ms (Textual's default: 100) for the rest of an escape sequence before taking
    a lone ESC as the escape key: a sequence split across packets (alt+←, an F-key) would otherwise
    reach the input as ESC plus text such as "[1;3D". Textual reads ESCDELAY when it is imported; a
    value the user set wins."""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        os.environ.setdefault("ESCDELAY", SSH_ESCAPE_DELAY_MS)


def main(argv: list[str] | None = None) -> int:
    limit_blas_threads()
    allow_for_slow_links()
    # A model whose state overflows shows nan/inf (null in JSON) where it happens; NumPy's warnings about
    # it would land on stderr, which is the terminal the app draws on.
    warnings.filterwarnings("ignore", NUMPY_FLOAT_WARNINGS, RuntimeWarning)
    # Characters the terminal cannot encode print as backslash escapes instead of failing.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    try:
        if args.reset_progress:
            return _reset_progress()
        return _command(args.command or "home").run(args)
    except UserError as error:
        print_message(error)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader stopped early (``| head``): not an error. Point stdout at devnull so the
        # interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        if error.filename is None:  # no path named, so nothing the user gave: a bug
            return _crashed(error)
        # The system refused a path the user gave (a name too long, a loop of links) at a check that did
        # not expect it: one line like any other bad input, not a crash log.
        print_message(f"{error.filename}: {error.strerror or error}")
        return 2
    except Exception as error:
        return _crashed(error)


def _crashed(error: Exception) -> int:
    """A bug: the traceback goes to a log file, the user gets one line."""
    from .crash import report_crash

    print_message(report_crash(error))
    return 1


def _reset_progress() -> int:
    from .progress import Progress

    progress = Progress()
    existed = progress.path.exists()
    removed = progress.reset()
    for message in progress.take_messages():
        print_message(message)
    if removed:
        print(
            f"Progress reset: {shown(progress.path)} removed."
            if existed
            else "Nothing to reset: no progress saved yet."
        )
    return 0 if removed else 1
