"""The modern cells (sLSTM, mLSTM, minGRU, minLSTM, RG-LRU): their options, parallel forms, stabiliser and
sizes. Every registry cell's BPTT is checked against finite differences in tests/analysis/test_gradient_flow.py
and its parity with the reference packages in test_reference_parity.py; this module checks what those leave
out."""

import numpy as np
import pytest

from lstm_tui.model import CELLS, build_cell
from lstm_tui.model.minimal import g

from ..helpers import BATCH, INPUT, T, loss_pieces, numeric_gradient, random_state, relative_error

MODERN = ("slstm", "mlstm", "mingru", "minlstm", "rglru")
PARALLEL = ("mlstm", "mingru", "minlstm")


def assert_exact_bptt(cell, state0, rng, check_state=True):
    inputs = rng.normal(size=(T, BATCH, INPUT))
    loss, weights_h, weights_final = loss_pieces(cell, rng)
    _, result = loss(inputs, state0)
    grads, d_inputs, d_state0 = cell.backward(result, dh=weights_h, d_state=weights_final)
    value = lambda: loss(inputs, state0)[0]  # noqa: E731
    for name, param in cell.params.items():
        assert relative_error(grads[name], numeric_gradient(value, param)) <= 1e-6, name
    assert relative_error(d_inputs, numeric_gradient(value, inputs)) <= 1e-6
    if check_state:
        for name, array in state0.items():
            assert relative_error(d_state0[name], numeric_gradient(value, array)) <= 1e-6, name


# --- BPTT for the options the registry does not build -----------------------------------------------------
@pytest.mark.parametrize(
    "name, options",
    [
        ("slstm", {"heads": 2}),
        ("slstm", {"stabilised": False}),
        ("mlstm", {"heads": 2}),
        ("mlstm", {"stabilised": False}),
        ("rglru", {"heads": 2}),
    ],
)
def test_bptt_with_options(name, options, rng):
    cell = build_cell(name, INPUT, 4, seed=7, **options)
    assert_exact_bptt(cell, random_state(cell, rng, (BATCH,)), rng)


def test_slstm_bptt_from_the_zero_state(rng):
    """The first step's rule (m = ĩ where n₋₁ = 0, the forget factor clamped at 1) is differentiated exactly.
    The initial state itself is not checked: a nudge away from n₋₁ = 0 switches the rule."""
    cell = build_cell("slstm", INPUT, 4, seed=7)
    assert_exact_bptt(cell, cell.init_state((BATCH,)), rng, check_state=False)


@pytest.mark.parametrize("m0", [-6.0, 6.0])
def test_mlstm_bptt_on_both_sides_of_the_denominator_max(m0, rng):
    """m₀ = −6 makes exp(−m) the larger term of max(|nᵀq|, exp(−m)) on the first steps, m₀ = +6 |nᵀq|."""
    cell = build_cell("mlstm", INPUT, 4, seed=7)
    state = random_state(cell, rng, (BATCH,))
    state["m"][:] = m0
    assert_exact_bptt(cell, state, rng)


# --- parallel forms ------------------------------------------------------------------------------------------
def initial_states(cell, rng, batch):
    zero = cell.init_state((batch,))
    positive = {name: rng.uniform(0.1, 1.0, value.shape) for name, value in zero.items()}
    mixed = {name: rng.uniform(-1.0, 1.0, value.shape) for name, value in zero.items()}
    return {"zero": zero, "positive": positive, "mixed": mixed}


@pytest.mark.parametrize(
    "name, options",
    [("mingru", {}), ("minlstm", {}), ("mlstm", {}), ("mlstm", {"heads": 2}), ("mlstm", {"stabilised": False})],
)
def test_parallel_form_equals_the_step_loop_from_any_state(name, options, rng):
    for dtype, tolerance in (("float64", 1e-11), ("float32", 2e-3)):
        cell = build_cell(name, 6, 8, seed=3, dtype=dtype, **options)
        inputs = rng.normal(size=(512, 2, 6))
        for label, state in initial_states(cell, rng, 2).items():
            sequential = cell.forward(inputs, {k: v.astype(dtype) for k, v in state.items()}).trace["h"]
            parallel = cell.parallel_forward(inputs, state)
            scale = max(1.0, float(np.max(np.abs(sequential))))
            assert np.max(np.abs(parallel - sequential)) <= tolerance * scale, (dtype, label)


def test_parallel_form_sees_the_initial_state(rng):
    """A guard for the test above: the states it starts from change the result."""
    for name in PARALLEL:
        cell = build_cell(name, 6, 8, seed=3)
        inputs = rng.normal(size=(5, 6))
        states = initial_states(cell, rng, 1)
        squeeze = {key: value[0] for key, value in states["mixed"].items()}
        assert np.max(np.abs(cell.parallel_forward(inputs, squeeze) - cell.parallel_forward(inputs))) > 1e-3


