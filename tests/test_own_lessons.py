"""Lessons of your own: the format's new parts (tasks, hidden views and keys), the task checker over a
Session, loading a teacher's folder or file, check-lesson, and the example in docs/lesson-format.md."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.cli import main
from lstm_tui.curriculum import load_curriculum, load_lessons, parse_lesson
from lstm_tui.errors import UserError
from lstm_tui.lesson_check import check_lessons, lesson_problems, task_problems
from lstm_tui.lesson_tasks import check_task, parse_goal
from lstm_tui.panel_setup import HIDEABLE_KEYS, PanelSetup
from lstm_tui.session import Session
from lstm_tui.training.shipped import best_unit, load_shipped_card

DOC = Path(__file__).resolve().parent.parent / "docs" / "lesson-format.md"

LESSON = """---
title: "Gates"
order: 4
cell: "gru"
hidden: 8
seed: 3
hide_views: ["heat", "plot"]
hide_keys: ["cell", "reset"]
---
# Gates

Some text.

```task
goal: "z[2] > 0.5"
goal: "h[0] < 0.9 for 2 steps"
hint: "Try vowels."
hint: "Or not."
solution: "xyz"
text: ""

Open the update gate of unit 2.
```
"""


@pytest.fixture
def env(tmp_path):
    """A private data folder, so the user's real progress is never read or written."""
    return dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), HOME=str(tmp_path))


