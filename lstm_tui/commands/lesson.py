"""`lstm-tui lesson SLUG|NUMBER`: print one lesson, rendered on a terminal, plain text when piped."""

from __future__ import annotations

import sys

HELP = "print one lesson (by number or name); plain text when the output is not a terminal"


def add_arguments(parser) -> None:
    parser.add_argument("lesson", help="lesson number (3) or name (forget-gate)")
    parser.add_argument("--answers", action="store_true", help="show the quiz answers and explanations")


def run(args) -> int:
    from ..curriculum import load_curriculum

    text = load_curriculum().get(args.lesson).markdown(answers=args.answers)
    if sys.stdout.isatty():
        from rich.console import Console  # only for a terminal: piped output stays free of escape codes
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text)
    return 0
