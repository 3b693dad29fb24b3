"""What a lesson file cannot show by its syntax alone, checked on the models it names: every panel setup
loads, every internal link resolves, and every task can be read on its model, is not done before anything
is typed, and is met by its solution. ``lstm-tui check-lesson`` prints these; loading lessons of your own
into the app stops at the first. Plain Python over the session: no terminal code.
"""

from __future__ import annotations

from .curriculum import Curriculum, Lesson
from .errors import UserError
from .lesson_tasks import task_problems


def lesson_problems(curriculum: Curriculum, lesson: Lesson) -> list[str]:
    """``file:line: message`` for each problem of one lesson (empty when it is sound)."""
    from .session import load_model

    problems = []
    for link in lesson.links:
        if not link.is_web:
            try:
                curriculum.resolve_link(lesson, link.target)
            except UserError as error:
                problems.append(f"{lesson.source}:{link.line}: {str(error).removeprefix(lesson.source + ': ')}")
    for line, setup in ((1, lesson.setup), *((item.line, item.setup) for item in lesson.tries)):
        try:
            load_model(setup)
        except UserError as error:
            problems.append(f"{lesson.source}:{line}: {error}")
    for task in lesson.tasks:
        try:
            problems += [f"{lesson.source}:{task.line}: task: {problem}" for problem in task_problems(task)]
        except UserError as error:  # its model cannot be loaded
            problems.append(f"{lesson.source}:{task.line}: task: {error}")
    return problems


def check_lessons(curriculum: Curriculum) -> None:
    """Raise the first problem of any lesson as a UserError."""
    for lesson in curriculum:
        problems = lesson_problems(curriculum, lesson)
        if problems:
            raise UserError(problems[0])


def summary(lesson: Lesson) -> str:
    """One line: what the lesson holds."""
    parts = [_count(len(lesson.tries), "try-it"), _count(len(lesson.questions), "question")]
    tasks = lesson.tasks
    if tasks:
        solved = sum(task.solution is not None for task in tasks)
        parts.append(_count(len(tasks), "task") + (f" ({solved} with a solution, checked)" if solved else ""))
    if lesson.hidden_views:
        parts.append(f"hides views {', '.join(lesson.hidden_views)}")
    if lesson.hidden_keys:
        parts.append(f"hides keys {', '.join(lesson.hidden_keys)}")
    return f"{lesson.number:02d} {lesson.title}: " + ", ".join(parts)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"
