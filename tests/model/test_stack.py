"""Stacked and bidirectional models: PyTorch parity (num_layers, bidirectional), exact BPTT for every
registry cell, the per-keystroke paths (``CharModel.step``, ``LiveRun``) against whole-text runs.

The fixture tests compare against numbers torch produced once (tests/fixtures/torch/stacked_*.npz, made by
tests/fixtures/make_torch_fixtures.py); the live tests (marker ``torch``) against torch itself.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstm_tui.model import CELLS, CharModel, build_cell
from lstm_tui.model.charmodel import CANNOT_STREAM, LiveRun
from lstm_tui.model.stack import Stack, layer_suffix, param_key

from ..helpers import (
    PYTORCH_NAMES,
    load_stacked,
    numeric_gradient,
    random_state,
    relative_error,
    stack_from_state_dict,
    stack_state,
)

PARITY_CELLS = ("rnn", "lstm", "gru")
TOLERANCE = 1e-10
TORCH_MISSING = "torch not installed: pip install torch==2.13.0 (CPU) for live parity"


# --- PyTorch's layout in and out ------------------------------------------------------------------------
def assert_close(actual, expected, what):
    np.testing.assert_allclose(actual, expected, rtol=0, atol=TOLERANCE, err_msg=what)


def compare_stack_with_reference(cell_name, case):
    """Forward, final states and every gradient of a stack against a torch reference (fixture or live)."""
    weights = {name: case[name] for name in case if name.startswith(("weight_", "bias_"))}
    stack = stack_from_state_dict(cell_name, weights)
    lstm = cell_name == "lstm"
    result = stack.forward(case["inputs"], stack_state(stack, case["h0"], case.get("c0")))
    assert_close(result.output, case["output"], "output at every step")
    D = stack.num_directions
    d_state = []
    for k in range(stack.num_layers):
        row = []
        for d in range(D):
            index = k * D + d
            assert_close(result.state[k][d]["h"], case["h_n"][index], f"h_n of layer {k} direction {d}")
            cotangent = {"h": case["loss_h_n"][index]}
            if lstm:
                assert_close(result.state[k][d]["c"], case["c_n"][index], f"c_n of layer {k} direction {d}")
                cotangent["c"] = case["loss_c_n"][index]
            row.append(cotangent)
        d_state.append(tuple(row))
    grads, d_inputs, d_state0 = stack.backward(result, dy=case["loss_output"], d_state=tuple(d_state))
    for k, d, _ in stack.all_cells():
        for name in PYTORCH_NAMES:
            key = name + layer_suffix(k, d)
            assert_close(grads[k][d][name], case[f"grad_{key}"], f"gradient of {key}")
        assert_close(d_state0[k][d]["h"], case["grad_h0"][k * D + d], f"gradient of h0[{k * D + d}]")
        if lstm:
            assert_close(d_state0[k][d]["c"], case["grad_c0"][k * D + d], f"gradient of c0[{k * D + d}]")
    assert_close(d_inputs, case["grad_inputs"], "gradient of the inputs")


@pytest.mark.parametrize("case", ["layers2", "layers3_bi"])
@pytest.mark.parametrize("cell_name", PARITY_CELLS)
def test_stack_matches_torch_fixture(cell_name, case):
    reference = load_stacked(cell_name, case)
    assert "weight_ih_l1" in reference and ("weight_hh_l2_reverse" in reference) == (case == "layers3_bi")
    compare_stack_with_reference(cell_name, reference)


def test_a_swapped_direction_breaks_parity():
    """Guard against a vacuous comparison: the two directions' weights swapped must be caught."""
    reference = load_stacked("lstm", "layers3_bi")
    for name in PYTORCH_NAMES:
        forward, reverse = f"{name}_l1", f"{name}_l1_reverse"
        reference[forward], reference[reverse] = reference[reverse], reference[forward]
    with pytest.raises(AssertionError):
        compare_stack_with_reference("lstm", reference)


@pytest.fixture
def torch_reference_module():
    pytest.importorskip("torch", reason=TORCH_MISSING)
    from tests.fixtures import make_torch_fixtures

    return make_torch_fixtures


