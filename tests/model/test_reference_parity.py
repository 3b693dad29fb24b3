"""Parity of the modern cells with their published reference implementations.

* sLSTM and mLSTM: NX-AI/xlstm 2.0.6 (``xlstm/blocks/slstm/src/vanilla/slstm.py`` through ``sLSTMCell``
  with backend "vanilla"; ``xlstm/blocks/mlstm/backends.py``);
* minGRU and minLSTM: lucidrains/minGRU-pytorch 0.2.1 (``minGRU_pytorch/minGRU.py``, ``minLSTM.py``);
* RG-LRU: google-deepmind/recurrentgemma 1.0.1 (``recurrentgemma/torch/layers.py``, ``RGLRU``).

All three install on CPU (the ``reference`` extra; recurrentgemma pins numpy below 2.4, so a separate
virtualenv keeps the project's numpy). The fixture tests always run: tests/fixtures/reference/ holds what
the packages computed once (``tests/fixtures/make_reference_fixtures.py``, which also documents how each
layout maps onto ours). The live tests (marker ``reference``) draw fresh weights and run the packages
themselves; they are skipped when a package is missing.

Tolerances: float64 results agree to rounding (1e-12); float32 to 5e-5 absolute (values up to ~10). The
RG-LRU reference keeps its state in float32 even for float64 inputs, so float64 is checked to 1e-6 against
it as shipped and to 1e-12 against it with a float64 accumulator.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstm_tui.model import build_cell
from lstm_tui.model.minimal import g

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "reference"
TOLERANCE = {"float64": 1e-12, "float32": 5e-5}
RGLRU_FLOAT32_STATE = 1e-6  # the reference's float32 state against a float64 cell
MISSING = "{} not installed: pip install -e '.[reference]' (in a separate virtualenv) for live parity"


def load(name):
    with np.load(FIXTURES / f"{name}.npz", allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def part(arrays, prefix):
    return {key[len(prefix) + 1 :]: value for key, value in arrays.items() if key.startswith(prefix + "/")}


def cases(arrays):
    return sorted({key.split("/")[0] for key in arrays})


def assert_close(actual, expected, dtype, what, tolerance=None):
    np.testing.assert_allclose(actual, expected, rtol=0, atol=tolerance or TOLERANCE[dtype], err_msg=what)


def heads_of(case):
    return int(case.removeprefix("heads").split("_")[0])


# --- the comparisons, shared by fixture and live tests -----------------------------------------------------
def check_slstm(params, inputs, state, heads, dtype, expected):
    cell = build_cell(
        "slstm", inputs.shape[-1], params["weight_ih"].shape[0] // 4, heads=heads, params=params, dtype=dtype
    )
    result = cell.forward(inputs, {name: value.astype(dtype) for name, value in state.items()})
    for name in ("h", "c", "n", "m"):
        assert_close(result.trace[name], expected[name], dtype, f"sLSTM {name}, every step")


def check_mlstm(params, inputs, state, heads, dtype, expected):
    cell = build_cell(
        "mlstm", inputs.shape[-1], params["weight_ih"].shape[0] // 4, heads=heads, params=params, dtype=dtype
    )
    result = cell.forward(inputs, {name: value.astype(dtype) for name, value in state.items()})
    assert_close(result.trace["h"], expected["h_step"], dtype, "mLSTM step form")
    assert_close(result.trace["n"], expected["n"], dtype, "mLSTM n")
    assert_close(result.trace["m"][..., :: cell.head_size], expected["m"], dtype, "mLSTM m")
    assert_close(result.state["C"], expected["C_final"], dtype, "mLSTM final C")
    assert_close(cell.parallel_forward(inputs, state), expected["h_chunkwise"], dtype, "mLSTM parallel from a state")
    if not state["C"].any():  # the reference's parallel form has no initial state: ours with m₀ = −∞
        no_state = {**state, "m": np.full_like(state["m"], -np.inf)}
        assert_close(cell.parallel_forward(inputs, no_state), expected["h_parallel"], dtype, "mLSTM parallel form")


def check_rglru(params, inputs, h0, heads, dtype, expected, tolerance=None):
    cell = build_cell("rglru", inputs.shape[-1], params["lambda"].shape[0], heads=heads, params=params, dtype=dtype)
    result = cell.forward(inputs, {"h": h0.astype(dtype)})
    assert_close(result.trace["h"], expected["h"], dtype, "RG-LRU h", tolerance)
    assert_close(result.state["h"], expected["h_final"], dtype, "RG-LRU final h", tolerance)


def check_minimal(kind, params, inputs, h0, dtype, expected):
    """Our sequential and parallel forms against the reference's sequential formula, for any h₀; against
    its parallel scan where that scan is right (no h₀, or a positive h₀ for minGRU)."""
    cell = build_cell(kind, inputs.shape[-1], params["weight_ih"].shape[1], params=params, dtype=dtype)
    state = None if h0 is None else {"h": h0.astype(dtype)}
    sequential = cell.forward(inputs, state).trace["h"]
    parallel = cell.parallel_forward(inputs, state)
    assert_close(sequential, expected["sequential"], dtype, f"{kind} sequential form")
    assert_close(parallel, expected["sequential"], dtype, f"{kind} parallel scan vs the reference's sequential")
    if h0 is None or (kind == "mingru" and np.all(h0 > 0)):
        assert_close(parallel, expected["parallel"], dtype, f"{kind} parallel scan")


# --- fixtures: always run ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ["slstm", "mlstm"])
def test_xlstm_cells_match_fixtures(name, dtype):
    arrays = load(name)
    check = check_slstm if name == "slstm" else check_mlstm
    for case in cases(arrays):
        data = part(arrays, case)
        check(part(data, "param"), data["inputs"], part(data, "state"), heads_of(case), dtype, part(data, dtype))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_rglru_matches_fixtures(dtype):
    arrays = load("rglru")
    for case in cases(arrays):
        data = part(arrays, case)
        args = (part(data, "param"), data["inputs"], data["state_h"], heads_of(case), dtype)
        shipped = RGLRU_FLOAT32_STATE if dtype == "float64" else None
        check_rglru(*args, part(data, dtype), tolerance=shipped)
        if dtype == "float64":
            check_rglru(*args, part(data, "float64_state"))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", ["mingru", "minlstm"])
def test_minimal_cells_match_fixtures(kind, dtype):
    arrays = load(kind)
    for start in ("zero", "positive", "mixed"):
        h0 = arrays.get(f"{start}/state_h")
        check_minimal(kind, part(arrays, "param"), arrays["inputs"], h0, dtype, part(arrays, f"{start}/{dtype}"))


def test_the_reference_parallel_scans_mishandle_an_initial_state():
    """The trap the app shows: minGRU-pytorch's scan takes log h₀ (NaN for a negative entry) and its minLSTM
    scan log g(h₀), so its parallel minLSTM is the sequential one started from g(h₀), not from h₀."""
    mingru = load("mingru")
    assert np.isnan(mingru["mixed/float64/parallel"]).any()
    assert not np.isnan(mingru["mixed/float64/sequential"]).any()
    minlstm = load("minlstm")
    params, inputs = part(minlstm, "param"), minlstm["inputs"]
    cell = build_cell("minlstm", inputs.shape[-1], params["weight_ih"].shape[1], params=params)
    for start in ("positive", "mixed"):
        h0 = minlstm[f"{start}/state_h"]
        expected = part(minlstm, f"{start}/float64")
        assert np.max(np.abs(expected["parallel"] - expected["sequential"])) > 0.1  # the gap is real
        from_g = cell.forward(inputs, {"h": g(h0)}).trace["h"]
        assert_close(from_g, expected["parallel"], "float64", "the reference's parallel minLSTM starts from g(h₀)")


def test_mlstm_reference_step_and_parallel_differ_by_the_epsilon_from_zero_state():
    """From the zero state (m₀ = 0) the reference's step and parallel forms differ slightly: the ε in the
    read-out's denominator meets exp(m) at different scales. Ours share the stabiliser, so they agree."""
    arrays = load("mlstm")
    data = part(arrays, "heads1_zero")
    expected = part(data, "float64")
    gap = np.max(np.abs(expected["h_step"] - expected["h_parallel"]))
    assert 1e-10 < gap < 1e-5
    cell = build_cell("mlstm", data["inputs"].shape[-1], 8, params=part(data, "param"))
    ours = cell.forward(data["inputs"]).trace["h"] - cell.parallel_forward(data["inputs"])
    assert np.max(np.abs(ours)) < 1e-12