def write_course(folder: Path, *lessons: tuple[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in lessons:
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def doc_example() -> str:
    return re.search(r"^````markdown\n(.*?)^````$", DOC.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)[1]


# --- goals ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, fields",
    [
        ("c[3] > 2", ("c", 3, None, ">", 2.0, 1)),
        ("f[12]<=−0.25 for 5 steps", ("f", 12, None, "<=", -0.25, 5)),
        ("p(e) >= 0.5", ("p", None, "e", ">=", 0.5, 1)),
        ("p( ) < 0.1 for 1 step", ("p", None, " ", "<", 0.1, 1)),
        ("p()) > 0.3", ("p", None, ")", ">", 0.3, 1)),
    ],
)
def test_goals_parse(text, fields):
    goal = parse_goal(text)
    assert (goal.name, goal.unit, goal.char, goal.op, goal.value, goal.steps) == fields


@pytest.mark.parametrize(
    "text",
    [
        "c[3] = 2",
        "c3 > 2",
        "c[3] > two",
        "p(ab) > 0.5",
        "c[-1] > 0",
        "c[1] > 1 for 0 steps",
        "c[1] > 1 for 5000 steps",
        "C[1] > 0",
    ],
)
def test_bad_goals_are_refused(text):
    with pytest.raises(ValueError):
        parse_goal(text)


# --- the format -----------------------------------------------------------------------------------------
def test_a_lesson_with_a_task_and_hidden_views_parses():
    lesson = parse_lesson(LESSON, "04-gates.md")
    assert lesson.hidden_views == ("heat", "plot") and lesson.hidden_keys == ("cell", "reset")
    (task,) = lesson.tasks
    assert [goal.text for goal in task.goals] == ["z[2] > 0.5", "h[0] < 0.9 for 2 steps"]
    assert task.hints == ("Try vowels.", "Or not.") and task.solution == "xyz"
    assert task.setup == PanelSetup(cell="gru", hidden=8, seed=3) and task.line == 14
    assert task.prompt == "Open the update gate of unit 2."
    printed = lesson.markdown()
    assert "> **Task**" in printed and "Goal: `z[2] > 0.5`" in printed and "Try vowels" not in printed
    assert "*Hint 2:* Or not." in lesson.markdown(answers=True) and 'type "xyz"' in lesson.markdown(answers=True)


@pytest.mark.parametrize(
    "change, message",
    [
        (('goal: "z[2] > 0.5"', 'goal: "z[2] is big"'), r"04-gates.md:15: a goal is NAME\[UNIT\]"),
        (
            ('goal: "z[2] > 0.5"\ngoal: "h[0] < 0.9 for 2 steps"\n', ""),
            r"04-gates.md:14: a task needs at least one goal",
        ),
        (('solution: "xyz"', 'solution: "xyz"\nsolution: "abc"'), r"04-gates.md:20: solution given twice"),
        (('solution: "xyz"', "solution: 3"), r"04-gates.md:14: solution must be a string"),
        (('hint: "Or not."', 'hint: ""'), r"04-gates.md:18: a hint is a non-empty string"),
        (("\nOpen the update gate of unit 2.\n", "\n"), r"04-gates.md:14: a task block needs"),
        (
            ('hide_views: ["heat", "plot"]', 'hide_views: ["radar"]'),
            r"04-gates.md:1: hide_views: 'radar' is not one of",
        ),
        (('hide_keys: ["cell", "reset"]', 'hide_keys: "cell"'), r"04-gates.md:1: hide_keys must be a JSON list"),
        (('text: ""', 'view: "heat"'), r"04-gates.md:14: this opens the heat view, which hide_views hides"),
        (("Some text.", "Some \x1b[2Jtext."), r"04-gates.md:12: the character \\x1b .*is not allowed"),
        (("Some text.", "Some\u202etext."), r"04-gates.md:12: the character \\u202e"),
    ],
)
def test_malformed_tasks_give_file_and_line(change, message):
    with pytest.raises(UserError, match=message):
        parse_lesson(LESSON.replace(*change), "04-gates.md")


def test_tabs_are_allowed():
    assert parse_lesson(LESSON.replace("Some text.", "Some\ttext."), "04-gates.md").title == "Gates"


def test_hideable_keys_name_real_actions():
    """Each name is the action of a binding somewhere in the app (its screens, widgets or the app itself)."""
    import importlib
    import inspect
    import pkgutil

    import lstm_tui.screens
    import lstm_tui.widgets
    from lstm_tui.app import LstmApp

    owners = [LstmApp]
    for package in (lstm_tui.screens, lstm_tui.widgets):
        for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            owners += [
                cls
                for _, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass)
                if cls.__module__ == module.name
            ]
    actions = {
        binding.action.split("(")[0]
        for owner in owners
        for binding in getattr(owner, "BINDINGS", [])
        if hasattr(binding, "action")
    }
    assert set(HIDEABLE_KEYS) <= actions
    assert set(HIDEABLE_KEYS).isdisjoint({"toggle_view", "quit", "help"})  # views hide by name; quit and help never


# --- checking tasks on a session ------------------------------------------------------------------------
def test_a_task_is_checked_on_the_live_session():
    (task,) = parse_lesson(LESSON, "04-gates.md").tasks
    session = Session(task.setup)
    status = check_task(task, session)
    assert not status.done and [goal.value for goal in status.goals] == [None, None]
    session.set_text("xyz")
    status = check_task(task, session)
    z, h = session.trace("z")[-1, 2], session.trace("h")[-2:, 0]
    assert [goal.value for goal in status.goals] == [pytest.approx(z), pytest.approx(h[-1])]
    assert [goal.met for goal in status.goals] == [z > 0.5, bool(np.all(h < 0.9))]
    assert status.done == (z > 0.5 and bool(np.all(h < 0.9)))


def test_for_n_steps_needs_every_one_of_the_last_n():
    task = parse_lesson(LESSON.replace('"h[0] < 0.9 for 2 steps"', '"h[0] < 0.9 for 3 steps"'), "04-gates.md").tasks[0]
    session = Session(task.setup)
    session.set_text("xy")
    assert not check_task(task, session).goals[1].met  # two steps typed, three asked for
    session.set_text("xyz")
    assert check_task(task, session).goals[1].met == bool(np.all(session.trace("h")[-3:, 0] < 0.9))


