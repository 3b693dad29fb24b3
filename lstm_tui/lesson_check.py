"""What a lesson file cannot show by its syntax alone, checked on the models it names: every panel setup
loads, every internal link resolves, every task can be read on its model, is not done before anything
is typed, and is met by its solution, and every try-it's recording replays. ``lstm-tui check-lesson``
prints these; loading lessons of your own into the app stops at the first. Plain Python over the session:
no terminal code.
"""

from __future__ import annotations

from .curriculum import Curriculum, Lesson, recording_path
from .display import shown
from .errors import UserError
from .lesson_tasks import GoalStatus, Task, check_task, goal_problem


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
    for item in lesson.tries:
        if item.recording is not None:
            problem = recording_problem(recording_path(lesson, item))
            if problem:
                problems.append(f"{lesson.source}:{item.line}: {problem}")
    for task in lesson.tasks:
        try:
            problems += [f"{lesson.source}:{task.line}: task: {problem}" for problem in task_problems(task)]
        except UserError as error:  # its model cannot be loaded
            problems.append(f"{lesson.source}:{task.line}: task: {error}")
    return problems


def recording_problem(path) -> str | None:
    """Why a try-it's recording cannot be played in a lesson, or None: it must read and replay whole, on a
    random or shipped model (a lesson carries no weights files)."""
    from .recording import Replay, read_recording

    try:
        recording = read_recording(path)
        if "weights" in recording.model:
            return f"the recording {shown(path)} runs a weights file; a lesson's use random or shipped models"
        Replay(recording).run()
    except UserError as error:
        return f"recording: {error}"
    return None


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


def task_problems(task: Task) -> list[str]:
    """What is wrong with a task, checked on its own model: goals it cannot read, a solution that does not
    meet them, goals already met before anything is typed. Empty when the task is sound."""
    from .session import Session  # NumPy and the model only when a task is checked

    session = Session(task.setup)
    problems = [problem for goal in task.goals if (problem := goal_problem(goal, session))]
    if problems:
        return problems
    session.set_text(task.setup.text)
    if check_task(task, session).done:
        problems.append("every goal already holds before anything is typed")
    if task.solution is not None:
        session.set_text(task.solution)
        unmet = [status for status in check_task(task, session).goals if not status.met]
        problems += [
            f"the solution does not meet {status.goal.text!r} ({_describe(status)} after it)" for status in unmet
        ]
    return problems


def _describe(status: GoalStatus) -> str:
    goal = status.goal
    if status.value is None:
        return f"fewer than {goal.steps} steps"
    name = f"p({goal.char})" if goal.name == "p" else f"{goal.name}[{goal.unit}]"
    return f"{name} is {status.value:.3f}"
