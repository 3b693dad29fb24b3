"""`lstm-tui lesson SLUG|NUMBER`: print one lesson, rendered on a terminal, plain text when piped."""

from __future__ import annotations

import sys
from pathlib import Path

HELP = "print one lesson (by number or name); plain text when the output is not a terminal"


def add_arguments(parser) -> None:
    parser.add_argument(
        "lesson", help="lesson number (3), name (forget-gate) or a lesson file of your own (my/05-gates.md)"
    )
    parser.add_argument("--answers", action="store_true", help="show the quiz answers, task hints and solutions")


def run(args) -> int:
    from .sources import curriculum_from

    text = find_lesson(args, curriculum_from).markdown(answers=args.answers)
    if sys.stdout.isatty():
        from rich.console import Console  # only for a terminal: piped output stays free of escape codes
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text)
    return 0


def find_lesson(args, curriculum_from):
    """A file of one's own when the argument names one, else a lesson of the course by number or name."""
    if _is_file(args.lesson):
        from ..curriculum import load_lessons
        from ..lesson_check import check_lessons

        curriculum = load_lessons(args.lesson)
        check_lessons(curriculum)
        return curriculum.lessons[0]
    return curriculum_from(args).get(args.lesson)


def _is_file(name: str) -> bool:
    try:
        return Path(name).is_file()
    except OSError:  # e.g. a name too long for a path: then it names a lesson, not a file
        return False
