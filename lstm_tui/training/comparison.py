"""How well a trained model does the one thing its task needs memory for, measured on the task's fresh text.

Most characters of the generated tasks are random letters or words that no memory helps to predict, so a
model's overall loss hardly tells a cell that counts from one that does not. Each task has a few
characters whose probability depends on what the model carried:

* ``brackets``: ")" (it can only close an open bracket, and closes likelier the deeper it is);
* ``quotes``: '"' (an opening quote follows a space, a closing one a letter: which may come depends on
  whether one is open);
* ``counting``: everything after ":" on a line (n b's, then the newline): certain, but only to a model
  that counted the a's.

``memory_measures`` gives the loss on those characters (brackets, quotes) or the share of lines predicted
right after ":" (counting), and the best single unit's correlation with the task's feature (the unit
finder's measure) over every traced per-unit state (c, h, and n and m where a cell has them).
"""

from __future__ import annotations

import numpy as np

from ..analysis.units import rank_units
from .tasks import get_task

FRESH_CHARS = 5000  # as the model cards measure
MEMORY_CHARACTERS = {"brackets": ")", "quotes": '"'}
FEATURES = {"brackets": "depth", "quotes": "quotes", "counting": "count"}


def surprise(model, text: str) -> np.ndarray:
    """−ln p(next character) after each character but the last."""
    probabilities = model.run(text).probabilities
    following = model.vocab.indices(text)[1:]
    return -np.log(probabilities[np.arange(len(text) - 1), following])


def counted_lines(model, text: str) -> float:
    """Share of the complete lines aⁿ:bⁿ whose every character after ":" (the b's and the newline) is the
    model's top prediction."""
    top = model.run(text).probabilities.argmax(axis=1)
    predicted = "".join(model.vocab.chars[k] for k in top)  # predicted[t]: the guess for text[t + 1]
    right = total = 0
    line_start = text.find("\n") + 1  # the first line may be cut at its start
    while True:
        end = text.find("\n", line_start)
        if end < 0:
            break
        colon = text.index(":", line_start)
        total += 1
        right += predicted[colon:end] == text[colon + 1 : end + 1]
        line_start = end + 1
    return right / total


def memory_measures(model, task_name: str, seed: int) -> dict:
    """The task's memory measure and its best unit on ``FRESH_CHARS`` characters of fresh text."""
    fresh = get_task(task_name).fresh_text(FRESH_CHARS, seed)
    text = fresh.text
    measures = {"fresh_loss": float(surprise(model, text).mean())}
    if task_name in MEMORY_CHARACTERS:
        char = MEMORY_CHARACTERS[task_name]
        following = np.array(list(text[1:]))
        measures["memory_loss"] = float(surprise(model, text)[following == char].mean())
    else:
        measures["lines_right"] = counted_lines(model, text)
    trace = model.run(text).forward.trace
    feature = fresh.features[FEATURES[task_name]]
    best = None
    for name, values in trace.items():
        if values.shape[-1] != model.cell.hidden_size or name not in model.cell.state_names:
            continue
        score = rank_units(values, feature, top=1)[0]
        if best is None or abs(score.correlation) > abs(best[2]):
            best = (name, score.unit, score.correlation)
    measures["best_unit"] = f"{best[0]}[{best[1]}]"
    measures["best_correlation"] = round(float(best[2]), 4)
    return measures


# --- the table the lessons and the README show -----------------------------------------------------------
TABLE_MEASURES = {
    "brackets": ("memory_loss", '")" loss'),
    "quotes": ("memory_loss", "'\"' loss"),
    "counting": ("lines_right", "lines right"),
}


def comparison_table(runs: dict, cells: tuple[str, ...], tasks: tuple[str, ...]) -> str:
    """A Markdown table of ``runs`` (as ``tools/compare_cells.py`` records them, keyed TASK-CELL): one row per
    cell, per task its memory measure and its best unit (the unit finder's |correlation| with the task's
    feature), then the parameters and training steps per CPU second on the first task."""
    header = ["cell"]
    for task in tasks:
        header += [f"{task}: {TABLE_MEASURES[task][1]}", "best unit"]
    header += ["parameters", "steps / CPU s"]
    rows = [header, ["---"] + ["--:"] * (len(header) - 1)]
    for cell in cells:
        row = [f"`{cell}`"]
        for task in tasks:
            run = runs[f"{task}-{cell}"]
            key = TABLE_MEASURES[task][0]
            value = f"{run[key]:.0%}" if key == "lines_right" else f"{run[key]:.2f}"
            row += [value, f"{run['best_unit']} {abs(run['best_correlation']):.2f}"]
        first = runs[f"{tasks[0]}-{cell}"]
        row += [str(first["parameters"]), f"{first['steps_per_cpu_second']:.0f}"]
        rows.append(row)
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)
