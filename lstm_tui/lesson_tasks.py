"""Tasks a lesson poses on the live model ("make unit 3's c exceed 2 by typing"), and their checker.

A task's goals are conditions on the last step of the typed text, written as one line each:

    c[3] > 2                  a traced quantity of one unit (any gate or state the panel shows)
    f[0] < 0.1 for 5 steps    … holding at each of the last 5 steps
    p(e) >= 0.5               the model's probability that the next character is "e" (one character)

with ``>``, ``>=``, ``<`` or ``<=`` and a plain number (the minus may be − or -). A task is done when every
goal holds. ``parse_goal`` reads one goal without NumPy (the lesson loader calls it); ``check_task`` reads a
``Session`` it is given (plain Python, no terminal), so the app and the tests check tasks the same way.
Nothing here imports the session: this module sits with the lesson loader, below it.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from .panel_setup import PanelSetup

COMPARISONS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
MAX_GOAL_STEPS = 1000  # "for N steps" looks back at most this far (a window holds at least this many)
_GOAL = re.compile(
    r"^(?:(?P<name>[a-z]\w*)\[(?P<unit>\d+)\]|p\((?P<char>.)\))"
    r"\s*(?P<op>>=|<=|>|<)\s*(?P<value>[-−]?\d+(?:\.\d+)?)"
    r"(?:\s+for\s+(?P<steps>\d+)\s+steps?)?$"
)
GOAL_SYNTAX = "NAME[UNIT] > NUMBER (or >=, <, <=), p(CHAR) > NUMBER, optionally followed by `for N steps`"


@dataclass(frozen=True)
class Goal:
    text: str  # as the lesson writes it
    name: str  # a traced quantity (c, h, f, …), or "p" for a prediction
    unit: int | None  # for a quantity
    char: str | None  # for a prediction
    op: str
    value: float
    steps: int = 1

    def holds(self, value: float) -> bool:
        return COMPARISONS[self.op](value, self.value)


def parse_goal(text: str) -> Goal:
    """One goal line; ValueError (its message says what is wrong) when it does not follow the syntax."""
    match = _GOAL.match(text.strip())
    if not match:
        raise ValueError(f"a goal is {GOAL_SYNTAX}; got {text!r}")
    steps = int(match["steps"] or 1)
    if not 1 <= steps <= MAX_GOAL_STEPS:
        raise ValueError(f"a goal looks back 1 to {MAX_GOAL_STEPS} steps, not {steps}")
    value = float(match["value"].replace("−", "-"))
    if match["char"] is not None:
        return Goal(text.strip(), "p", None, match["char"], match["op"], value, steps)
    return Goal(text.strip(), match["name"], int(match["unit"]), None, match["op"], value, steps)


@dataclass(frozen=True)
class Task:
    setup: PanelSetup  # the panel the task starts from (its text is what is typed at the start)
    goals: tuple[Goal, ...]
    hints: tuple[str, ...]  # Markdown, shown one at a time
    solution: str | None  # a text that meets every goal; check-lesson proves it does
    prompt: str  # Markdown: what to do
    line: int


# --- checking a task on a session ----------------------------------------------------------------------
@dataclass(frozen=True)
class GoalStatus:
    goal: Goal
    value: float | None  # at the last step; None before enough steps are typed
    met: bool


@dataclass(frozen=True)
class TaskStatus:
    goals: tuple[GoalStatus, ...]

    @property
    def done(self) -> bool:
        return all(status.met for status in self.goals)


def goal_values(goal: Goal, session):
    """The goal's quantity at the last ``goal.steps`` steps of the session's window, oldest first (fewer
    when fewer are typed)."""
    length = session.length
    first = max(0, length - goal.steps)
    if goal.name == "p":
        return session.probabilities_of(goal.char)[first:length]
    return session.trace(goal.name)[first:length, goal.unit]


def check_task(task: Task, session) -> TaskStatus:
    """Which goals hold on ``session`` now (the model must be the task's: ``problems`` checks that)."""
    statuses = []
    for goal in task.goals:
        values = goal_values(goal, session)
        value = float(values[-1]) if len(values) else None
        met = len(values) == goal.steps and all(goal.holds(float(v)) for v in values)
        statuses.append(GoalStatus(goal, value, met))
    return TaskStatus(tuple(statuses))


def goal_problem(goal: Goal, session) -> str | None:
    """Why ``goal`` cannot be checked on this session's model, or None."""
    model = session.model
    if goal.name == "p":
        if not session.has_predictions:
            return f"p({goal.char}) needs a model with an output layer; {model.name} here has none"
        if goal.char not in model.vocab:
            return f"{goal.char!r} is not in the model's vocabulary, so p({goal.char}) is always 0"
        return None
    if goal.name not in session.trace_names:
        return f"the {model.name} cell has no {goal.name}; it shows {', '.join(session.trace_names)}"
    if goal.unit >= session.hidden_size:
        return f"unit {goal.unit} does not exist: the model has units 0 to {session.hidden_size - 1}"
    return None
