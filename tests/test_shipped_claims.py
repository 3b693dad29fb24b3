"""Claims of the shipped models' cards, checked on text their trainer never read (another seed's fresh
stream), from the very start of a text."""

from __future__ import annotations

import numpy as np

from lstm_tui.analysis.units import rank_units
from lstm_tui.training.shipped import best_unit, load_shipped, load_shipped_card
from lstm_tui.training.tasks import get_task

UNSEEN_SEED = 1234  # no recipe trains with it, and fresh text comes from a stream training never draws from


def test_counting_predicts_the_end_of_the_first_line():
    model, task = load_shipped("counting"), get_task("counting")
    newline = model.vocab.chars.index("\n")
    for n in range(1, task.max_count + 1):
        probabilities = model.run("a" * n + ":" + "b" * n).probabilities
        assert probabilities[-1][newline] > 0.75, n
    text = task.fresh_text(200, UNSEEN_SEED).text
    first_line = text[: text.index("\n")]
    assert model.run(first_line).probabilities[-1][newline] > 0.9


def test_counting_cards_count_unit_holds_on_unseen_text():
    unit = best_unit(load_shipped_card("counting"), "count")
    fresh = get_task("counting").fresh_text(5000, UNSEEN_SEED)
    trace = load_shipped("counting").run(fresh.text).forward.trace[unit["state"]]
    correlation = np.corrcoef(trace[:, unit["unit"]], fresh.features["count"])[0, 1]
    assert abs(unit["correlation"]) > 0.9 and abs(correlation) > 0.9
    assert rank_units(trace, fresh.features["count"], 1)[0].unit == unit["unit"]