@pytest.mark.torch
@pytest.mark.parametrize(
    "shape",
    [(1, True, 1), (2, False, 3), (3, True, 1), (4, True, 2), (4, False, 1)],
    ids=lambda s: f"L{s[0]}-{'bi' if s[1] else 'uni'}-B{s[2]}",
)
@pytest.mark.parametrize("cell_name", PARITY_CELLS)
def test_stack_matches_live_torch(cell_name, shape, torch_reference_module):
    import torch

    make = torch_reference_module
    num_layers, bidirectional, batch = shape
    seed = 500 + 10 * num_layers + batch
    module = make.build_stack_module(cell_name, 7, 6, num_layers, bidirectional, seed)
    case = make.random_stack_case(
        cell_name,
        torch.Generator().manual_seed(seed),
        num_layers,
        bidirectional,
        input_size=7,
        hidden_size=6,
        steps=9,
        batch=batch,
    )
    reference = make.stack_reference(
        cell_name,
        module,
        case["inputs"],
        case["h0"],
        case.get("c0"),
        case["loss_output"],
        case["loss_h_n"],
        case.get("loss_c_n"),
    )
    compare_stack_with_reference(cell_name, {**make.stack_weights(module), **case, **reference})


# --- every registry cell: exact BPTT through a stack ----------------------------------------------------
T, BATCH, INPUT, HIDDEN = 4, 2, 3, 3


@pytest.mark.parametrize("name", sorted(CELLS))
def test_stack_bptt_matches_finite_differences(name, rng):
    """Two bidirectional layers: every parameter of every cell, the inputs and every initial state."""
    stack = Stack.build(name, INPUT, HIDDEN, num_layers=2, bidirectional=True, seed=5)
    inputs = rng.normal(size=(T, BATCH, INPUT))
    state0 = tuple(tuple(random_state(cell, rng, (BATCH,)) for cell in layer) for layer in stack.cells)
    weights_y = rng.normal(size=(T, BATCH, stack.output_size))
    weights_final = tuple(
        tuple({n: rng.normal(size=(BATCH, cell.state_size(n))) for n in cell.state_names} for cell in layer)
        for layer in stack.cells
    )

    def loss():
        result = stack.forward(
            inputs, tuple(tuple({k: v.copy() for k, v in s.items()} for s in layer) for layer in state0)
        )
        value = np.sum(weights_y * result.output)
        for k, d, cell in stack.all_cells():
            value += sum(np.sum(weights_final[k][d][n] * result.state[k][d][n]) for n in cell.state_names)
        return value

    result = stack.forward(inputs, state0)
    grads, d_inputs, d_state0 = stack.backward(result, dy=weights_y, d_state=weights_final)
    for k, d, cell in stack.all_cells():
        for param_name, value in cell.params.items():
            assert relative_error(grads[k][d][param_name], numeric_gradient(loss, value)) <= 1e-6, (k, d, param_name)
        for state_name, value in state0[k][d].items():
            assert relative_error(d_state0[k][d][state_name], numeric_gradient(loss, value)) <= 1e-6, (k, d, state_name)
    assert relative_error(d_inputs, numeric_gradient(loss, inputs)) <= 1e-6


def test_stack_gradients_reach_every_cell(rng):
    """Guards the check above: the loss depends on every cell, so no gradient is all zero."""
    stack = Stack.build("lstm", INPUT, HIDDEN, num_layers=3, bidirectional=True)
    result = stack.forward(rng.normal(size=(T, INPUT)))
    grads, d_inputs, _ = stack.backward(result, dy=np.ones((T, stack.output_size)))
    assert all(np.any(g != 0) for layer in grads for cell in layer for g in cell.values())
    assert np.any(d_inputs != 0)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_cotangents_with_extra_axes_give_the_jacobian(bidirectional, rng):
    """A batch of output directions through one backward pass gives the full Jacobian ∂y_{T−1}/∂x_t."""
    stack = Stack.build("gru", INPUT, HIDDEN, num_layers=2, bidirectional=bidirectional, seed=2)
    result = stack.forward(rng.normal(size=(T, INPUT)))
    out = stack.output_size
    dy = np.zeros((T, out, out))
    dy[-1] = np.eye(out)
    _, jacobian, _ = stack.backward(result, dy=dy, param_grads=False)  # (T, out, D)
    for k in range(out):
        one = np.zeros((T, out))
        one[-1, k] = 1.0
        _, row, _ = stack.backward(result, dy=one)
        np.testing.assert_allclose(jacobian[:, k, :], row, rtol=1e-12, atol=1e-14)


