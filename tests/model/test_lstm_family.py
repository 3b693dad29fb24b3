"""The LSTM family: each Greff variant's defining change holds, and sequences equal repeated steps."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_tui.model import CELLS, build_cell
from lstm_tui.model.numerics import sigmoid

from ..helpers import random_state

LSTM_NAMES = sorted(name for name, spec in CELLS.items() if spec.family == "lstm")


def run(name, rng, steps=6, **kwargs):
    cell = build_cell(name, 3, 4, seed=11, **kwargs)
    return cell, cell.forward(rng.normal(size=(steps, 3)), random_state(cell, rng)).trace


def test_pytorch_lstm_by_hand(rng):
    """One step written out with PyTorch's formulas, slice by slice."""
    cell = build_cell("lstm", 3, 4, seed=5)
    x, state = rng.normal(size=3), random_state(cell, rng)
    p = cell.params
    pre = p["weight_ih"] @ x + p["bias_ih"] + p["weight_hh"] @ state["h"] + p["bias_hh"]
    i, f, g, o = sigmoid(pre[0:4]), sigmoid(pre[4:8]), np.tanh(pre[8:12]), sigmoid(pre[12:16])
    c = f * state["c"] + i * g
    new_state, trace = cell.step(x, state)
    np.testing.assert_allclose(new_state["c"], c, rtol=1e-14)
    np.testing.assert_allclose(new_state["h"], o * np.tanh(c), rtol=1e-14)
    np.testing.assert_allclose(trace["i"], i, rtol=1e-14)


def test_forget_bias_initialisation():
    cell = build_cell("lstm", 3, 4, seed=0, forget_bias=2.5)
    effective = cell.params["bias_ih"] + cell.params["bias_hh"]
    np.testing.assert_array_equal(effective[4:8], 2.5)
    assert not np.allclose(effective[0:4], 2.5)


def test_nfg_forget_gate_is_one(rng):
    _, trace = run("lstm-nfg", rng)
    np.testing.assert_array_equal(trace["f"], 1.0)


def test_nig_input_gate_is_one(rng):
    _, trace = run("lstm-nig", rng)
    np.testing.assert_array_equal(trace["i"], 1.0)


def test_nog_output_gate_is_one_and_h_is_tanh_c(rng):
    _, trace = run("lstm-nog", rng)
    np.testing.assert_array_equal(trace["o"], 1.0)
    np.testing.assert_allclose(trace["h"], np.tanh(trace["c"]), rtol=1e-14)


def test_cifg_couples_forget_to_input(rng):
    _, trace = run("lstm-cifg", rng)
    np.testing.assert_allclose(trace["f"], 1.0 - trace["i"], rtol=1e-14)


def test_noaf_h_is_o_times_c(rng):
    _, trace = run("lstm-noaf", rng)
    np.testing.assert_allclose(trace["h"], trace["o"] * trace["c"], rtol=1e-14)


def test_niaf_candidate_is_linear(rng):
    cell = build_cell("lstm-niaf", 3, 4, seed=1)
    x, state = rng.normal(size=3), random_state(cell, rng)
    _, trace = cell.step(x, state)
    rows = cell.rows["g"]
    p = cell.params
    linear = p["weight_ih"][rows] @ x + p["bias_ih"][rows] + p["weight_hh"][rows] @ state["h"] + p["bias_hh"][rows]
    np.testing.assert_allclose(trace["g"], linear, rtol=1e-14)


def test_output_peephole_sees_the_new_cell_state(rng):
    cell = build_cell("lstm-peephole", 3, 4, seed=2)
    x, state = rng.normal(size=3), random_state(cell, rng)
    _, trace = cell.step(x, state)
    rows, p = cell.rows["o"], cell.params
    pre = p["weight_ih"][rows] @ x + p["bias_ih"][rows] + p["weight_hh"][rows] @ state["h"] + p["bias_hh"][rows]
    np.testing.assert_allclose(trace["o"], sigmoid(pre + p["peephole_o"] * trace["c"]), rtol=1e-14)


def test_np_is_the_same_maths_as_lstm(rng):
    inputs = rng.normal(size=(5, 3))
    a = build_cell("lstm", 3, 4, seed=4).forward(inputs)
    b = build_cell("lstm-np", 3, 4, seed=4).forward(inputs)
    np.testing.assert_array_equal(a.trace["h"], b.trace["h"])


def test_fgr_depends_on_previous_gates(rng):
    cell = build_cell("lstm-fgr", 3, 4, seed=3)
    state = random_state(cell, rng)
    x = rng.normal(size=3)
    _, with_gates = cell.step(x, state)
    _, without = cell.step(x, {**state, "gates": np.zeros_like(state["gates"])})
    assert not np.allclose(with_gates["i"], without["i"])
    assert cell.params["weight_gates"].shape == (12, 12)  # Greff's nine H×H matrices, as 3×3 blocks


@pytest.mark.parametrize(
    "name, gate_blocks, peepholes",
    [
        ("lstm", 4, 0),
        ("lstm-peephole", 4, 3),
        ("lstm-nig", 3, 2),
        ("lstm-nfg", 3, 2),
        ("lstm-nog", 3, 2),
        ("lstm-cifg", 3, 2),
        ("lstm-np", 4, 0),
    ],
)
def test_parameter_counts(name, gate_blocks, peepholes):
    D, H = 96, 32
    expected = gate_blocks * (H * D + H * H + 2 * H) + peepholes * H
    assert CELLS[name].parameter_count(D, H) == expected


def test_fgr_parameter_count():
    D, H = 96, 32
    assert CELLS["lstm-fgr"].parameter_count(D, H) == 4 * (H * D + H * H + 2 * H) + 3 * H + 9 * H * H


@pytest.mark.parametrize("name", sorted(CELLS))
def test_forward_equals_repeated_step(name, rng):
    cell = build_cell(name, 3, 5, seed=9)
    inputs = rng.normal(size=(7, 2, 3))
    state = random_state(cell, rng, (2,))
    result = cell.forward(inputs, state)
    for t in range(len(inputs)):
        state, trace = cell.step(inputs[t], state)
        for key, value in trace.items():
            np.testing.assert_allclose(result.trace[key][t], value, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(CELLS))
def test_float32_on_request(name, rng):
    cell = build_cell(name, 3, 4, dtype="float32")
    result = cell.forward(rng.normal(size=(3, 3)))
    assert all(value.dtype == np.float32 for value in cell.params.values())
    assert all(value.dtype == np.float32 for value in result.trace.values())


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(LSTM_NAMES),
    seed=st.integers(0, 2**31 - 1),
    scale=st.floats(0.1, 30.0),
)
def test_gates_bounded_and_seeded(name, seed, scale):
    rng = np.random.default_rng(seed)
    inputs = scale * rng.normal(size=(8, 3))
    cell = build_cell(name, 3, 4, seed=seed)
    trace = cell.forward(inputs).trace
    for gate in ("i", "f", "o"):
        assert np.all((trace[gate] >= 0) & (trace[gate] <= 1))
    if cell.input_activation:
        assert np.all(np.abs(trace["g"]) <= 1)
    assert np.all(np.isfinite(trace["h"]))
    again = build_cell(name, 3, 4, seed=seed).forward(inputs).trace
    np.testing.assert_array_equal(trace["h"], again["h"])