def test_a_changed_weight_breaks_parity():
    """The comparisons can fail: one weight off by 1e-3 is caught for every cell."""
    for name, check in (("slstm", check_slstm), ("mlstm", check_mlstm)):
        data = part(load(name), "heads1_state")
        params = {key: value.copy() for key, value in part(data, "param").items()}
        params["weight_ih"][0, 0] += 1e-3
        with pytest.raises(AssertionError):
            check(params, data["inputs"], part(data, "state"), 1, "float64", part(data, "float64"))
    arrays = load("mingru")
    params = {key: value.copy() for key, value in part(arrays, "param").items()}
    params["weight_ih"][-1, 0] += 1e-3
    with pytest.raises(AssertionError):
        check_minimal("mingru", params, arrays["inputs"], None, "float64", part(arrays, "zero/float64"))
    data = part(load("rglru"), "heads1_state")
    params = {key: value.copy() for key, value in part(data, "param").items()}
    params["lambda"][0] += 1e-3
    with pytest.raises(AssertionError):
        check_rglru(params, data["inputs"], data["state_h"], 1, "float64", part(data, "float64_state"))


# --- live: the packages themselves, fresh weights ------------------------------------------------------
@pytest.fixture
def make():
    pytest.importorskip("torch", reason=MISSING.format("torch"))
    from tests.fixtures import make_reference_fixtures

    return make_reference_fixtures


