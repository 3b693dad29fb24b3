"""Parity with PyTorch's nn.RNN, nn.LSTM and nn.GRU: forward values, gate activations and BPTT gradients.

The fixture tests always run: they compare against numbers torch produced once, stored in
tests/fixtures/torch/ by tests/fixtures/make_torch_fixtures.py. The live tests (marker ``torch``) compare
against torch itself, with fresh random weights, and are skipped with a reason when torch is missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstm_tui.model import build_cell

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "torch"
PARITY_CELLS = ("rnn", "lstm", "gru")
TOLERANCE = 1e-10
TORCH_MISSING = "torch not installed: pip install torch==2.13.0 (CPU) for live parity"


def assert_close(actual, expected, what):
    np.testing.assert_allclose(actual, expected, rtol=0, atol=TOLERANCE, err_msg=what)


def our_param_name(torch_name: str) -> str:
    """PyTorch's layer names carry the layer index (``weight_ih_l0``); a single cell's do not."""
    return torch_name.removesuffix("_l0")


def cell_from_torch_weights(cell_name, weights):
    """Our registry cell holding exactly the given PyTorch weights (names with or without ``_l0``)."""
    params = {our_param_name(name): np.asarray(value, dtype=np.float64) for name, value in weights.items()}
    hidden_size, input_size = params["weight_hh"].shape[1], params["weight_ih"].shape[1]
    return build_cell(cell_name, input_size, hidden_size, params=params)


def compare_with_reference(cell, reference, state0):
    """Forward and backward of our cell against a torch reference dict (fixture or live)."""
    inputs = reference["inputs"]
    result = cell.forward(inputs, {name: value.copy() for name, value in state0.items()})
    assert_close(result.trace["h"], reference["h"], "h at every step")
    assert_close(result.state["h"], reference["h"][-1], "final h")
    for gate in cell.gate_names:
        assert_close(result.trace[gate], reference[f"gate_{gate}"], f"gate {gate}")
    d_state = None
    if "c" in cell.state_names:
        assert_close(result.trace["c"], reference["c"], "c at every step")
        assert_close(result.state["c"], reference["c_final"], "final c")
        d_state = {"c": reference["loss_c"]}

    grads, d_inputs, d_state0 = cell.backward(result, dh=reference["loss_h"], d_state=d_state)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        assert_close(grads[name], reference[f"grad_{name}_l0"], f"gradient of {name}")
    assert_close(d_inputs, reference["grad_inputs"], "gradient of the inputs")
    for name in cell.state_names:
        assert_close(d_state0[name], reference[f"grad_{name}0"], f"gradient of the initial {name}")


# --- fixtures: always run ------------------------------------------------------------------------------


def load_fixture(cell_name):
    with np.load(FIXTURES / f"{cell_name}.npz", allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def fixture_weights(fixture):
    return {name: fixture[name].copy() for name in fixture if name.startswith(("weight_", "bias_"))}


def fixture_case(fixture, case):
    prefix = f"{case}/"
    return {name[len(prefix) :]: value for name, value in fixture.items() if name.startswith(prefix)}


@pytest.mark.parametrize("cell_name", PARITY_CELLS)
def test_fixture_describes_the_cell(cell_name):
    fixture = load_fixture(cell_name)
    assert str(fixture["cell"]) == cell_name
    cell = cell_from_torch_weights(cell_name, fixture_weights(fixture))
    assert cell.gate_names == tuple(fixture["gate_names"])
    assert cell.state_names == (("h", "c") if cell_name == "lstm" else ("h",))


@pytest.mark.parametrize("case", ["single", "batch"])
@pytest.mark.parametrize("cell_name", PARITY_CELLS)
def test_matches_torch_fixture(cell_name, case):
    fixture = load_fixture(cell_name)
    cell = cell_from_torch_weights(cell_name, fixture_weights(fixture))
    reference = fixture_case(fixture, case)
    state0 = {name: reference[f"{name}0"] for name in cell.state_names}
    assert np.all(state0["h"] != 0), "the fixture's initial state should be non-zero"
    compare_with_reference(cell, reference, state0)


@pytest.mark.parametrize("cell_name", PARITY_CELLS)
def test_step_by_step_matches_torch_fixture(cell_name):
    """The per-keystroke path (``step``) reaches the same states as torch, one character at a time."""
    fixture = load_fixture(cell_name)
    cell = cell_from_torch_weights(cell_name, fixture_weights(fixture))
    reference = fixture_case(fixture, "batch")
    state = {name: reference[f"{name}0"] for name in cell.state_names}
    for t, x in enumerate(reference["inputs"]):
        state, trace = cell.step(x, state)
        assert_close(state["h"], reference["h"][t], f"h at step {t}")
        for gate in cell.gate_names:
            assert_close(trace[gate], reference[f"gate_{gate}"][t], f"gate {gate} at step {t}")


def test_a_different_weight_breaks_parity():
    """Guard against a vacuous comparison: one perturbed weight must be caught."""
    fixture = load_fixture("lstm")
    weights = fixture_weights(fixture)
    weights["weight_hh_l0"][5, 2] += 1e-6
    cell = cell_from_torch_weights("lstm", weights)
    reference = fixture_case(fixture, "single")
    with pytest.raises(AssertionError):
        compare_with_reference(cell, reference, {"h": reference["h0"], "c": reference["c0"]})


# --- live torch: skipped with a reason when torch is missing ---------------------------------------------

LIVE_SIZES = [  # (input size, hidden size, steps, batch shape)
    (1, 1, 3, ()),
    (3, 8, 12, ()),
    (10, 16, 25, ()),
    (96, 32, 10, ()),
    (6, 5, 9, (4,)),
]


@pytest.fixture
def torch_reference_module():
    pytest.importorskip("torch", reason=TORCH_MISSING)
    from tests.fixtures import make_torch_fixtures

    return make_torch_fixtures


@pytest.mark.torch
@pytest.mark.parametrize("sizes", LIVE_SIZES, ids=lambda s: "D{}-H{}-T{}-B{}".format(*s[:3], s[3][0] if s[3] else "-"))
@pytest.mark.parametrize("cell_name", PARITY_CELLS)
def test_matches_live_torch_module(cell_name, sizes, torch_reference_module):
    import torch

    make = torch_reference_module
    input_size, hidden_size, steps, batch_shape = sizes
    seed = 1000 + 17 * input_size + hidden_size
    module = make.build_module(cell_name, input_size, hidden_size, seed)
    generator = torch.Generator().manual_seed(seed)
    inputs, state0, loss_h, loss_c = make.random_case(cell_name, generator, batch_shape, input_size, hidden_size, steps)
    reference = make.torch_reference(cell_name, module, inputs, state0, loss_h, loss_c)
    reference.update(inputs=inputs)
    cell = cell_from_torch_weights(cell_name, make.module_weights(module))
    compare_with_reference(cell, reference, state0)


TORCH_CELLS = {"rnn": "RNNCell", "lstm": "LSTMCell", "gru": "GRUCell"}


@pytest.mark.torch
@pytest.mark.parametrize("batch_shape", [(), (3,)], ids=["unbatched", "batch3"])
@pytest.mark.parametrize("cell_name", PARITY_CELLS)
def test_single_step_matches_live_torch_cell(cell_name, batch_shape):
    """``nn.LSTMCell``/``nn.GRUCell``/``nn.RNNCell`` share our parameter names, so their state_dict loads as is."""
    torch = pytest.importorskip("torch", reason=TORCH_MISSING)
    input_size, hidden_size = 7, 6
    torch.manual_seed(31)
    torch_cell = getattr(torch.nn, TORCH_CELLS[cell_name])(input_size, hidden_size, dtype=torch.float64)
    x = torch.randn(*batch_shape, input_size, dtype=torch.float64)
    h0 = 0.5 * torch.randn(*batch_shape, hidden_size, dtype=torch.float64)
    c0 = 0.5 * torch.randn(*batch_shape, hidden_size, dtype=torch.float64)
    with torch.no_grad():
        if cell_name == "lstm":
            h1, c1 = torch_cell(x, (h0, c0))
        else:
            h1 = torch_cell(x, h0)

    cell = cell_from_torch_weights(cell_name, {k: v.numpy() for k, v in torch_cell.state_dict().items()})
    state = {"h": h0.numpy(), "c": c0.numpy()} if cell_name == "lstm" else {"h": h0.numpy()}
    new_state, trace = cell.step(x.numpy(), state)
    assert_close(new_state["h"], h1.numpy(), "h after one step")
    assert_close(trace["h"], h1.numpy(), "traced h after one step")
    if cell_name == "lstm":
        assert_close(new_state["c"], c1.numpy(), "c after one step")