def test_a_single_sequence_runs_in_parallel_too(rng):
    cell = build_cell("minlstm", 6, 8, seed=3)
    inputs = rng.normal(size=(40, 6))
    np.testing.assert_allclose(cell.parallel_forward(inputs), cell.forward(inputs).trace["h"], rtol=0, atol=1e-12)


# --- sLSTM's stabiliser ----------------------------------------------------------------------------------------
def slstm_pair(dtype, input_bias):
    """The same sLSTM weights with and without the stabiliser; the input gate's bias set to ``input_bias``."""
    on = build_cell("slstm", 6, 8, seed=4, dtype=dtype)
    on.params["bias"][:8] = input_bias
    off = build_cell("slstm", 6, 8, dtype=dtype, params=on.params, stabilised=False)
    return on, off


def test_the_stabiliser_does_not_change_h(rng):
    on, off = slstm_pair("float64", 3.0)
    inputs = rng.normal(size=(30, 6))
    stabilised, plain = on.forward(inputs), off.forward(inputs)
    np.testing.assert_allclose(stabilised.trace["h"], plain.trace["h"], rtol=1e-12, atol=1e-14)
    assert np.all(plain.trace["m"] == 0.0) and np.any(stabilised.trace["m"] != 0.0)
    # c and n differ by the common factor exp(−m)
    np.testing.assert_allclose(stabilised.trace["n"] * np.exp(stabilised.trace["m"]), plain.trace["n"], rtol=1e-12)


def test_switching_the_stabiliser_off_mid_text_rescales_the_state(rng):
    on, _ = slstm_pair("float64", 3.0)
    inputs = rng.normal(size=(12, 6))
    whole = on.forward(inputs).trace["h"]
    first = on.forward(inputs[:6])
    on.stabilised = False
    rest = on.forward(inputs[6:], first.state).trace["h"]
    np.testing.assert_allclose(np.concatenate([first.trace["h"], rest]), whole, rtol=1e-12, atol=1e-14)


def test_without_the_stabiliser_float32_overflows_after_a_few_characters(rng):
    """exp(ĩ) for ĩ ≈ 87 fits float32 (max ≈ 3.4e38 = e^88.7) but n, a sum of such terms, does not for long."""
    on, off = slstm_pair("float32", 87.0)
    inputs = rng.normal(size=(20, 6)).astype(np.float32) * 0.1
    with np.errstate(over="ignore", invalid="ignore"):
        plain = off.forward(inputs).trace
    broken = np.flatnonzero(~np.all(np.isfinite(plain["n"]), axis=1))
    assert broken.size and 1 <= broken[0] < 10  # fine on the first character, overflowed within ten
    assert np.all(plain["h"][broken[0] :, 0] == 0.0)  # h = o ⊙ c / ∞: the unit has lost its memory
    stabilised = on.forward(inputs).trace["h"]
    assert np.all(np.isfinite(stabilised))
    exact = build_cell("slstm", 6, 8, params=on.params).forward(inputs.astype(np.float64)).trace["h"]
    np.testing.assert_allclose(stabilised, exact, rtol=0, atol=1e-5)


def mlstm_pair(dtype, input_bias):
    """The same mLSTM weights with and without the stabiliser; the input gate's bias set to ``input_bias``."""
    on = build_cell("mlstm", 6, 8, seed=4, dtype=dtype)
    on.params["bias_gate"][0] = input_bias
    return on, build_cell("mlstm", 6, 8, dtype=dtype, params=on.params, stabilised=False)


def test_the_mlstm_stabiliser_changes_h_only_through_the_epsilon(rng):
    """max(|nᵀq|, exp(−m)) + ε scales with exp(−m) like C q, but for ε: h agrees to ε-sized differences."""
    on, off = mlstm_pair("float64", 3.0)
    inputs = rng.normal(size=(30, 6))
    stabilised, plain = on.forward(inputs), off.forward(inputs)
    np.testing.assert_allclose(stabilised.trace["h"], plain.trace["h"], rtol=1e-4)
    assert np.all(plain.trace["m"] == 0.0) and np.any(stabilised.trace["m"] != 0.0)
    np.testing.assert_allclose(stabilised.trace["n"] * np.exp(stabilised.trace["m"]), plain.trace["n"], rtol=1e-12)
    np.testing.assert_allclose(off.parallel_forward(inputs), plain.trace["h"], rtol=0, atol=1e-11)


def test_switching_the_mlstm_stabiliser_off_mid_text_rescales_the_state(rng):
    on, _ = mlstm_pair("float64", 3.0)
    inputs = rng.normal(size=(12, 6))
    first = on.forward(inputs[:6])
    on.stabilised = False
    rest = on.forward(inputs[6:], first.state)
    np.testing.assert_allclose(on.parallel_forward(inputs[6:], first.state), rest.trace["h"], rtol=0, atol=1e-12)
    on.stabilised = True
    np.testing.assert_allclose(rest.trace["h"], on.forward(inputs).trace["h"][6:], rtol=1e-4)