# --- building and shapes ---------------------------------------------------------------------------------
def test_one_layer_stack_is_the_cell(rng):
    cell = build_cell("lstm", INPUT, HIDDEN, seed=4)
    stack = Stack.build("lstm", INPUT, HIDDEN, seed=4)
    assert stack.is_single and stack.cells[0][0].params.keys() == cell.params.keys()
    for name, value in cell.params.items():
        np.testing.assert_array_equal(stack.cells[0][0].params[name], value)
    inputs = rng.normal(size=(T, INPUT))
    np.testing.assert_array_equal(stack.forward(inputs).output, cell.forward(inputs).trace["h"])


def test_layers_read_the_layer_below_and_cells_differ():
    stack = Stack.build("gru", 5, 4, num_layers=3, bidirectional=True, seed=1)
    assert [cell.input_size for _, _, cell in stack.all_cells()] == [5, 5, 8, 8, 8, 8]
    assert stack.output_size == 8 and stack.parameter_count() == sum(c.parameter_count() for *_, c in stack.all_cells())
    weights = [cell.params["weight_hh"] for *_, cell in stack.all_cells()]
    assert all(not np.array_equal(a, b) for i, a in enumerate(weights) for b in weights[i + 1 :])
    assert set(stack.named_params()) >= {"weight_ih", "weight_ih_l0_reverse", "weight_hh_l2", "bias_hh_l2_reverse"}
    assert param_key("bias_ih", 0, 0) == "bias_ih" and param_key("peephole_i", 1, 1) == "peephole_i_l1_reverse"


def test_limits_and_mismatched_cells_are_refused():
    with pytest.raises(ValueError, match="at most 4 layers"):
        Stack.build("rnn", 3, 2, num_layers=5)
    with pytest.raises(ValueError, match="layer 1 must hold"):
        Stack([[build_cell("rnn", 3, 2)], [build_cell("rnn", 3, 2)]])  # layer 1 reads 2, not 3
    with pytest.raises(ValueError, match="layer 0 must hold"):
        Stack([[build_cell("rnn", 3, 2), build_cell("gru", 3, 2)]])


# --- character models: step, run, LiveRun -----------------------------------------------------------------
TEXT = "hello, wörld\x1b\n"


@pytest.mark.parametrize("name", sorted(CELLS))
def test_stacked_steps_equal_the_sequence_run(name):
    model = CharModel.random(name, 4, seed=3, output_layer=True, num_layers=3)
    run = model.run(TEXT)
    state = None
    for t, char in enumerate(TEXT):
        step = model.step(char, state)
        state = step.state
        assert len(state) == 3 and len(step.layer_traces) == 3
        for k, trace in enumerate(step.layer_traces):
            for key, value in trace.items():
                np.testing.assert_allclose(run.stack.trace(k)[key][t], value, rtol=0, atol=1e-14)
        np.testing.assert_allclose(run.probabilities[t], step.probabilities, atol=1e-15)


def test_a_bidirectional_model_cannot_step():
    model = CharModel.random("lstm", 4, bidirectional=True)
    with pytest.raises(ValueError) as error:
        model.step("a")
    assert str(error.value) == CANNOT_STREAM


def test_bidirectional_output_sees_the_future():
    """The reverse direction at t reads t … T−1: changing the last character moves every step's output,
    and the forward direction's part before it stays put."""
    model = CharModel.random("lstm", 4, bidirectional=True, output_layer=True)
    a, b = model.run("abcde"), model.run("abcdx")
    H = 4
    np.testing.assert_array_equal(a.outputs[:4, :H], b.outputs[:4, :H])
    assert np.all(np.abs(a.outputs[:, H:] - b.outputs[:, H:]).max(axis=1) > 0)
    assert np.all(np.abs(a.probabilities - b.probabilities).max(axis=1) > 0)


