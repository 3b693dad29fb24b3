"""A lesson's tasks under its live panel, checked after every redraw (``ExplorerPanel.on_drawn``).

The line shows the current task (the first not yet done): what to do, each goal with its value now and
✓ when it holds, and "done" once every goal holds, when the next task becomes current. While a task is not
done, a hint appears every ``HINT_EVERY`` keys that changed the text, one at a time. A task is checked on
its own model: when it becomes current and the panel shows another, the panel is set up for it.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..curriculum import describe_setup
from ..display import format_signed, shown
from ..lesson_tasks import Task, check_task, goal_problem

HINT_EVERY = 12  # keys that changed the text without finishing the task, per hint shown


def model_of(setup) -> tuple:
    """What a task's goals are checked on: the model a setup describes, not its text or view."""
    return (setup.cell, setup.model, setup.hidden, setup.seed, setup.weights)


class TaskLine(Static):
    """The current task of a lesson and how far the live panel is from it."""

    def __init__(self, *, id: str | None = None):
        super().__init__("", id=id)
        self.tasks: tuple[Task, ...] = ()
        self.done: set[int] = set()
        self.current = 0
        self.keys = 0  # keys that changed the text since the current task began
        self.text_seen: str | None = None
        self.finished: int | None = None  # the task done last, named above the next one
        self.display = False

    def show_tasks(self, tasks: tuple[Task, ...], panel) -> None:
        """Start on a lesson's tasks (none: the line is hidden)."""
        self.tasks, self.done, self.current, self.finished = tuple(tasks), set(), 0, None
        self.display = bool(self.tasks)
        if self.tasks:
            self._begin(panel)

    def _begin(self, panel) -> None:
        self.keys, self.text_seen = 0, None
        task = self.tasks[self.current]
        if panel.session is not None and model_of(panel.session.setup) != model_of(task.setup):
            panel.configure(task.setup)
        self.check(panel)

    def check(self, panel) -> None:
        """Check the current task on the panel's session and redraw the line."""
        if not self.tasks or panel.session is None:
            return
        session, number = panel.session, self.current
        if number in self.done:
            self.update(self._render_all_done())
            return
        task = self.tasks[number]
        if session.text != self.text_seen:
            self.keys += self.text_seen is not None
            self.text_seen = session.text
        lines = [Text(f"✓ task {self.finished + 1} done", style="bold")] if self.finished is not None else []
        lines.append(Text(f"Task {number + 1}/{len(self.tasks)}: ", style="bold") + Text(_first_line(task.prompt)))
        if model_of(session.setup) != model_of(task.setup):
            lines.append(Text(f"checked on {describe_setup(task.setup)}; the panel shows another model"))
            self.update(Text("\n").join(lines))
            return
        problems = [goal_problem(goal, session) for goal in task.goals]
        if any(problems):
            lines.append(Text(next(problem for problem in problems if problem)))
            self.update(Text("\n").join(lines))
            return
        status = check_task(task, session)
        goals = Text("  ").join(_goal_text(goal_status) for goal_status in status.goals)
        lines.append(goals)
        if status.done:
            self.done.add(number)
            lines.append(Text("✓ done", style="bold"))
            later = [k for k in range(len(self.tasks)) if k not in self.done]
            if later:
                self.current, self.finished = later[0], number
                lines[-1] += Text(f" · next: task {self.current + 1}")
                self.call_later(self._begin, panel)  # after this redraw: it may set the panel up anew
        else:
            hints = min(len(task.hints), self.keys // HINT_EVERY)
            lines += [Text(f"hint {k + 1}: {shown(task.hints[k])}") for k in range(hints)][-1:]
        self.update(Text("\n").join(lines))

    def _render_all_done(self) -> Text:
        return Text(f"✓ every task of this lesson done ({len(self.tasks)})", style="bold")


def _first_line(markdown: str) -> str:
    return shown(markdown.strip().splitlines()[0] if markdown.strip() else "")


def _goal_text(status) -> Text:
    value = "…" if status.value is None else format_signed(status.value)
    return Text(f"{status.goal.text}: {value} {'✓' if status.met else '✗'}")