def test_without_the_mlstm_stabiliser_float32_overflows(rng):
    on, off = mlstm_pair("float32", 89.0)  # exp(89) > 3.4e38: i itself overflows
    inputs = rng.normal(size=(20, 6)).astype(np.float32) * 0.1
    with np.errstate(over="ignore", invalid="ignore"):
        plain = off.forward(inputs).trace
    assert not np.all(np.isfinite(plain["h"]))
    assert np.all(np.isfinite(on.forward(inputs).trace["h"]))


def test_slstm_first_step_starts_the_stabiliser_at_the_input_gate():
    cell = build_cell("slstm", 3, 4, seed=2)
    x = np.array([0.3, -1.0, 0.5])
    _, trace = cell.step(x)
    pre_i = cell.input_terms(x)[:4]
    np.testing.assert_allclose(trace["m"], pre_i, rtol=1e-15)
    np.testing.assert_allclose(trace["i"], 1.0)
    np.testing.assert_allclose(trace["n"], 1.0)  # n = f·0 + 1


# --- the minimal cells and RG-LRU ---------------------------------------------------------------------------
def test_g_is_continuous_positive_and_the_identity_plus_a_half_above_zero():
    v = np.array([-800.0, -3.0, -1e-12, 0.0, 1e-12, 2.0])
    out = g(v)
    assert np.all(out >= 0) and out[1] > 0
    np.testing.assert_allclose(out[2:5], 0.5, atol=1e-12)
    assert out[-1] == 2.5


@pytest.mark.parametrize("name", ["mingru", "minlstm"])
def test_minimal_cells_keep_a_positive_state_positive(name, rng):
    cell = build_cell(name, 6, 8, seed=1)
    trace = cell.forward(rng.normal(size=(50, 6)) * 5).trace
    assert np.all(trace["n"] > 0) and np.all(trace["h"] > 0)


def test_minlstm_gates_are_normalised(rng):
    trace = build_cell("minlstm", 6, 8, seed=1).forward(rng.normal(size=(20, 6))).trace
    np.testing.assert_allclose(trace["f_n"] + trace["i_n"], 1.0, rtol=1e-15)


def test_rglru_decay_starts_in_the_reference_ring_and_a_closed_gate_keeps_the_state(rng):
    cell = build_cell("rglru", 6, 8, seed=1)
    radius = 1.0 / (1.0 + np.exp(-cell.params["lambda"]))
    assert np.all((radius >= 0.9) & (radius <= 0.999))
    cell.params["bias_gate"][:8] = -1000.0  # r = 0: a = 1 and the input's factor √(1 − a²) = 0
    state = random_state(cell, rng)
    result = cell.forward(rng.normal(size=(5, 6)), dict(state))
    np.testing.assert_array_equal(result.trace["a"], 1.0)
    np.testing.assert_array_equal(result.state["h"], state["h"])


def test_heads_must_divide_the_hidden_size():
    for name in ("slstm", "mlstm", "rglru"):
        with pytest.raises(ValueError, match="multiple of the number of heads"):
            build_cell(name, 3, 6, heads=4)


# --- sizes ------------------------------------------------------------------------------------------------------
PAPER_COUNTS = {  # D inputs, H units, one head
    "slstm": lambda D, H: 4 * H * D + 4 * H * H + 4 * H,  # W, R (block-diagonal: H·H/heads per gate), b
    "mlstm": lambda D, H: 4 * H * D + 4 * H + 2 * 3 * H + 2,  # q, k, v, o with biases; ĩ, f̃ from [q; k; v]
    "mingru": lambda D, H: 2 * H * D + 2 * H,
    "minlstm": lambda D, H: 3 * H * D + 3 * H,
    "rglru": lambda D, H: H * D + 2 * H * H + 2 * H + H,  # W_p; W_r, W_i with biases; Λ
}


@pytest.mark.parametrize("name", MODERN)
def test_parameter_counts(name):
    for sizes in ((96, 32), (5, 8)):
        assert CELLS[name].parameter_count(*sizes) == PAPER_COUNTS[name](*sizes)


def test_heads_shrink_the_block_diagonal_weights():
    D, H = 96, 32
    assert build_cell("slstm", D, H, heads=4).parameter_count() == 4 * H * D + 4 * H * (H // 4) + 4 * H
    assert build_cell("rglru", D, H, heads=4).parameter_count() == H * D + 2 * H * (H // 4) + 3 * H
    mlstm = build_cell("mlstm", D, H, heads=4)
    assert mlstm.parameter_count() == 4 * H * D + 4 * H + 8 * 3 * H + 8
    assert mlstm.state_size("C") == 4 * 8 * 8 and mlstm.state_size("m") == 4
