"""Weight files of stacked and bidirectional models (native .npz, PyTorch .pt, Keras), and vocabularies in
any order in every format: the file's order is the column order of the input weights."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from lstm_tui.model import CELLS, CharModel
from lstm_tui.model.weights import MAX_MEMBERS, load_model, load_model_file, save_model

from ..helpers import load_error, load_stacked, save_arrays, stack_state

KERAS = pathlib.Path(__file__).parent.parent / "fixtures" / "keras"
UNSORTED = "dbca"  # a vocabulary whose order is not sorted order
TEXT = "abcdcbadd"


def permuted_file_arrays(model, order):
    """The arrays of ``model`` saved with its characters listed in ``order`` instead: the first layer's
    input columns move with them (every direction), nothing else changes. (The input weights are the
    arrays with V columns, so H must differ from V.)"""
    assert model.stack.hidden_size != len(order)
    columns = [model.vocab.chars.index(char) for char in order]
    arrays = {"cell": np.array(model.name), "vocab": np.array(order)}
    for k, d, cell in model.stack.all_cells():
        for name, value in cell.params.items():
            key = name + (
                f"_l{k}" + "_reverse" * d
                if name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
                else ("" if (k, d) == (0, 0) else f"_l{k}" + "_reverse" * d)
            )
            arrays[key] = value[:, columns] if (k == 0 and value.ndim == 2 and value.shape[1] == len(order)) else value
    if model.output:
        arrays["weight_out"], arrays["bias_out"] = (
            model.output["weight_out"][columns],
            model.output["bias_out"][columns],
        )
    return arrays


# --- native .npz ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CELLS))
def test_stacked_bidirectional_models_round_trip_exactly(tmp_path, name):
    model = CharModel.random(
        name, 4, seed=3, vocab=UNSORTED[::-1] + "é", output_layer=True, num_layers=2, bidirectional=True
    )
    save_model(model, tmp_path / "m.npz")
    restored = load_model(tmp_path / "m.npz")
    assert (restored.num_layers, restored.bidirectional, restored.name) == (2, True, name)
    for (k, d, cell), (_, _, back) in zip(model.stack.all_cells(), restored.stack.all_cells()):
        assert back.params.keys() == cell.params.keys() and back.input_size == cell.input_size
        for key, value in cell.params.items():
            np.testing.assert_array_equal(back.params[key], value, err_msg=f"{key} of layer {k} direction {d}")
    np.testing.assert_array_equal(restored.run(TEXT).probabilities, model.run(TEXT).probabilities)


def test_stacked_file_keys_follow_pytorch(tmp_path):
    save_model(CharModel.random("lstm-peephole", 3, vocab="ab", num_layers=2, bidirectional=True), tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as npz:
        keys = set(npz.files)
    assert {
        "weight_ih_l0",
        "weight_hh_l0_reverse",
        "bias_ih_l1",
        "bias_hh_l1_reverse",
        "peephole_i",
        "peephole_f_l0_reverse",
        "peephole_o_l1",
        "peephole_i_l1_reverse",
    } <= keys
    assert len(keys) == 4 * 7 + 2


def test_four_layer_bidirectional_fgr_fits_the_member_limit(tmp_path):
    model = CharModel.random("lstm-fgr", 2, vocab="ab", output_layer=True, num_layers=4, bidirectional=True)
    save_model(model, tmp_path / "m.npz", meta={"note": "largest"})
    with np.load(tmp_path / "m.npz", allow_pickle=False) as npz:
        assert len(npz.files) <= MAX_MEMBERS
    assert load_model(tmp_path / "m.npz").num_layers == 4


@pytest.mark.parametrize("layers, bidirectional", [(1, False), (2, True)])
def test_unsorted_npz_vocabulary_is_the_column_order(tmp_path, layers, bidirectional):
    """The same model saved with its characters in another order, columns moved with them, computes the
    same thing: so the loader reads the file's order as the column order and keeps it."""
    model = CharModel.random(
        "gru", 5, seed=2, vocab="abcd", output_layer=True, num_layers=layers, bidirectional=bidirectional
    )
    loaded = load_model(save_arrays(tmp_path / "m.npz", **permuted_file_arrays(model, UNSORTED)))
    assert loaded.vocab.chars == UNSORTED
    run, expected = loaded.run(TEXT), model.run(TEXT)
    np.testing.assert_allclose(run.outputs, expected.outputs, rtol=0, atol=1e-15)
    columns = [model.vocab.chars.index(char) for char in UNSORTED]
    np.testing.assert_allclose(run.probabilities, expected.probabilities[:, columns], rtol=0, atol=1e-15)
    save_model(loaded, tmp_path / "again.npz")  # and it is written back in the same order
    assert load_model(tmp_path / "again.npz").vocab.chars == UNSORTED


