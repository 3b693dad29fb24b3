"""The measures of the trained comparison (``training.comparison``), on an oracle that knows the text and on
a shipped model whose card states what it learned."""

from dataclasses import dataclass

import numpy as np
import pytest

from lstm_tui.model.vocab import Vocabulary
from lstm_tui.training.comparison import comparison_table, counted_lines, memory_measures, surprise
from lstm_tui.training.shipped import load_shipped


@dataclass
class Run:
    probabilities: np.ndarray


class Oracle:
    """Puts probability ``sure`` on the character that comes next in ``text`` (the rest spread evenly)."""

    def __init__(self, text: str, sure: float = 1.0):
        self.vocab = Vocabulary("".join(sorted(set(text))))
        self.text, self.sure = text, sure

    def run(self, text: str) -> Run:
        V = len(self.vocab)
        probabilities = np.full((len(text), V), (1 - self.sure) / (V - 1))
        following = self.vocab.indices(text)[1:]
        probabilities[np.arange(len(text) - 1), following] = self.sure
        return Run(probabilities)


def test_surprise_is_minus_log_of_the_next_characters_probability():
    text = "aab:bb\n"
    np.testing.assert_allclose(surprise(Oracle(text, 0.5), text), np.full(len(text) - 1, np.log(2)))


def test_a_model_that_predicts_every_character_gets_every_line_right():
    text = "b\naa:bb\na:b\naaa:bbb\n"
    assert counted_lines(Oracle(text), text) == 1.0
    assert counted_lines(Oracle(text, 0.0), text) == 0.0


def test_the_shipped_counting_model_counts():
    measures = memory_measures(load_shipped("counting"), "counting", seed=1)
    assert measures["lines_right"] > 0.95 and abs(measures["best_correlation"]) > 0.8


RUNS = {
    f"{task}-{cell}": {
        "memory_loss": 0.5,
        "lines_right": 0.25,
        "best_unit": "c[3]",
        "best_correlation": -0.91,
        "parameters": 100 + k,
        "steps_per_cpu_second": 12.4,
    }
    for k, cell in enumerate(("lstm", "mingru"))
    for task in ("brackets", "counting")
}


def test_the_table_has_a_row_per_cell_and_the_measure_of_each_task():
    table = comparison_table(RUNS, ("lstm", "mingru"), ("brackets", "counting")).splitlines()
    assert len(table) == 4
    assert table[2] == "| `lstm` | 0.50 | c[3] 0.91 | 25% | c[3] 0.91 | 100 | 12 |"
    with pytest.raises(KeyError):
        comparison_table(RUNS, ("slstm",), ("brackets",))
