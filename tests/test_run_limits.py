"""Costs are bounded before work starts: a run whose traces cannot fit in memory is refused up front with
one line that says how long a text fits (trace, gradients, explore and the panel's session share one bound,
``limits.check_run_size``)."""

from __future__ import annotations

import time

import pytest

from lstm_tui import limits
from lstm_tui.cli import main
from lstm_tui.errors import UserError
from lstm_tui.model import CharModel
from lstm_tui.model.weights import save_model
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.session import Session


def run(capsys, *argv) -> tuple[int, str]:
    started = time.monotonic()
    code = main(list(argv))
    assert time.monotonic() - started < 10  # refused up front, not after minutes of work
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    return code, err


def test_the_bound_says_how_long_a_text_fits():
    limits.check_run_size(8192, limits.MAX_HIDDEN, 96)  # the largest random panel fits
    with pytest.raises(
        UserError,
        match=r"TEXT of 100,000 characters would need about .* GiB with 256 hidden "
        r"units and 96 characters; at most 4,793 characters fit in 1 GiB",
    ):
        limits.check_run_size(100_000, 256, 96, what="TEXT", bytes_per_value=limits.REPORT_BYTES)


def test_trace_refuses_a_text_too_long_for_its_report(capsys):
    code, err = run(capsys, "trace", "--hidden", "256", "x" * 100_000)
    assert code == 2 and "at most 4,793 characters fit" in err


@pytest.fixture
def wide_vocab_model(tmp_path):
    """A model file of 70,000 characters: each step's one-hot input and prediction hold 140,000 values."""
    chars = "".join(chr(code) for code in range(0x4E00, 0x4E00 + 70_000))
    path = tmp_path / "wide.npz"
    save_model(CharModel.random("rnn", 4, vocab=chars, output_layer=True), path)
    return path


def test_explore_refuses_a_window_that_cannot_fit(capsys, wide_vocab_model):
    code, err = run(capsys, "explore", "--weights", str(wide_vocab_model), "--window", "8192")
    assert code == 2 and err.startswith("lstm-tui: --window of 8,192 characters would need about 8.5 GiB")
    with pytest.raises(UserError, match="a window of 8,192 characters"):
        Session(PanelSetup(weights=str(wide_vocab_model)), window=8192)


def test_gradients_refuses_a_model_too_large_for_the_lab(capsys, tmp_path, wide_vocab_model):
    code, err = run(capsys, "gradients", "--weights", str(wide_vocab_model), "--length", "1000")
    assert code == 2 and "would need about" in err
    path = tmp_path / "big.npz"
    save_model(CharModel.random("rnn", 512, vocab="ab"), path)
    code, err = run(capsys, "gradients", "--weights", str(path))
    assert code == 2 and "the model's hidden size must be between 1 and 256, not 512" in err


def test_mlstm_counts_its_matrix_memory():
    """mLSTM keeps a d×d memory per head for every step (H·d values): at H = 1,024 a 512-character window
    would take ~4 GiB, which the 8-values-per-unit estimate alone would have let through."""
    with pytest.raises(UserError, match=r"a window of 512 characters would need about 4\.\d GiB with 1,024 hidden"):
        Session(PanelSetup(cell="mlstm", hidden=1024))
    Session(PanelSetup(cell="mlstm", hidden=64))  # 64 × 64 per step fits easily
    Session(PanelSetup(cell="lstm", hidden=1024))  # the same size of a cell without one fits
