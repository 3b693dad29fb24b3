"""Memory half-life: every cell's decay factor, and the two readings of it."""

import math

import numpy as np
import pytest

from lstm_tui.analysis.memory import half_life, halved_after
from lstm_tui.model import CELLS, build_cell
from lstm_tui.model.numerics import sigmoid

from ..helpers import random_state

D, H = 5, 4


def run(name, rng, steps=12, **options):
    cell = build_cell(name, D, H, seed=2, **options)
    state = random_state(cell, rng)
    result = cell.forward(rng.normal(size=(steps, D)), dict(state))
    return cell, result


@pytest.mark.parametrize("name", list(CELLS))
def test_every_gated_cell_carries_its_memory_by_its_decay(name, rng):
    """One factor per step and unit, between 0 and 1, for every cell but the plain RNN (no gate carries its
    memory: it lives in W_hh)."""
    cell, result = run(name, rng)
    decay = cell.memory_decay(result.trace, result.initial_state)
    if name == "rnn":
        assert decay is None
        return
    assert decay.shape == result.trace["h"].shape
    assert np.all((decay[~np.isnan(decay)] >= 0) & (decay[~np.isnan(decay)] <= 1))


@pytest.mark.parametrize("name", ["lstm", "gru", "gru-colah", "mgu", "mut1", "mingru", "minlstm", "rglru"])
def test_the_decay_is_the_gate_on_the_memorys_own_previous_value(name, rng):
    cell, result = run(name, rng)
    trace, decay = result.trace, cell.memory_decay(result.trace, result.initial_state)
    expected = {
        "lstm": lambda: trace["f"],
        "gru": lambda: trace["z"],
        "gru-colah": lambda: 1 - trace["z"],
        "mgu": lambda: 1 - trace["f"],
        "mut1": lambda: 1 - trace["z"],
        "mingru": lambda: 1 - trace["z"],
        "minlstm": lambda: trace["f_n"],
        "rglru": lambda: trace["a"],
    }[name]()
    np.testing.assert_array_equal(decay, expected)


@pytest.mark.parametrize("name", ["slstm", "mlstm"])
@pytest.mark.parametrize("stabilised", [True, False])
def test_xlstm_decay_is_the_forget_gate_before_stabilising(name, stabilised, rng):
    """σ(f̃) from the pre-activations, whatever the stabiliser does to the f the cell traces."""
    cell, result = run(name, rng, stabilised=stabilised)
    decay = cell.memory_decay(result.trace, result.initial_state)
    if name == "slstm":
        h_before = np.concatenate([result.initial_state["h"][None], result.trace["h"][:-1]])
        pre = cell.input_terms(result.inputs) + h_before @ cell.params["weight_hh"].T
        expected = sigmoid(pre[:, H : 2 * H])
    else:
        expected = np.repeat(np.exp(cell.input_terms(result.inputs)[:, -1:]), H, axis=1)  # log σ(f̃), one head
    np.testing.assert_allclose(decay, expected, rtol=1e-12)
    if stabilised:  # the traced, stabilised f is not the decay
        assert np.max(np.abs(result.trace["f"] - expected)) > 1e-3


def test_slstm_decay_is_undefined_where_nothing_was_stored():
    cell = build_cell("slstm", D, H, seed=2)
    result = cell.forward(np.ones((3, D)))
    decay = cell.memory_decay(result.trace, result.initial_state)
    assert np.all(np.isnan(decay[0])) and not np.any(np.isnan(decay[1:]))


def test_half_life_is_lesson_threes_formula():
    values = half_life(np.array([0.5, 0.9, 0.99, 1.0, 0.0, np.nan]))
    np.testing.assert_allclose(values[:3], [1.0, math.log(0.5) / math.log(0.9), 68.967563], rtol=1e-6)
    assert values[3] == np.inf and values[4] == 0.0 and np.isnan(values[5])


def test_halved_after_counts_back_to_the_first_product_below_a_half():
    decay = np.array([[0.9, 1.0, 0.1], [0.9, 1.0, 0.9], [0.9, 1.0, 0.9], [0.9, 1.0, np.nan]])
    # unit 0: 0.9^k < ½ from k = 7 (not reached in 4 steps); unit 1 never; unit 2: 1·0.9·0.9·0.1 at k = 4
    np.testing.assert_array_equal(halved_after(decay, 3), [0, 0, 4])
    np.testing.assert_array_equal(halved_after(np.full((10, 1), 0.9), 9), [7])
    np.testing.assert_array_equal(halved_after(np.full((10, 1), 0.4), 5), [1])
