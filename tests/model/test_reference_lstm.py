"""A reference LSTM step in plain NumPy (min-char-rnn style), as an oracle beside the optimised cell.

``LSTMCell`` runs one tanh call over halved sigmoid rows, halved weights prepared once per sequence, buffers
written in place and a table of input terms; none of that appears below. The reference is the textbook step.
"""

import numpy as np
import pytest

from lstm_tui.model import CharModel, build_cell


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def reference_lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """One step of PyTorch's LSTM: pre-activations in row blocks i | f | g | o."""
    z = W_ih @ x + b_ih + W_hh @ h + b_hh
    zi, zf, zg, zo = np.split(z, 4)
    i, f, g, o = sigmoid(zi), sigmoid(zf), np.tanh(zg), sigmoid(zo)
    c = f * c + i * g
    h = o * np.tanh(c)
    return h, c, {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}


def reference_run(params, inputs, h, c):
    trace = []
    for x in inputs:
        h, c, values = reference_lstm_step(
            x, h, c, params["weight_ih"], params["weight_hh"], params["bias_ih"], params["bias_hh"]
        )
        trace.append(values)
    return {name: np.array([values[name] for values in trace]) for name in trace[0]}


@pytest.mark.parametrize("hidden", [1, 5, 32])
def test_the_cell_agrees_with_the_reference_step(hidden, rng):
    cell = build_cell("lstm", 7, hidden, seed=hidden)
    for parameter in cell.params.values():  # the initial forget bias alone would leave f near σ(1)
        parameter += rng.normal(scale=0.5, size=parameter.shape)
    inputs = rng.normal(size=(40, 7))
    h0, c0 = rng.normal(size=hidden), rng.normal(size=hidden)
    expected = reference_run(cell.params, inputs, h0, c0)
    sequence = cell.forward(inputs, {"h": h0, "c": c0}).trace  # the whole-sequence path
    state = {"h": h0, "c": c0}
    for t, x in enumerate(inputs):  # the lone-step path
        state, step = cell.step(x, state)
        for name in expected:
            np.testing.assert_allclose(step[name], expected[name][t], rtol=1e-12, atol=1e-14, err_msg=name)
    for name in expected:
        np.testing.assert_allclose(sequence[name], expected[name], rtol=1e-12, atol=1e-14, err_msg=name)


def test_the_character_model_agrees_with_the_reference_step():
    """The panel's path: a table of input terms per character instead of W_ih @ one_hot(x)."""
    model = CharModel.random("lstm", 16, seed=5)
    text = "hello, (world)"
    cell, eye = model.cell, np.eye(len(model.vocab))
    expected = reference_run(cell.params, eye[model.vocab.indices(text)], np.zeros(16), np.zeros(16))
    state = None
    for t, char in enumerate(text):
        result = model.step(char, state)
        state = result.state
        for name, values in result.trace.items():
            np.testing.assert_allclose(values, expected[name][t], rtol=1e-12, atol=1e-14, err_msg=name)
