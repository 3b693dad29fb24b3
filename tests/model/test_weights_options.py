"""Weight files keep the options a cell was built with (heads, the stabiliser), so a model comes back as it
was saved: same heads, same switch, same numbers."""

import json

import numpy as np
import pytest

from lstm_tui.errors import UserError
from lstm_tui.model import CharModel
from lstm_tui.model.weights import load_model, save_model

from ..helpers import load_error, save_arrays

TEXT = "ok (we (go) up)"


@pytest.mark.parametrize(
    "cell, options, layers, bidirectional",
    [
        ("slstm", {"heads": 4, "stabilised": False}, 1, False),
        ("slstm", {"heads": 2}, 2, True),
        ("mlstm", {"heads": 2, "stabilised": True}, 1, False),
        ("mlstm", {"heads": 4}, 2, False),
        ("rglru", {"heads": 4}, 1, True),
    ],
)
def test_a_model_with_heads_comes_back_with_its_heads_and_numbers(tmp_path, cell, options, layers, bidirectional):
    model = CharModel.random(
        cell, 8, seed=4, output_layer=True, num_layers=layers, bidirectional=bidirectional, **options
    )
    path = tmp_path / "model.npz"
    save_model(model, path)
    loaded = load_model(path)
    for (*_, saved), (*_, back) in zip(model.stack.all_cells(), loaded.stack.all_cells()):
        assert back.build_options() == saved.build_options()
        assert back.build_options()["heads"] == options["heads"]
    np.testing.assert_array_equal(loaded.run(TEXT).probabilities, model.run(TEXT).probabilities)


def test_cells_without_options_write_none(tmp_path):
    path = tmp_path / "lstm.npz"
    save_model(CharModel.random("lstm", 4), path)
    with np.load(path, allow_pickle=False) as npz:
        assert "options" not in npz.files


def test_a_file_without_options_gets_the_defaults(tmp_path):
    """Files written before options were kept: one head, the stabiliser on."""
    model = CharModel.random("slstm", 6, seed=1)
    path = tmp_path / "old.npz"
    save_model(model, path)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files if key != "options"}
    save_arrays(path, **arrays)
    assert load_model(path).cell.build_options() == {"heads": 1, "stabilised": True}


def test_a_stack_whose_cells_differ_in_options_is_refused(tmp_path):
    model = CharModel.random("slstm", 4, num_layers=2)
    model.stack.cells[1][0].stabilised = False
    with pytest.raises(UserError, match="different options"):
        save_model(model, tmp_path / "mixed.npz")


@pytest.mark.parametrize(
    "options, message",
    [
        ({"heads": 3}, "hidden size 12 in 3 heads"),
        ({"heads": 0}, "heads must be at least 1"),
        ({"heads": "4"}, "option heads must be int"),
        ({"heads": True}, "option heads must be int"),
        ({"stabilised": 1}, "option stabilised must be bool"),
        ({"dropout": 0.1}, "has no option 'dropout' (its options: heads, stabilised)"),
        ([4], "options must be a JSON object"),
    ],
)
def test_bad_options_are_one_line_messages(tmp_path, options, message):
    model = CharModel.random("slstm", 4, seed=2)
    path = tmp_path / "bad.npz"
    save_model(model, path)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    arrays["options"] = np.array(json.dumps(options))
    save_arrays(path, **arrays)
    assert message in load_error(path)


def test_options_that_are_not_json_are_refused(tmp_path):
    model = CharModel.random("rglru", 4)
    path = tmp_path / "bad.npz"
    save_model(model, path)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    arrays["options"] = np.array("{heads: NaN")
    save_arrays(path, **arrays)
    assert "options is not valid JSON" in load_error(path)
