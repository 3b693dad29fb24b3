"""Weight files: exact round trips, Keras and PyTorch imports, and one test per kind of damaged file."""

from __future__ import annotations

import io
import json
import pathlib
import struct
import sys
import zipfile

import numpy as np
import pytest

from lstm_tui.errors import UserError
from lstm_tui.model import CELLS, CharModel
from lstm_tui.model.weights import MAX_DATA_BYTES, MAX_MEMBERS, load_model, load_model_file, save_model

from ..helpers import load_error, save_arrays

KERAS = pathlib.Path(__file__).parent.parent / "fixtures" / "keras"
VOCAB = "abcd"
HIDDEN = 3


@pytest.fixture
def good_arrays(tmp_path):
    """The arrays of a valid saved LSTM file, to be damaged one way at a time."""
    model = CharModel.random("lstm", HIDDEN, seed=5, vocab=VOCAB, output_layer=True)
    save_model(model, tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz", allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


# --- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CELLS))
def test_every_registry_cell_round_trips_exactly(tmp_path, name, dtype):
    model = CharModel.random(name, 5, seed=11, vocab="\n abcé", output_layer=True, dtype=dtype)
    meta = {"trained_on": "nothing", "steps": 0, "notes": ["é", None]}
    save_model(model, tmp_path / "m.npz", meta=meta)
    loaded = load_model_file(tmp_path / "m.npz")
    assert loaded.layout == "lstm-tui" and loaded.meta == meta
    restored = loaded.model
    assert restored.name == name and restored.vocab.chars == model.vocab.chars
    assert restored.cell.hidden_size == 5 and restored.cell.dtype == np.dtype(dtype)
    assert set(restored.cell.params) == set(model.cell.params)
    for key, value in model.cell.params.items():
        assert restored.cell.params[key].dtype == value.dtype
        np.testing.assert_array_equal(restored.cell.params[key], value)
    for key, value in model.output.items():
        np.testing.assert_array_equal(restored.output[key], value)
    text = "ab\nca é"
    np.testing.assert_array_equal(restored.run(text).forward.trace["h"], model.run(text).forward.trace["h"])


def test_file_uses_pytorch_keys_and_plain_names(tmp_path):
    save_model(CharModel.random("lstm-peephole", 4, vocab=VOCAB), tmp_path / "p.npz")
    with np.load(tmp_path / "p.npz", allow_pickle=False) as npz:
        assert set(npz.files) == {
            "weight_ih_l0",
            "weight_hh_l0",
            "bias_ih_l0",
            "bias_hh_l0",
            "peephole_i",
            "peephole_f",
            "peephole_o",
            "cell",
            "vocab",
        }
        assert npz["cell"].item() == "lstm-peephole" and npz["vocab"].item() == VOCAB


def test_model_without_output_layer_or_meta(tmp_path):
    save_model(CharModel.random("rnn", 2, vocab=VOCAB), tmp_path / "r.npz")
    loaded = load_model_file(tmp_path / "r.npz")
    assert loaded.model.output is None and loaded.meta is None


def test_save_refuses_non_finite_weights_and_keeps_no_partial_file(tmp_path):
    model = CharModel.random("rnn", 2, vocab=VOCAB)
    model.cell.params["weight_hh"][0, 0] = np.nan
    with pytest.raises(UserError, match="weight_hh_l0 holds NaN"):
        save_model(model, tmp_path / "r.npz")
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_meta_that_is_not_json(tmp_path):
    with pytest.raises(UserError, match="meta is not JSON"):
        save_model(CharModel.random("rnn", 2, vocab=VOCAB), tmp_path / "r.npz", meta={"when": object()})


def test_asked_cell_and_vocab_must_agree_with_the_file(tmp_path, good_arrays):
    path = save_arrays(tmp_path / "m.npz", **good_arrays)
    assert load_model(path, cell="lstm", vocab=VOCAB).name == "lstm"
    assert "cell 'lstm' differs from the one given, 'gru'" in load_error(path, cell="gru")
    assert "vocab 'abcd' differs" in load_error(path, vocab="abce")


# --- Keras ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case, cell", [("lstm", "lstm"), ("gru", "gru"), ("gru_cho", "gru-cho")])
def test_keras_layers_match_real_keras_output(case, cell):
    """Fixtures made by Keras 3 itself in float64 (tests/fixtures/make_keras_fixtures.py)."""
    loaded = load_model_file(KERAS / f"{case}.npz")
    expected = np.load(KERAS / f"{case}_expected.npz", allow_pickle=False)
    assert loaded.layout == "keras" and loaded.model.name == cell
    text = str(expected["text"])
    run = loaded.model.run(text)
    assert not run.in_vocab.all()  # the fixture text has a character outside the vocabulary
    np.testing.assert_array_equal(loaded.model.vocab.one_hot(text), expected["inputs"])
    np.testing.assert_allclose(run.forward.trace["h"], expected["h"], rtol=0, atol=1e-12)
    if "c_final" in expected:
        np.testing.assert_allclose(run.forward.state["c"], expected["c_final"], rtol=0, atol=1e-12)


def test_keras_gru_blocks_are_reordered_to_pytorch_rows():
    keras = np.load(KERAS / "gru.npz", allow_pickle=False)
    params = load_model(KERAS / "gru.npz").cell.params
    units = keras["recurrent_kernel"].shape[0]
    z, r, h = (slice(k * units, (k + 1) * units) for k in range(3))
    rows = {"r": slice(0, units), "z": slice(units, 2 * units), "n": slice(2 * units, 3 * units)}
    for keras_block, row in ((r, rows["r"]), (z, rows["z"]), (h, rows["n"])):
        np.testing.assert_array_equal(params["weight_ih"][row], keras["kernel"][:, keras_block].T)
        np.testing.assert_array_equal(params["weight_hh"][row], keras["recurrent_kernel"][:, keras_block].T)
        np.testing.assert_array_equal(params["bias_ih"][row], keras["bias"][0, keras_block])
        np.testing.assert_array_equal(params["bias_hh"][row], keras["bias"][1, keras_block])


def test_keras_lstm_puts_its_single_bias_in_bias_ih():
    keras = np.load(KERAS / "lstm.npz", allow_pickle=False)
    params = load_model(KERAS / "lstm.npz").cell.params
    np.testing.assert_array_equal(params["bias_ih"], keras["bias"])
    np.testing.assert_array_equal(params["bias_hh"], np.zeros_like(keras["bias"]))


def test_keras_gru_reset_before_file_refuses_the_reset_after_cell(tmp_path):
    with np.load(KERAS / "gru_cho.npz", allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    arrays["cell"] = np.array("gru")
    message = load_error(save_arrays(tmp_path / "k.npz", **arrays))
    assert "this Keras GRU computes cell 'gru-cho', not 'gru'" in message


def test_keras_bias_of_the_wrong_shape(tmp_path):
    with np.load(KERAS / "gru.npz", allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    arrays["bias"] = np.zeros((3, 15))
    assert "bias has shape (3, 15), expected (2, 15) or (15,)" in load_error(save_arrays(tmp_path / "k.npz", **arrays))


# --- PyTorch --------------------------------------------------------------------------------------


def test_pt_file_without_torch_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail, installed or not
    path = tmp_path / "m.pt"
    path.write_bytes(b"not relevant: torch is needed first")
    assert "pip install torch==2.13.0" in load_error(path, cell="lstm", vocab=VOCAB)


@pytest.mark.torch
@pytest.mark.parametrize("layer, cell", [("LSTM", "lstm"), ("GRU", "gru"), ("RNN", "rnn")])
def test_pytorch_state_dict_matches_torch(tmp_path, layer, cell):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    torch.manual_seed(3)
    module = getattr(torch.nn, layer)(len(VOCAB), HIDDEN).double()
    torch.save(module.state_dict(), tmp_path / "m.pt")
    model = load_model(tmp_path / "m.pt", cell=cell, vocab=VOCAB)
    text = "abdcab"
    inputs = torch.tensor(model.vocab.one_hot(text)).unsqueeze(1)
    expected = module(inputs)[0][:, 0].detach().numpy()
    np.testing.assert_allclose(model.run(text).forward.trace["h"], expected, rtol=0, atol=1e-12)


@pytest.mark.torch
def test_pytorch_sidecar_names_cell_vocab_and_meta(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    torch.save(torch.nn.GRU(len(VOCAB), HIDDEN).state_dict(), tmp_path / "m.pt")
    (tmp_path / "m.json").write_text(json.dumps({"cell": "gru", "vocab": VOCAB, "meta": {"epochs": 2}}))
    loaded = load_model_file(tmp_path / "m.pt")
    assert loaded.layout == "pytorch" and loaded.model.name == "gru" and loaded.meta == {"epochs": 2}
    assert loaded.model.cell.dtype == np.float32  # torch's default dtype, kept


@pytest.mark.torch
def test_pytorch_file_without_names_points_to_the_sidecar(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    torch.save(torch.nn.RNN(len(VOCAB), HIDDEN).state_dict(), tmp_path / "m.pt")
    assert "no vocab given; a state_dict has none, so name it in m.json" in load_error(tmp_path / "m.pt", cell="rnn")


@pytest.mark.torch
def test_pytorch_file_with_a_pickled_object_is_refused(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    torch.save({"weight_ih_l0": torch.zeros(3, 4), "note": pathlib.PurePosixPath("x")}, tmp_path / "m.pt")
    assert "refused by torch.load with weights_only=True" in load_error(tmp_path / "m.pt", cell="rnn", vocab=VOCAB)


def torch_lstm_state(torch, **replaced):
    state = dict(torch.nn.LSTM(len(VOCAB), HIDDEN).state_dict())
    state.update(replaced)
    return state


def torch_load_error(tmp_path, state, sidecar=None) -> str:
    import torch

    torch.save(state, tmp_path / "m.pt")
    (tmp_path / "m.json").write_text(sidecar or json.dumps({"cell": "lstm", "vocab": VOCAB}))
    return load_error(tmp_path / "m.pt")


@pytest.mark.torch
def test_pytorch_tensors_numpy_cannot_hold_are_refused(tmp_path):
    """Each of these crashed in tensor.numpy() (TypeError, NotImplementedError) instead of a one-line error."""
    torch = pytest.importorskip("torch", reason="torch is not installed")
    weight = torch.zeros(4 * HIDDEN, len(VOCAB))
    for tensor, expected in (
        (weight.to_sparse(), "weight_ih_l0 is a sparse_coo tensor; weights must be dense"),
        (weight.to_sparse_csr(), "weight_ih_l0 is a sparse_csr tensor"),
        (torch.zeros(4 * HIDDEN, len(VOCAB), device="meta"), "weight_ih_l0 is on the meta device"),
        (weight.to(torch.float8_e4m3fn), "weight_ih_l0 has dtype torch.float8_e4m3fn; weights must be floating point"),
        (weight.to(torch.float8_e5m2), "has dtype torch.float8_e5m2"),
        (weight.to(torch.uint16), "has dtype torch.uint16"),
    ):
        assert expected in torch_load_error(tmp_path, torch_lstm_state(torch, weight_ih_l0=tensor))


@pytest.mark.torch
def test_pytorch_half_and_bfloat16_load(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    for dtype in (torch.float16, torch.bfloat16):
        state = {key: value.to(dtype) for key, value in torch_lstm_state(torch).items()}
        torch.save(state, tmp_path / "m.pt")
        (tmp_path / "m.json").write_text(json.dumps({"cell": "lstm", "vocab": VOCAB}))
        assert load_model(tmp_path / "m.pt").cell.hidden_size == HIDDEN


@pytest.mark.torch
def test_pytorch_views_of_one_storage_are_counted_in_full(tmp_path, monkeypatch):
    """Many keys can view one stored tensor: the copies they would make are what is bounded."""
    torch = pytest.importorskip("torch", reason="torch is not installed")
    storage = torch.zeros(1000, 1000)
    monkeypatch.setattr("lstm_tui.model.weights.MAX_DATA_BYTES", 10 * 2**20)
    state = {f"view{k}": storage[k:] for k in range(5)}  # 4 MB on disk, ~20 MB once copied
    assert "its tensors hold 19.0 MiB, over the 10.0 MiB limit" in torch_load_error(tmp_path, state)


@pytest.mark.torch
def test_pytorch_sidecar_nested_too_deeply(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    deep = "[" * 100_000 + "]" * 100_000
    torch.save(torch_lstm_state(torch), tmp_path / "m.pt")
    for sidecar in (deep, '{"cell": "lstm", "vocab": "abcd", "meta": {"a": ' + deep + "}}"):
        (tmp_path / "m.json").write_text(sidecar)
        with pytest.raises(UserError, match=r"m\.json: not a readable JSON sidecar \(nested too deeply\)"):
            load_model(tmp_path / "m.pt")


# --- damaged files: one test per kind of damage --------------------------------------------------


def test_not_an_npz(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("just some text\n")
    assert "not an .npz file (no zip signature)" in load_error(path)


def test_single_npy_instead_of_npz(tmp_path):
    path = tmp_path / "one.npz"
    with open(path, "wb") as stream:
        np.save(stream, np.zeros(3))
    assert "a single .npy array, not an .npz archive" in load_error(path)


def test_truncated_file(tmp_path, good_arrays):
    whole = save_arrays(tmp_path / "whole.npz", **good_arrays).read_bytes()
    path = tmp_path / "cut.npz"
    path.write_bytes(whole[: len(whole) // 2])
    assert "truncated or damaged" in load_error(path)


def test_corrupted_array_data(tmp_path, good_arrays):
    data = bytearray(save_arrays(tmp_path / "m.npz", **good_arrays).read_bytes())
    offset = data.index(b"\x93NUMPY") + 200  # inside the first array's data: the CRC no longer matches
    data[offset] ^= 0xFF
    path = tmp_path / "flipped.npz"
    path.write_bytes(bytes(data))
    assert "damaged" in load_error(path)


def test_missing_key(tmp_path, good_arrays):
    del good_arrays["weight_hh_l0"]
    assert "missing key weight_hh_l0 for cell 'lstm'" in load_error(save_arrays(tmp_path / "m.npz", **good_arrays))


def test_missing_vocab(tmp_path, good_arrays):
    del good_arrays["vocab"]
    assert "no vocab stored" in load_error(save_arrays(tmp_path / "m.npz", **good_arrays))


def test_keras_layout_missing_its_bias(tmp_path):
    with np.load(KERAS / "lstm.npz", allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files if key != "bias"}
    assert "Keras layout missing key bias" in load_error(save_arrays(tmp_path / "k.npz", **arrays))


def test_extra_key(tmp_path, good_arrays):
    good_arrays["peephole_i"] = np.zeros(HIDDEN)
    assert "unexpected key 'peephole_i' for cell 'lstm'" in load_error(save_arrays(tmp_path / "m.npz", **good_arrays))


def test_unprefixed_pytorch_name_is_an_extra_key(tmp_path, good_arrays):
    good_arrays["weight_ih"] = good_arrays.pop("weight_ih_l0")
    message = load_error(save_arrays(tmp_path / "m.npz", **good_arrays))
    assert "missing key weight_ih_l0; unexpected key 'weight_ih'" in message


def test_wrong_shape(tmp_path, good_arrays):
    good_arrays["weight_hh_l0"] = np.zeros((4 * HIDDEN, HIDDEN + 1))
    message = load_error(save_arrays(tmp_path / "m.npz", **good_arrays))
    expected = f"weight_hh_l0 has shape (12, 4), expected (12, 3) (cell 'lstm', hidden size {HIDDEN}, 4 characters)"
    assert expected in message


def test_wrong_output_layer_shape(tmp_path, good_arrays):
    good_arrays["weight_out"] = np.zeros((len(VOCAB) + 1, HIDDEN))
    assert "weight_out has shape (5, 3), expected (4, 3)" in load_error(save_arrays(tmp_path / "m.npz", **good_arrays))


def test_nan(tmp_path, good_arrays):
    good_arrays["bias_ih_l0"][2] = np.nan
    assert "bias_ih_l0 contains NaN" in load_error(save_arrays(tmp_path / "m.npz", **good_arrays))


def test_infinity(tmp_path, good_arrays):
    good_arrays["weight_out"][0, 1] = -np.inf
    assert "weight_out contains infinite values" in load_error(save_arrays(tmp_path / "m.npz", **good_arrays))


def test_object_array_with_a_pickle_inside(tmp_path, good_arrays):
    good_arrays["weight_ih_l0"] = np.array([{"payload": "would run on unpickling"}], dtype=object)
    message = load_error(save_arrays(tmp_path / "m.npz", **good_arrays))
    assert "weight_ih_l0 holds Python objects (pickled data), which are never loaded" in message


def test_integer_dtype(tmp_path, good_arrays):
    good_arrays["bias_hh_l0"] = good_arrays["bias_hh_l0"].astype(np.int64)
    assert "bias_hh_l0 has dtype int64; weights must be floating point" in load_error(
        save_arrays(tmp_path / "m.npz", **good_arrays)
    )


def test_complex_dtype(tmp_path, good_arrays):
    good_arrays["weight_hh_l0"] = good_arrays["weight_hh_l0"].astype(np.complex128)
    assert "weight_hh_l0 is complex (complex128)" in load_error(save_arrays(tmp_path / "m.npz", **good_arrays))


def test_vocab_with_repeated_characters(tmp_path, good_arrays):
    good_arrays["vocab"] = np.array("abbd")
    assert "vocab repeats characters 'b'" in load_error(save_arrays(tmp_path / "m.npz", **good_arrays))


def test_vocab_that_is_not_a_string(tmp_path, good_arrays):
    good_arrays["vocab"] = np.arange(4.0)
    assert "vocab must be a text string, not float64" in load_error(save_arrays(tmp_path / "m.npz", **good_arrays))


def test_unknown_cell_name(tmp_path, good_arrays):
    good_arrays["cell"] = np.array("lstm-turbo")
    assert "unknown cell 'lstm-turbo'" in load_error(save_arrays(tmp_path / "m.npz", **good_arrays))


def test_meta_that_is_not_json(tmp_path, good_arrays):
    good_arrays["meta"] = np.array("{'single': 'quotes'}")
    assert "meta is not valid JSON" in load_error(save_arrays(tmp_path / "m.npz", **good_arrays))


def test_zip_bomb_declared_size_is_refused_before_decompressing(tmp_path, good_arrays):
    path = save_arrays(tmp_path / "m.npz", **good_arrays)
    declare_uncompressed_size(path, "weight_hh_l0.npy", 0xF000_0000)
    assert "declares 3840.0 MiB of uncompressed data, over the 256.0 MiB limit" in load_error(path)


def test_array_header_claiming_more_data_than_its_entry_holds(tmp_path, good_arrays):
    """numpy would allocate the header's shape before reading: the claim is checked against the entry."""
    path = save_arrays(tmp_path / "m.npz", **good_arrays)
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    forged = io.BytesIO()
    np.lib.format.write_array_header_1_0(forged, {"descr": "<f8", "fortran_order": False, "shape": (10**10,)})
    entries["bias_ih_l0.npy"] = forged.getvalue() + good_arrays["bias_ih_l0"].tobytes()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    assert "bias_ih_l0 claims shape (10000000000,)" in load_error(path)


def rewrite_entry(path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as archive:
        entries = {entry: archive.read(entry) for entry in archive.namelist()}
    entries[name] = data
    with zipfile.ZipFile(path, "w") as archive:
        for entry, content in entries.items():
            archive.writestr(entry, content)


def npy_with_header(header: dict, data: bytes = b"") -> bytes:
    forged = io.BytesIO()
    np.lib.format.write_array_header_1_0(forged, header)
    return forged.getvalue() + data


@pytest.mark.parametrize("shape", [(2**63, 0), (2**64, 0), (0, 2**63), (-1,), (3, -1), (2**62, 2**62, 0)])
def test_array_header_whose_shape_overflows(tmp_path, good_arrays, shape):
    """A zero-size claim passes the size check, and NumPy then overflowed int64 on the dimensions."""
    path = save_arrays(tmp_path / "m.npz", **good_arrays)
    rewrite_entry(path, "bias_ih_l0.npy", npy_with_header({"descr": "<f8", "fortran_order": False, "shape": shape}))
    assert f"bias_ih_l0 claims shape {shape}, which no array can have" in load_error(path)


@pytest.mark.parametrize("code_point", [0x110000, 0xFFFFFFFF])
def test_vocab_code_point_beyond_unicode(tmp_path, good_arrays, code_point):
    """NumPy's UTF-32 holds any 32-bit value; turning U+110000 into str raised SystemError (a crash)."""
    path = save_arrays(tmp_path / "m.npz", **good_arrays)
    data = np.array([ord("a"), code_point], dtype="<u4").tobytes()
    rewrite_entry(path, "vocab.npy", npy_with_header({"descr": "<U2", "fortran_order": False, "shape": ()}, data))
    assert "vocab holds a code point beyond U+10FFFF" in load_error(path)


def test_meta_nested_too_deeply(tmp_path, good_arrays):
    deep = "[" * 30_000 + "]" * 30_000  # within the meta size limit; json.loads raised RecursionError
    path = save_arrays(tmp_path / "m.npz", **{**good_arrays, "meta": np.array('{"a": ' + deep + "}")})
    assert "meta is nested too deeply" in load_error(path)


def test_too_many_entries(tmp_path, good_arrays):
    extra = {f"x{k}": np.zeros(1) for k in range(MAX_MEMBERS)}
    path = save_arrays(tmp_path / "m.npz", **good_arrays, **extra)
    assert f"entries, over the limit of {MAX_MEMBERS}" in load_error(path)


def test_oversized_file_on_disk(tmp_path, good_arrays, monkeypatch):
    path = save_arrays(tmp_path / "m.npz", **good_arrays)
    monkeypatch.setattr("lstm_tui.model.weights.MAX_FILE_BYTES", path.stat().st_size - 1)
    assert f"{path.stat().st_size} bytes on disk, over the" in load_error(path)


def test_missing_file(tmp_path):
    assert "cannot read (No such file or directory)" in load_error(tmp_path / "absent.npz")


def declare_uncompressed_size(path: pathlib.Path, member: str, size: int) -> None:
    """Forge the uncompressed size a zip declares for ``member``, in its local header and central directory."""
    data = bytearray(path.read_bytes())
    # (signature, offset of the uncompressed size, offset of the name length, offset of the name)
    for signature, size_at, length_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        start = data.find(signature)
        while start >= 0:
            (length,) = struct.unpack_from("<H", data, start + length_at)
            if data[start + name_at : start + name_at + length] == member.encode():
                struct.pack_into("<I", data, start + size_at, size)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))
    assert size > MAX_DATA_BYTES


def test_a_garbled_zip_version_is_a_clean_error():
    """Found by the fuzzer: zipfile raises NotImplementedError ("zip file version 10.9") while reading
    the directory of a file whose version field was damaged."""
    path = pathlib.Path(__file__).parent.parent / "fixtures" / "damaged" / "zip-version-10.9.npz"
    with pytest.raises(UserError, match="zip directory cannot be read"):
        load_model(path)