LIVE_SEEDS = (3, 4)


@pytest.mark.reference
@pytest.mark.parametrize("seed", LIVE_SEEDS)
@pytest.mark.parametrize("heads", [1, 2])
@pytest.mark.parametrize("name", ["slstm", "mlstm"])
def test_xlstm_cells_match_live_xlstm(name, heads, seed, make):
    pytest.importorskip("xlstm", reason=MISSING.format("xlstm"))
    rng = np.random.default_rng(seed)
    case, run, check = (
        (make.slstm_case, make.slstm_reference, check_slstm)
        if name == "slstm"
        else (make.mlstm_case, make.mlstm_reference, check_mlstm)
    )
    for zero_state in (True, False):
        params, inputs, state = case(rng, heads, zero_state)
        for dtype in ("float64", "float32"):
            check(params, inputs, state, heads, dtype, run(params, inputs, state, heads, make.DTYPES[dtype]))


@pytest.mark.reference
@pytest.mark.parametrize("kind", ["mingru", "minlstm"])
def test_minimal_cells_match_live_mingru_pytorch(kind, make):
    pytest.importorskip("minGRU_pytorch", reason=MISSING.format("mingru-pytorch"))
    params, inputs, initial = make.minimal_case(np.random.default_rng(5), kind)
    for h0 in initial.values():
        for dtype in ("float64", "float32"):
            expected = make.minimal_reference(kind, params, inputs, h0, make.DTYPES[dtype])
            check_minimal(kind, params, inputs, h0, dtype, expected)


@pytest.mark.reference
@pytest.mark.parametrize("heads", [1, 2])
def test_rglru_matches_live_recurrentgemma(heads, make):
    pytest.importorskip("einops", reason=MISSING.format("recurrentgemma[torch]"))
    try:
        make.import_recurrentgemma_torch()
    except ImportError as error:
        pytest.skip(f"{MISSING.format('recurrentgemma[torch]')} ({error})")
    import torch

    rng = np.random.default_rng(6)
    for zero_state in (True, False):
        params, inputs, h0 = make.rglru_case(rng, heads, zero_state)
        shipped = make.rglru_reference(params, inputs, h0, heads, torch.float64)
        check_rglru(params, inputs, h0, heads, "float64", shipped, tolerance=RGLRU_FLOAT32_STATE)
        exact = make.rglru_reference(params, inputs, h0, heads, torch.float64, float64_state=True)
        check_rglru(params, inputs, h0, heads, "float64", exact)
        single = make.rglru_reference(params, inputs, h0, heads, torch.float32)
        check_rglru(params, inputs, h0, heads, "float32", single)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", ["mingru", "minlstm"])
def test_the_transcribed_reference_scan_reproduces_the_reference(kind, dtype):
    """``reference_parallel_forward`` (what the panel shows as "the reference's scan") computes what
    mingru-pytorch's parallel path computed from the same h₀, NaN where it gave NaN (minGRU's log h₀)."""
    arrays = load(kind)
    params, inputs = part(arrays, "param"), arrays["inputs"]
    cell = build_cell(kind, inputs.shape[-1], params["weight_ih"].shape[1], params=params, dtype=dtype)
    for start in ("positive", "mixed"):
        expected = part(arrays, f"{start}/{dtype}")["parallel"]
        actual = cell.reference_parallel_forward(inputs, {"h": arrays[f"{start}/state_h"]})
        np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
        assert_close(np.nan_to_num(actual), np.nan_to_num(expected), dtype, f"{kind} reference scan from {start} h₀")
    assert np.isnan(part(arrays, "mixed/float64")["parallel"]).any() == (kind == "mingru")