def test_prediction_goals_read_the_next_character_probabilities():
    lesson = LESSON.replace('goal: "z[2] > 0.5"\ngoal: "h[0] < 0.9 for 2 steps"', 'goal: "p(a) > 0.0105"')
    (task,) = parse_lesson(lesson, "04-gates.md").tasks
    session = Session(task.setup)
    session.set_text("xyz")
    probability = session.probabilities_of("a")[-1]
    assert check_task(task, session).goals[0].value == pytest.approx(probability)
    session_model = session.model
    assert probability == pytest.approx(
        session_model.run("xyz").probabilities[-1][session_model.vocab.index("a")], rel=1e-9
    )


def test_task_problems_are_found_on_the_model():
    def problems(goal, start=""):
        text = LESSON.replace('goal: "z[2] > 0.5"\ngoal: "h[0] < 0.9 for 2 steps"', f'goal: "{goal}"')
        return task_problems(parse_lesson(text.replace('text: ""', f'text: "{start}"'), "04-gates.md").tasks[0])

    assert problems("c[0] > 1") == ["the gru cell has no c; it shows r, z, n, h"]
    assert problems("h[8] > 0.1") == ["unit 8 does not exist: the model has units 0 to 7"]
    assert problems("p(é) > 0.1") == ["'é' is not in the model's vocabulary, so p(é) is always 0"]
    assert problems("h[0] < 5", start="ab") == ["every goal already holds before anything is typed"]
    assert problems("h[0] < 5") == []  # with nothing typed, nothing holds yet
    session = Session(PanelSetup(cell="gru", hidden=8, seed=3))
    session.set_text("xyz")
    value = session.trace("h")[-1, 0]
    assert problems(f"h[0] > {value + 0.5:.3f}") == [
        f"the solution does not meet 'h[0] > {value + 0.5:.3f}' (h[0] is {value:.3f} after it)"
    ]
    assert problems(f"h[0] > {value - 0.01:.3f}") == [] or value - 0.01 <= 0  # met by the solution, not at the start


# --- the example in the docs ----------------------------------------------------------------------------
def test_the_documented_example_loads_and_its_task_is_checked(tmp_path):
    course = write_course(tmp_path / "my-course", ("01-counting-brackets.md", doc_example()))
    curriculum = load_lessons(course)
    (lesson,) = curriculum
    assert (lesson.title, lesson.hidden_views, lesson.hidden_keys) == (
        "Counting brackets",
        ("heat",),
        ("cell", "seed", "hidden"),
    )
    assert lesson_problems(curriculum, lesson) == []
    (task,) = lesson.tasks
    session = Session(task.setup)
    session.set_text(task.setup.text)
    assert not check_task(task, session).done
    session.set_text(task.solution)
    assert check_task(task, session).done
    # What the lesson says about the model: the card names c[28] for depth; each ( pushes it down, a letter back up.
    depth = best_unit(load_shipped_card("brackets"), "depth")
    assert (depth["state"], depth["unit"]) == ("c", 28)
    assert np.all(np.diff(session.trace("c")[:, 28]) < 0)
    c_before = session.trace("c")[-1, 28]
    session.set_text(task.solution + "a")
    assert session.trace("c")[-1, 28] > c_before
    assert lesson.questions[0].choices[0].text == "("