EDITS = ["he", "hello", "help", "help me wörld", "", "x", "xyz"]


@pytest.mark.parametrize("layers, bidirectional", [(1, False), (3, False), (1, True), (2, True)])
@pytest.mark.parametrize("name", ["rnn", "lstm", "lstm-fgr", "gru", "mut1"])
def test_live_run_equals_a_fresh_run_after_every_edit(name, layers, bidirectional):
    model = CharModel.random(name, 5, seed=1, output_layer=True, num_layers=layers, bidirectional=bidirectional)
    live = LiveRun(model, 32)
    previous = ""
    for text in EDITS:
        cost = live.set_text(text)
        reference = model.run(text)
        for k, d, _ in model.stack.all_cells():
            expected = reference.stack.trace(k, d) if text else {}  # an empty run traces nothing
            for key, value in live.trace(k, d).items():
                np.testing.assert_allclose(
                    value, expected.get(key, value[:0]), rtol=0, atol=1e-14, err_msg=f"{text!r} {k} {d} {key}"
                )
        if text:
            np.testing.assert_allclose(live.probabilities, reference.probabilities, rtol=0, atol=1e-14)
        assert list(live.in_vocab) == list(reference.in_vocab)
        # What the edit cost: streaming cells step from the first changed character, the rest re-run it all
        kept = (
            len(previous)
            if text.startswith(previous)
            else next((i for i, (a, b) in enumerate(zip(previous, text)) if a != b), min(len(previous), len(text)))
        )
        streaming = 1 if bidirectional else layers
        rerunning = 2 * layers - 1 if bidirectional else 0
        assert cost.kept == streaming * kept
        assert cost.stepped == streaming * (len(text) - kept)
        assert cost.rerun == rerunning * len(text)
        previous = text


@pytest.mark.parametrize("bidirectional", [False, True])
def test_live_run_result_backpropagates_like_a_fresh_run(bidirectional, rng):
    model = CharModel.random("lstm", 5, seed=2, output_layer=True, num_layers=2, bidirectional=bidirectional)
    live = LiveRun(model, 64)
    for end in range(1, len(TEXT) + 1):
        live.set_text(TEXT[:end])  # typed a key at a time, so the streaming steps are the kept ones
    reference = model.run(TEXT).stack
    dy = rng.normal(size=reference.output.shape)
    grads, dx, _ = model.stack.backward(live.result(), dy)
    expected_grads, expected_dx, _ = model.stack.backward(reference, dy)
    np.testing.assert_allclose(dx, expected_dx, rtol=0, atol=1e-13)
    for k, d, cell in model.stack.all_cells():
        for name in cell.params:
            np.testing.assert_allclose(grads[k][d][name], expected_grads[k][d][name], rtol=0, atol=1e-12)


def test_live_run_state_before_a_step():
    model = CharModel.random("lstm", 3, bidirectional=True)
    live = LiveRun(model, 8)
    live.set_text("abcd")
    forward, reverse = live.trace(0, 0), live.trace(0, 1)
    np.testing.assert_array_equal(live.state_before(2, 0, 0)["c"], forward["c"][1])
    np.testing.assert_array_equal(live.state_before(2, 0, 1)["c"], reverse["c"][3])  # it read 3 before 2
    assert not live.state_before(0, 0, 0)["h"].any() and not live.state_before(3, 0, 1)["h"].any()


def test_live_run_capacity():
    live = LiveRun(CharModel.random("rnn", 2), 4)
    with pytest.raises(ValueError, match="holds 4 characters"):
        live.set_text("abcde")


def test_random_stacked_model_keeps_its_first_cell_and_output_layer():
    one = CharModel.random("gru", 6, seed=9, output_layer=True)
    deep = CharModel.random("gru", 6, seed=9, output_layer=True, num_layers=3)
    for name, value in one.cell.params.items():
        np.testing.assert_array_equal(deep.cell.params[name], value)
    np.testing.assert_array_equal(deep.output["weight_out"], one.output["weight_out"])
    bi = CharModel.random("gru", 6, seed=9, output_layer=True, bidirectional=True)
    assert bi.output["weight_out"].shape == (96, 12)
