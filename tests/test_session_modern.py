"""The session's state for the modern cells' views: m and n beside c and h, the stabiliser switch and the ĩ
knob, memory half-life for any cell, and the parallel form beside the step loop."""

import numpy as np
import pytest

from lstm_tui.errors import UserError
from lstm_tui.model import CharModel
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.session import INPUT_BIAS_STEP, Session

TEXT = "ok (we (go (up )to )be )so "


def session(cell, text=TEXT, **setup):
    s = Session(PanelSetup(cell=cell, **setup))
    s.set_text(text)
    return s


def test_xlstm_cells_show_their_normaliser_and_stabiliser_beside_c_and_h():
    assert session("slstm").state_names == ("c", "n", "m", "h")
    assert session("mlstm").state_names == ("n", "m", "h")  # its memory C is a matrix per head
    assert session("mingru").state_names == ("h",)  # minGRU's n is its candidate, shown with the gates
    assert session("lstm").state_names == ("c", "h")


@pytest.mark.parametrize("cell", ["slstm", "mlstm"])
def test_the_stabiliser_hides_any_shift_of_the_input_gate_and_float32_overflows_without_it(cell):
    s = session(cell)
    before = s.trace("h").copy()
    weights = {name: value.copy() for name, value in s.model.cell.params.items()}
    s.nudge_input_bias(9)
    assert s.input_bias_offset == 9 * INPUT_BIAS_STEP == 90.0
    assert s.trace("m").min() > 80  # the stabiliser took the shift
    # what the shifted cell computes without a stabiliser, in float64 (where e^90 fits)
    plain = s.model.cell.astype("float64")
    plain.stabilised = False
    exact = plain.forward(s.model.vocab.one_hot(TEXT, np.float64)).trace["h"]
    # (mLSTM: up to the ε in its denominator, 1e-6 beside a stabilised |nᵀq| that may be small)
    np.testing.assert_allclose(s.trace("h"), exact, rtol=2e-3 if cell == "mlstm" else 1e-9, atol=1e-12)
    if cell == "slstm":  # h = o ⊙ c / n: a common factor e^90 in c and n cancels
        np.testing.assert_allclose(s.trace("h"), before, rtol=1e-9, atol=1e-12)
    else:  # h̃ = C q / max(|nᵀq|, 1) unstabilised: the floor 1 does not scale with e^90
        assert np.max(np.abs(s.trace("h") - before)) > 1e-3
    s.set_stabiliser(False)
    assert s.model.cell.dtype == np.float32 and not s.model.cell.stabilised
    assert np.all(np.isnan(s.trace("h")))  # exp(ĩ) > 3.4e38 on the first character already
    assert any(equation.note == "stabiliser off" for equation in s.equations)
    s.nudge_input_bias(-9)  # back to the weights as loaded: float32 without the stabiliser is fine there
    np.testing.assert_allclose(s.trace("h"), before, rtol=0, atol=1e-5)
    assert np.all(s.trace("m") == 0)
    s.set_stabiliser(True)
    assert s.model.cell.dtype == np.float64
    np.testing.assert_array_equal(s.trace("h"), before)
    for name, value in s.source_model.cell.params.items():  # the loaded model is never edited
        np.testing.assert_array_equal(value, weights[name])


def test_with_the_stabiliser_off_n_grows_with_the_input_bias_until_float32_overflows():
    s = session("slstm")
    s.set_stabiliser(False)
    s.nudge_input_bias(8)
    n = s.trace("n")
    assert np.all(np.isfinite(n)) and n.max() > 1e35  # e^80 times what n held before
    s.nudge_input_bias(1)
    assert not np.isfinite(s.trace("n")).any()


def test_reset_turns_the_stabiliser_back_on_and_the_knob_to_zero():
    s = session("slstm")
    before = s.trace("h").copy()
    s.set_stabiliser(False)
    s.nudge_input_bias(3)
    s.reset()
    s.set_text(TEXT)
    assert not s.stabiliser_off and s.input_bias_offset == 0 and s.model is s.source_model
    np.testing.assert_array_equal(s.trace("h"), before)