def test_the_documented_commands_work(tmp_path, env, capsys):
    course = write_course(tmp_path / "my-course", ("01-counting-brackets.md", doc_example()))
    assert main(["check-lesson", str(course)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        f"ok  {course / '01-counting-brackets.md'}  01 Counting brackets: 1 try-it, 1 question, "
        "1 task (1 with a solution, checked), hides views heat, hides keys cell, seed, hidden"
    )
    result = subprocess.run(
        [sys.executable, "-m", "lstm_tui", "--lessons-dir", str(course), "lessons"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.split()[:2] == ["1", "counting-brackets"], result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "lstm_tui", "lesson", str(course / "01-counting-brackets.md"), "--answers"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("# Counting brackets\n"), result.stderr
    assert 'type "(((((((((("' in result.stdout


# --- loading and check-lesson ---------------------------------------------------------------------------
def test_check_lesson_reports_every_problem_with_file_and_line(tmp_path, capsys):
    broken = (
        doc_example()
        .replace('solution: "(((((((((("', 'solution: "(((("')
        .replace("depth: its model card", "depth (see [lesson 2](02-nope.md)): its model card")
    )
    course = write_course(tmp_path / "c", ("01-counting-brackets.md", broken))
    assert main(["check-lesson", str(course)]) == 2
    err = capsys.readouterr().err.splitlines()
    path = course / "01-counting-brackets.md"
    assert err[0] == f"lstm-tui: {path}:13: link '02-nope.md' names no lesson"
    assert re.fullmatch(
        rf"lstm-tui: {re.escape(str(path))}:21: task: "
        r"the solution does not meet 'c\[28\] < -2' \(c\[28\] is -0\.\d+ after it\)",
        err[1],
    )
    assert len(err) == 2


def test_format_errors_stop_at_the_first_with_file_and_line(tmp_path, capsys):
    course = write_course(tmp_path / "c", ("01-a.md", doc_example().replace("order: 1", "order: 2")))
    assert main(["check-lesson", str(course)]) == 2
    assert capsys.readouterr().err == f"lstm-tui: {course / '01-a.md'}:1: order 2 does not match the file number 1\n"


def test_a_course_is_loaded_from_a_folder_or_one_file(tmp_path):
    course = write_course(
        tmp_path / "c",
        ("01-counting-brackets.md", doc_example()),
        ("04-gates.md", LESSON),
        ("notes.txt", "not a lesson"),
    )
    assert [lesson.number for lesson in load_lessons(course)] == [1, 4]
    assert [lesson.slug for lesson in load_lessons(course / "04-gates.md")] == ["gates"]
    check_lessons(load_lessons(course))  # both sound
    write_course(course, ("04-other.md", LESSON))
    with pytest.raises(UserError, match="04-gates.md and .*04-other.md share the number 04"):
        load_lessons(course)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "no such file or folder"),
        (lambda p: p.mkdir(), "no lessons"),
        (lambda p: os.mkfifo(p), "not a regular file"),
        (lambda p: p.write_bytes(b"\xff\xfe"), "cannot read it"),
        (lambda p: p.write_text("x" * 300_000), "a lesson is at most"),
    ],
)
def test_files_that_are_not_lessons_are_refused(tmp_path, make, message):
    path = tmp_path / "01-x.md"
    make(path)
    with pytest.raises(UserError, match=message):
        load_lessons(path)


def test_the_built_in_lessons_pass_the_same_checks():
    curriculum = load_curriculum()
    assert [problem for lesson in curriculum for problem in lesson_problems(curriculum, lesson)] == []


def test_a_course_keeps_its_own_progress(tmp_path, env):
    course = write_course(tmp_path / "c", ("01-counting-brackets.md", doc_example()))
    from lstm_tui.progress import course_path

    code = """
import sys
from lstm_tui.progress import Progress, course_path, default_path
builtin = Progress.load(known=["forget-gate"]); builtin.mark_read("forget-gate"); builtin.save()
from lstm_tui.cli import build_parser
from lstm_tui.commands.sources import curriculum_from, progress_for
args = build_parser().parse_args(["--lessons-dir", sys.argv[1], "lessons"])
own = progress_for(args, curriculum_from(args)); own.mark_read("counting-brackets"); own.save()
print(course_path(sys.argv[1]) != default_path(), Progress.load().is_read("forget-gate"),
      own.path == course_path(sys.argv[1]))
"""
    result = subprocess.run(
        [sys.executable, "-c", code, str(course)], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.stdout.split() == ["True", "True", "True"], result.stderr
    assert course_path(course).name.endswith(".json")
