"""`lstm-tui lessons`: the curriculum, one line per lesson, with a mark for the ones read."""

from __future__ import annotations

HELP = "list the lessons (number, name, title, read or not)"


def add_arguments(parser) -> None:
    del parser  # no options


def run(args) -> int:
    from ..errors import print_message
    from .sources import curriculum_from, progress_for

    curriculum = curriculum_from(args)
    progress = progress_for(args, curriculum)
    for message in progress.take_messages():
        print_message(message)
    width = max(len(lesson.slug) for lesson in curriculum)
    for lesson in curriculum:
        mark = "read" if progress.is_read(lesson.slug) else ""
        print(f"{lesson.number:>2}  {lesson.slug:<{width}}  {lesson.title:<44} {mark}".rstrip())
    return 0
