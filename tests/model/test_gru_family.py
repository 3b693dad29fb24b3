"""The GRU family (PyTorch GRU, Cho v3, colah, Dey & Salem GRU1-3), MGU and Jozefowicz's MUT1-3.

Hand-checkable special cases pin each convention down; the finite-difference gradient check for these
cells lives with every other registry cell in test_gradients.py.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_tui.model import CELLS, build_cell
from lstm_tui.model.equations import equations_text
from lstm_tui.model.gru import GRUCell
from lstm_tui.model.mut import MUTCell

from ..helpers import random_state

NEW_CELLS = sorted(name for name, spec in CELLS.items() if spec.family in ("gru", "mgu", "mut"))
SATURATE = 1000.0  # σ(±1000) is exactly 1 or 0 in float64: 0.5 · (1 + tanh(±500))


def one_step(cell, x, h_prev):
    return cell.step(np.asarray(x, dtype=float), {"h": np.asarray(h_prev, dtype=float)})


def test_registry_holds_the_whole_family():
    assert NEW_CELLS == ["gru", "gru-cho", "gru-colah", "gru1", "gru2", "gru3", "mgu", "mut1", "mut2", "mut3"]


# --- hand-computed single steps -----------------------------------------------------------------
def test_gru_one_step_by_hand():
    """H = 1, D = 2, x = (1, 2), h₋₁ = 0.5, PyTorch convention (reset after, z keeps the old state).

    r = σ(ln 3·1 + 0·2 + 0 + 0·0.5 + 0)              = σ(ln 3) = 3/4
    z = σ(1·1 − 0.5·2 − 1 + 2·0.5 − ln 3)            = σ(−ln 3) = 1/4
    n = tanh(0.5·1 + (ln 2 − 2) + r·(2·0.5 + 1))     = tanh(ln 2 − 1.5 + 1.5) = 3/5
    h = z·h₋₁ + (1 − z)·n = 0.125 + 0.45             = 0.575   (z-new would give 0.55)
    """
    ln2, ln3 = math.log(2), math.log(3)
    cell = build_cell(
        "gru",
        2,
        1,
        params={
            "weight_ih": [[ln3, 0.0], [1.0, -0.5], [0.5, 0.0]],
            "weight_hh": [[0.0], [2.0], [2.0]],
            "bias_ih": [0.0, -1.0, ln2 - 2.0],
            "bias_hh": [0.0, -ln3, 1.0],
        },
    )
    state, trace = one_step(cell, [1.0, 2.0], [0.5])
    np.testing.assert_allclose(trace["r"], [0.75], rtol=1e-14)
    np.testing.assert_allclose(trace["z"], [0.25], rtol=1e-14)
    np.testing.assert_allclose(trace["n"], [0.6], rtol=1e-14)
    np.testing.assert_allclose(state["h"], [0.575], rtol=1e-14)


def test_mgu_one_step_by_hand():
    """H = 1, D = 1, x = 1, h₋₁ = 0.5.

    f = σ(ln 3 + 0·0.5 + 0)                           = 3/4
    n = tanh(0.5 + 2·(f·0.5) + (ln 3 − 1.25))          = tanh(ln 3) = 4/5
    h = (1 − f)·h₋₁ + f·n = 0.125 + 0.6               = 0.725
    """
    ln3 = math.log(3)
    cell = build_cell(
        "mgu",
        1,
        1,
        params={
            "weight_ih": [[ln3], [0.5]],
            "weight_hh": [[0.0], [2.0]],
            "bias": [0.0, ln3 - 1.25],
        },
    )
    state, trace = one_step(cell, [1.0], [0.5])
    np.testing.assert_allclose(trace["f"], [0.75], rtol=1e-14)
    np.testing.assert_allclose(trace["n"], [0.8], rtol=1e-14)
    np.testing.assert_allclose(state["h"], [0.725], rtol=1e-14)


# --- where the reset gate acts --------------------------------------------------------------------
def reset_case(name, reset_bias):
    """H = 1, D = 1, all input weights 0; r = σ(reset_bias), z = σ(0) = ½, W_hn = 2, b_hn = 1."""
    return build_cell(
        name,
        1,
        1,
        params={
            "weight_ih": [[0.0], [0.0], [0.0]],
            "weight_hh": [[0.0], [0.0], [2.0]],
            "bias_ih": [reset_bias, 0.0, 0.0],
            "bias_hh": [0.0, 0.0, 1.0],
        },
    )


def test_reset_position_by_hand():
    """With r = ½ and h₋₁ = 1: after the matmul ½·(2·1 + 1) = 1.5; before it 2·(½·1) + 1 = 2."""
    _, after = one_step(reset_case("gru", 0.0), [0.0], [1.0])
    _, before = one_step(reset_case("gru-cho", 0.0), [0.0], [1.0])
    np.testing.assert_allclose(after["n"], [math.tanh(1.5)], rtol=1e-14)
    np.testing.assert_allclose(before["n"], [math.tanh(2.0)], rtol=1e-14)


def test_reset_positions_agree_when_r_is_one(rng):
    """r = 1 removes the only difference between the two positions; any other r separates them."""
    params = build_cell("gru", 3, 4, seed=5).params
    x, h_prev = rng.normal(size=(6, 3)), rng.normal(size=(6, 4))
    open_params = {**params, "bias_ih": params["bias_ih"].copy()}
    open_params["bias_ih"][:4] = SATURATE
    results = {}
    for label, p in (("open", open_params), ("learned", params)):
        for name in ("gru", "gru-cho"):
            results[label, name] = one_step(build_cell(name, 3, 4, params=p), x, h_prev)[0]["h"]
    np.testing.assert_allclose(results["open", "gru"], results["open", "gru-cho"], rtol=1e-12, atol=1e-15)
    assert np.all(np.abs(results["learned", "gru"] - results["learned", "gru-cho"]) > 1e-6)


def test_reset_after_keeps_b_hn_inside_the_reset_product(rng):
    """With r = 0, b_hn has no effect after the matmul but still adds to n before it (Keras' layout)."""
    x, h_prev = rng.normal(size=3), rng.normal(size=2)
    for name, b_hn_matters in (("gru", False), ("gru-cho", True)):
        params = build_cell(name, 3, 2, seed=1).params
        params["bias_ih"][:2] = -SATURATE
        changed = {**params, "bias_hh": params["bias_hh"].copy()}
        changed["bias_hh"][4:] += 0.5
        n_before = one_step(build_cell(name, 3, 2, params=params), x, h_prev)[1]["n"]
        n_after = one_step(build_cell(name, 3, 2, params=changed), x, h_prev)[1]["n"]
        assert (not np.array_equal(n_before, n_after)) == b_hn_matters, name


# --- which side z weights --------------------------------------------------------------------------
def flip_update_gate(params, hidden):
    """Negate every z row: σ(−a) = 1 − σ(a), so z becomes 1 − z."""
    flipped = {name: value.copy() for name, value in params.items()}
    for value in flipped.values():
        value[hidden : 2 * hidden] *= -1.0
    return flipped


@pytest.mark.parametrize("reset", ["after", "before"])
def test_z_old_with_flipped_gate_equals_z_new(reset, rng):
    D, H = 3, 4
    old = GRUCell(D, H, reset=reset, update="old", seed=2)
    new = GRUCell(D, H, reset=reset, update="new", params=flip_update_gate(old.params, H))
    inputs, state = rng.normal(size=(7, 2, D)), random_state(old, rng, (2,))
    a, b = old.forward(inputs, dict(state)), new.forward(inputs, dict(state))
    np.testing.assert_allclose(a.trace["h"], b.trace["h"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a.trace["z"], 1.0 - b.trace["z"], rtol=1e-12, atol=1e-14)
    # Without the flip the two conventions are different cells.
    same_weights = GRUCell(D, H, reset=reset, update="new", params=old.params)
    assert np.max(np.abs(same_weights.forward(inputs, dict(state)).trace["h"] - a.trace["h"])) > 1e-3


def test_equations_say_which_side_z_weights():
    for name in NEW_CELLS:
        spec = CELLS[name]
        update = spec.options.get("update", "new")  # MGU's f and the MUTs' z take the new candidate
        text = equations_text(spec.equations)
        assert ("keeps the old state" in text) == (update == "old"), name
        assert ("takes the new candidate" in text) == (update == "new"), name


# --- Dey & Salem gate variants ---------------------------------------------------------------------
def test_gru3_gates_are_constant_and_equal_to_sigmoid_of_bias(rng):
    cell = build_cell("gru3", 3, 4, seed=3)
    result = cell.forward(rng.normal(size=(6, 2, 3)), random_state(cell, rng, (2,)))
    bias = cell.params["bias"]
    np.testing.assert_allclose(result.trace["r"], np.broadcast_to(1 / (1 + np.exp(-bias[:4])), (6, 2, 4)), rtol=1e-14)
    np.testing.assert_allclose(result.trace["z"], np.broadcast_to(1 / (1 + np.exp(-bias[4:8])), (6, 2, 4)), rtol=1e-14)


def test_gru2_gates_are_one_half_at_zero_state(rng):
    cell = build_cell("gru2", 3, 4, seed=3)
    _, trace = cell.step(rng.normal(size=(5, 3)) * 10)
    assert np.all(trace["r"] == 0.5) and np.all(trace["z"] == 0.5)


def test_gru1_gates_ignore_the_input(rng):
    cell = build_cell("gru1", 3, 4, seed=3)
    h_prev = rng.normal(size=4)
    _, first = one_step(cell, rng.normal(size=3), h_prev)
    _, second = one_step(cell, rng.normal(size=3), h_prev)
    for gate in ("r", "z"):
        np.testing.assert_array_equal(first[gate], second[gate])
    assert not np.array_equal(first["n"], second["n"])


def test_gate_variants_need_the_reset_before_unit():
    with pytest.raises(ValueError, match="reset-before"):
        GRUCell(3, 4, reset="after", gate_inputs="hidden")
    with pytest.raises(ValueError, match="update"):
        GRUCell(3, 4, update="sideways")


# --- MGU and the MUTs --------------------------------------------------------------------------------
def test_mgu_with_closed_forget_gate_keeps_the_state(rng):
    cell = build_cell("mgu", 3, 4, seed=4)
    cell.params["bias"][:4] = -SATURATE
    state = random_state(cell, rng, (2,))
    result = cell.forward(rng.normal(size=(5, 2, 3)), dict(state))
    assert np.all(result.trace["f"] == 0.0)
    np.testing.assert_array_equal(result.state["h"], state["h"])


def test_mut1_update_gate_ignores_the_state(rng):
    cell = build_cell("mut1", 3, 4, seed=4)
    x = rng.normal(size=3)
    _, first = one_step(cell, x, rng.normal(size=4))
    _, second = one_step(cell, x, rng.normal(size=4))
    np.testing.assert_array_equal(first["z"], second["z"])
    assert not np.array_equal(first["r"], second["r"])


@pytest.mark.parametrize("variant", [1, 2])
def test_identity_projection_gives_the_papers_bare_x(variant, rng):
    """With D = H and P = I, x̃ = x: MUT1's candidate sees tanh(x) and MUT2's reset gate sees x."""
    H = 4
    cell = MUTCell(H, H, variant=variant, seed=6)
    cell.params["weight_proj"] = np.eye(H)
    x, h_prev = rng.normal(size=H), rng.normal(size=H)
    _, trace = one_step(cell, x, h_prev)
    p, sigmoid = cell.params, (lambda a: 1 / (1 + np.exp(-a)))
    if variant == 1:
        W_hr, W_hn = p["weight_hh"][:H], p["weight_hh"][H:]
        r = sigmoid(p["weight_ih"][:H] @ x + W_hr @ h_prev + p["bias"][:H])
        expected_n = np.tanh(W_hn @ (r * h_prev) + np.tanh(x) + p["bias"][2 * H :])
        np.testing.assert_allclose(trace["n"], expected_n, rtol=1e-13)
    else:
        expected_r = sigmoid(x + p["weight_hh"][:H] @ h_prev + p["bias"][:H])
        np.testing.assert_allclose(trace["r"], expected_r, rtol=1e-13)


def test_mut3_update_gate_sees_tanh_of_the_state(rng):
    H = 3
    cell = build_cell("mut3", 2, H, seed=8)
    x, h_prev = rng.normal(size=2), 3 * rng.normal(size=H)
    _, trace = one_step(cell, x, h_prev)
    p = cell.params
    pre_z = p["weight_ih"][H : 2 * H] @ x + p["weight_hh"][H : 2 * H] @ np.tanh(h_prev) + p["bias"][H : 2 * H]
    np.testing.assert_allclose(trace["z"], 1 / (1 + np.exp(-pre_z)), rtol=1e-13)


def test_only_mut1_and_mut2_carry_a_projection():
    assert {name for name in ("mut1", "mut2", "mut3") if "weight_proj" in build_cell(name, 5, 2).params} == {
        "mut1",
        "mut2",
    }


# --- shared behaviour --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NEW_CELLS)
def test_forward_equals_repeated_steps(name, rng):
    cell = build_cell(name, 3, 4, seed=9)
    inputs, state = rng.normal(size=(6, 2, 3)), random_state(cell, rng, (2,))
    result = cell.forward(inputs, dict(state))
    for t, x in enumerate(inputs):
        state, trace = cell.step(x, state)
        for key, value in trace.items():
            np.testing.assert_allclose(result.trace[key][t], value, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(result.state["h"], state["h"], rtol=1e-13)


@pytest.mark.parametrize("name", NEW_CELLS)
def test_trace_names(name):
    _, trace = build_cell(name, 3, 2).step(np.ones(3))
    expected = {"f", "n", "h"} if name == "mgu" else {"r", "z", "n", "h"}
    assert set(trace) == expected


# Parameter counts from each paper's own bookkeeping (one bias per pre-activation unless stated).
PAPER_COUNTS = {
    "gru": lambda D, H: 3 * (H * D + H * H + 2 * H),  # PyTorch keeps two biases, b_i· and b_h·
    "gru-cho": lambda D, H: 3 * (H * D + H * H + 2 * H),  # the same four arrays
    "gru-colah": lambda D, H: 3 * (H * D + H * H + 2 * H),
    "gru1": lambda D, H: 3 * (H * D + H * H + H) - 2 * H * D,  # Dey & Salem: GRU less 2nm
    "gru2": lambda D, H: 3 * (H * D + H * H + H) - 2 * (H * D + H),  # less 2(nm + n)
    "gru3": lambda D, H: 3 * (H * D + H * H + H) - 2 * (H * D + H * H),  # less 2(nm + n²)
    "mgu": lambda D, H: 2 * (H * D + H * H + H),  # Zhou et al.: two GRU-sized blocks
    "mut1": lambda D, H: 2 * H * D + H * D + 2 * H * H + 3 * H,  # W_xr W_xz, P; W_hr W_hh; 3 biases
    "mut2": lambda D, H: 2 * H * D + H * D + 3 * H * H + 3 * H,  # W_xz W_xh, P; W_hr W_hz W_hh
    "mut3": lambda D, H: 3 * H * D + 3 * H * H + 3 * H,  # W_xr W_xz W_xh; W_hr W_hz W_hh
}


@pytest.mark.parametrize("name", NEW_CELLS)
@pytest.mark.parametrize("sizes", [(96, 32), (5, 3), (1, 7)])
def test_parameter_counts_match_the_papers(name, sizes):
    assert CELLS[name].parameter_count(*sizes) == PAPER_COUNTS[name](*sizes)


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(NEW_CELLS), seed=st.integers(0, 2**32 - 1), scale=st.floats(0.01, 1e3))
def test_gates_and_candidate_stay_in_range(name, seed, scale):
    cell = build_cell(name, 3, 4, seed=seed)
    inputs = np.random.default_rng(seed).normal(size=(5, 3)) * scale
    trace = cell.forward(inputs).trace
    for gate in cell.gate_names:
        low = -1.0 if gate == "n" else 0.0
        assert np.all((trace[gate] >= low) & (trace[gate] <= 1.0)), gate
    assert np.all(np.isfinite(trace["h"]))


@settings(max_examples=15, deadline=None)
@given(name=st.sampled_from(NEW_CELLS), seed=st.integers(0, 2**32 - 1))
def test_same_seed_gives_same_numbers(name, seed):
    inputs = np.random.default_rng(seed).normal(size=(4, 3))
    first, second = (build_cell(name, 3, 4, seed=seed).forward(inputs) for _ in range(2))
    np.testing.assert_array_equal(first.trace["h"], second.trace["h"])
    other = build_cell(name, 3, 4, seed=seed + 1).forward(inputs)
    assert not np.array_equal(first.trace["h"], other.trace["h"])