@pytest.mark.parametrize("cell_name", ["rnn", "lstm", "gru"])
def test_torch_fixture_weights_in_an_npz_match_torch(tmp_path, cell_name):
    """nn.RNN/LSTM/GRU(num_layers=3, bidirectional=True) weights under their state_dict names load from
    an .npz (inputs: the fixture's real-valued vectors, so its five 'characters' are just columns)."""
    case = load_stacked(cell_name, "layers3_bi")
    weights = {name: value for name, value in case.items() if name.startswith(("weight_", "bias_"))}
    model = load_model(save_arrays(tmp_path / "m.npz", **weights, cell=np.array(cell_name), vocab=np.array("edcba")))
    assert (model.num_layers, model.bidirectional, model.vocab.chars) == (3, True, "edcba")
    result = model.stack.forward(case["inputs"], stack_state(model.stack, case["h0"], case.get("c0")))
    np.testing.assert_allclose(result.output, case["output"], rtol=0, atol=1e-12)


# --- errors -------------------------------------------------------------------------------------------------
def stacked_arrays(tmp_path, **kwargs):
    model = CharModel.random("lstm", 3, vocab="abcd", output_layer=True, **kwargs)
    save_model(model, tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz", allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def test_a_missing_reverse_array_is_named(tmp_path):
    arrays = stacked_arrays(tmp_path, num_layers=2, bidirectional=True)
    del arrays["weight_hh_l1_reverse"]
    assert "missing key weight_hh_l1_reverse for cell 'lstm'" in load_error(save_arrays(tmp_path / "m.npz", **arrays))


def test_more_than_four_layers_is_refused(tmp_path):
    arrays = stacked_arrays(tmp_path, num_layers=4)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        arrays[f"{name}_l4"] = arrays[f"{name}_l3"]
    assert "5 layers, more than the 4 a model may have" in load_error(save_arrays(tmp_path / "m.npz", **arrays))


def test_an_upper_layer_of_the_wrong_width_is_named(tmp_path):
    arrays = stacked_arrays(tmp_path, num_layers=2, bidirectional=True)
    arrays["weight_ih_l1"] = arrays["weight_ih_l1"][:, :3]  # reads H, not the 2H a bidirectional layer gives
    message = load_error(save_arrays(tmp_path / "m.npz", **arrays))
    assert (
        "weight_ih_l1 has shape (12, 3), expected (12, 6) (cell 'lstm', hidden size 3, 6 inputs from layer 0)"
        in message
    )


def test_a_bidirectional_output_layer_reads_both_directions(tmp_path):
    arrays = stacked_arrays(tmp_path, bidirectional=True)
    arrays["weight_out"] = arrays["weight_out"][:, :3]
    assert "weight_out has shape (4, 3), expected (4, 6)" in load_error(save_arrays(tmp_path / "m.npz", **arrays))


# --- Keras --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "case, cell, layers, bidirectional",
    [
        ("lstm_bidirectional2", "lstm", 2, True),
        ("gru_bidirectional", "gru", 1, True),
        ("gru_cho_stacked3", "gru-cho", 3, False),
    ],
)
def test_keras_stacked_and_bidirectional_match_real_keras(case, cell, layers, bidirectional):
    """Fixtures from Keras 3 itself (tests/fixtures/make_keras_fixtures.py), weights under Keras's own
    variable paths and a vocabulary in order of first appearance."""
    loaded = load_model_file(KERAS / f"{case}.npz")
    expected = np.load(KERAS / f"{case}_expected.npz", allow_pickle=False)
    model = loaded.model
    assert loaded.layout == "keras" and (model.name, model.num_layers, model.bidirectional) == (
        cell,
        layers,
        bidirectional,
    )
    assert model.vocab.chars == "helo, wrd!"  # unsorted, kept
    text = str(expected["text"])
    np.testing.assert_array_equal(model.vocab.one_hot(text), expected["inputs"])
    np.testing.assert_allclose(model.run(text).outputs, expected["output"], rtol=0, atol=1e-12)


