"""Exact BPTT: every registry cell's analytic gradients against central finite differences."""

import numpy as np
import pytest

from lstm_tui.model import CELLS, build_cell

from ..helpers import BATCH, HIDDEN, INPUT, T, loss_pieces, numeric_gradient, random_state, relative_error


@pytest.mark.parametrize("name", sorted(CELLS))
def test_bptt_matches_finite_differences(name, rng):
    cell = build_cell(name, INPUT, HIDDEN, seed=7)
    inputs = rng.normal(size=(T, BATCH, INPUT))
    state0 = random_state(cell, rng, (BATCH,))
    loss, weights_h, weights_final = loss_pieces(cell, rng)

    _, result = loss(inputs, state0)
    grads, d_inputs, d_state0 = cell.backward(result, dh=weights_h, d_state=weights_final)

    for param_name, value in cell.params.items():
        numeric = numeric_gradient(lambda: loss(inputs, state0)[0], value)
        assert relative_error(grads[param_name], numeric) <= 1e-6, param_name
    assert relative_error(d_inputs, numeric_gradient(lambda: loss(inputs, state0)[0], inputs)) <= 1e-6
    for state_name, value in state0.items():
        numeric = numeric_gradient(lambda: loss(inputs, state0)[0], value)
        assert relative_error(d_state0[state_name], numeric) <= 1e-6, state_name


@pytest.mark.parametrize("name", sorted(CELLS))
def test_gradients_are_not_trivially_zero(name, rng):
    """Guards the check above against a loss that does not depend on the parameters."""
    cell = build_cell(name, INPUT, HIDDEN, seed=7)
    result = cell.forward(rng.normal(size=(T, INPUT)))
    grads, d_inputs, _ = cell.backward(result, dh=np.ones((T, HIDDEN)))
    assert all(np.any(g != 0) for g in grads.values())
    assert np.any(d_inputs != 0)


@pytest.mark.parametrize("name", sorted(CELLS))
def test_all_output_directions_at_once(name, rng):
    """A batch of H cotangents through one forward pass gives the full Jacobian ∂h_T/∂x_t."""
    cell = build_cell(name, INPUT, HIDDEN, seed=3)
    inputs = rng.normal(size=(T, INPUT))
    result = cell.forward(inputs)
    eye = np.eye(HIDDEN)
    _, jacobian, _ = cell.backward(result, d_state={"h": eye}, param_grads=False)  # (T, H, D)
    for k in range(HIDDEN):
        _, row, _ = cell.backward(result, d_state={"h": eye[k]})
        np.testing.assert_allclose(jacobian[:, k, :], row, rtol=1e-12, atol=1e-14)
