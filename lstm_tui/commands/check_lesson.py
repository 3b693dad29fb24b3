"""``lstm-tui check-lesson PATH``: check lessons of your own without opening the app (no terminal UI)."""

from __future__ import annotations

HELP = "check a lesson file (or a folder of them): format, links, panel setups and tasks, with file:line messages"


def add_arguments(parser) -> None:
    parser.add_argument("path", metavar="PATH", help="a lesson file NN-slug.md, or a folder of them")


def run(args) -> int:
    from ..curriculum import load_lessons
    from ..display import shown
    from ..errors import print_message
    from ..lesson_check import lesson_problems, summary

    curriculum = load_lessons(args.path)  # format errors stop here, one file:line message
    problems = [problem for lesson in curriculum for problem in lesson_problems(curriculum, lesson)]
    for problem in problems:
        print_message(problem)
    if problems:
        return 2
    for lesson in curriculum:
        print(f"ok  {shown(lesson.source)}  {shown(summary(lesson))}")
    return 0