def test_keras_sum_merge_is_refused():
    message = load_error(KERAS / "lstm_bidirectional_sum.npz")
    assert "kernel of layer 1 has shape (3, 12), expected (6, 12)" in message and "merge by concat" in message


def keras_arrays(case):
    with np.load(KERAS / f"{case}.npz", allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def test_keras_bidirectional_needs_both_sides_everywhere(tmp_path):
    arrays = keras_arrays("lstm_bidirectional2")
    for name in ("kernel", "recurrent_kernel", "bias"):
        del arrays[f"sequential/bidirectional_1/backward_lstm_1/lstm_cell/{name}"]
    message = load_error(save_arrays(tmp_path / "k.npz", **arrays))
    assert "must all be Bidirectional or all not" in message


def test_keras_layer_missing_an_array_is_named(tmp_path):
    arrays = keras_arrays("gru_cho_stacked3")
    del arrays["sequential_2/gru_2/gru_cell/bias"]
    assert "missing key sequential_2/gru_2/gru_cell/bias" in load_error(save_arrays(tmp_path / "k.npz", **arrays))


def test_keras_single_layer_with_an_unsorted_vocabulary(tmp_path):
    """The bare kernel/recurrent_kernel/bias layout, its kernel rows listed in another order."""
    arrays = keras_arrays("lstm")
    vocab = str(arrays["vocab"])
    order = vocab[::-1]
    arrays["kernel"] = arrays["kernel"][[vocab.index(char) for char in order]]
    arrays["vocab"] = np.array(order)
    original, reordered = load_model(KERAS / "lstm.npz"), load_model(save_arrays(tmp_path / "k.npz", **arrays))
    assert reordered.vocab.chars == order
    np.testing.assert_allclose(reordered.run("hello").outputs, original.run("hello").outputs, rtol=0, atol=1e-15)


# --- PyTorch .pt ----------------------------------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("layer, cell", [("LSTM", "lstm"), ("GRU", "gru"), ("RNN", "rnn")])
def test_pytorch_stacked_bidirectional_state_dict_matches_torch(tmp_path, layer, cell):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    torch.manual_seed(4)
    module = getattr(torch.nn, layer)(len(UNSORTED), 3, num_layers=3, bidirectional=True).double()
    torch.save(module.state_dict(), tmp_path / "m.pt")
    (tmp_path / "m.json").write_text(json.dumps({"cell": cell, "vocab": UNSORTED}))
    model = load_model(tmp_path / "m.pt")
    assert (model.num_layers, model.bidirectional, model.vocab.chars) == (3, True, UNSORTED)
    inputs = torch.tensor(model.vocab.one_hot(TEXT))  # columns in the sidecar's order, as torch was fed
    expected = module(inputs)[0].detach().numpy()
    np.testing.assert_allclose(model.run(TEXT).outputs, expected, rtol=0, atol=1e-12)


@pytest.mark.torch
def test_pytorch_projection_is_refused_with_a_reason(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    torch.save(torch.nn.LSTM(4, 3, proj_size=2).state_dict(), tmp_path / "m.pt")
    message = load_error(tmp_path / "m.pt", cell="lstm", vocab="abcd")
    assert "unexpected key 'weight_hr_l0'" in message and "proj_size, are not supported" in message