def test_switching_keeps_the_selected_and_pinned_units():
    s = session("slstm")
    s.select_unit(5)
    s.toggle_pin(3)
    s.set_stabiliser(False)
    assert s.selected_unit == 5 and s.pinned_units == [3]


def test_cells_without_a_stabiliser_refuse_the_switch_and_the_knob():
    s = session("lstm")
    assert not s.has_stabiliser
    with pytest.raises(UserError, match="no stabiliser"):
        s.set_stabiliser(False)
    with pytest.raises(UserError, match="no exponential input gate"):
        s.nudge_input_bias(1)


@pytest.mark.parametrize("cell, gate", [("lstm", "f"), ("gru", "z"), ("rglru", "a")])
def test_memory_readings_at_the_shown_step(cell, gate):
    s = session(cell)
    s.move_cursor(-5)
    readings = s.memory_readings()
    decay = s.trace(gate)[s.step_index]
    np.testing.assert_array_equal(readings.decay, decay)
    np.testing.assert_allclose(readings.half_life, np.log(0.5) / np.log(decay))
    assert readings.step == len(TEXT) - 6


def test_the_plain_rnn_has_no_memory_readings():
    assert session("rnn").memory_readings() is None
    assert Session(PanelSetup(cell="lstm")).memory_readings() is None  # no text yet


@pytest.mark.parametrize("cell", ["mingru", "minlstm", "mlstm"])
def test_the_parallel_form_agrees_with_the_loop_from_zero_and_from_a_state(cell):
    scans = session(cell).scan_comparison()
    assert scans.steps == len(TEXT) and scans.split == len(TEXT) // 2
    assert scans.from_zero.largest < 1e-12 and scans.from_state.largest < 1e-12
    assert 0 < scans.float32_loop.largest < 1e-5 and 0 < scans.float32_scan.largest < 1e-4
    loop, ours, reference = scans.unit_values
    assert loop == pytest.approx(ours, abs=1e-12)
    assert (reference is None) == (cell == "mlstm") and (scans.reference is None) == (cell == "mlstm")


def test_the_reference_scans_go_wrong_from_a_state():
    """minLSTM's reference starts from g(h₀) = h₀ + ½; minGRU's takes log h₀: fine for its own positive states,
    NaN in every unit once the start is negative. Ours agree with the loop from either start."""
    minlstm = session("minlstm").scan_comparison()
    assert minlstm.reference.largest > 0.1 and minlstm.reference.nan_units == 0
    mingru = session("mingru").scan_comparison()
    assert mingru.reference.largest < 1e-12 and mingru.reference_negated.nan_units == 16
    for scans in (minlstm, mingru):
        assert scans.from_negated.largest < 1e-12 and scans.from_negated.nan_units == 0


def test_the_comparison_follows_the_shown_step_and_is_kept_while_nothing_changes():
    s = session("mingru")
    first = s.scan_comparison()
    assert s.scan_comparison() is first
    s.move_cursor(-7)
    assert s.scan_comparison().steps == len(TEXT) - 7
    assert session("lstm").scan_comparison() is None


def test_the_switch_and_the_knob_act_on_every_cell_of_a_stack():
    model = CharModel.random("slstm", 6, seed=3, output_layer=True, num_layers=2, bidirectional=True)
    s = Session(model=model)
    s.set_text(TEXT)
    s.set_stabiliser(False)
    s.nudge_input_bias(9)
    assert s.model.num_layers == 2 and s.model.bidirectional
    for *_, cell in s.model.stack.all_cells():
        assert cell.dtype == np.float32 and not cell.stabilised
    for layer, direction, _ in s.model.stack.all_cells():
        s.show_cell(layer, direction)
        assert np.all(np.isnan(s.trace("h")))
    assert not s.has_parallel_form  # a stacked model's upper layers read no text


def test_state_after_is_the_whole_state_the_loop_kept():
    s = session("mlstm")
    state = s.state_after(4)
    expected = s.model.cell.forward(s.model.vocab.one_hot(TEXT[:5], np.float64)).state
    assert set(state) == set(expected) and "C" in state
    for name in state:
        np.testing.assert_array_equal(state[name], expected[name])
