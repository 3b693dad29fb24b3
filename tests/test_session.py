"""The explorer's session without a terminal: caching, windowing, switching, the knob, equations."""

import ast
import operator
import re
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from lstm_tui.display import glyph
from lstm_tui.errors import UserError
from lstm_tui.model import CELLS, CharModel
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.session import Session


def reference_trace(model: CharModel, text: str) -> dict[str, np.ndarray]:
    """Trace of a from-scratch run over ``text`` (the core's whole-sequence forward pass)."""
    return model.run(text).forward.trace


def test_typing_at_the_end_costs_one_step():
    session = Session(PanelSetup(hidden=8))
    session.set_text("hello")
    before = session.steps_run
    assert session.set_text("hello ") == 1
    assert session.steps_run == before + 1


def test_middle_edit_recomputes_from_the_edit():
    session = Session(PanelSetup(hidden=8, seed=3))
    session.set_text("abcdefgh")
    assert session.set_text("abcXefgh") == 5  # positions 3..7
    expected = reference_trace(session.model, "abcXefgh")
    for name in session.trace_names:
        np.testing.assert_allclose(session.trace(name), expected[name], rtol=1e-12, atol=1e-12)


def test_deleting_at_the_end_costs_no_step_and_keeps_values():
    session = Session(PanelSetup(hidden=8))
    session.set_text("hello")
    assert session.set_text("hell") == 0
    np.testing.assert_allclose(session.trace("h"), reference_trace(session.model, "hell")["h"], atol=1e-12)


def test_window_clips_to_the_last_characters():
    session = Session(PanelSetup(hidden=8), window=16)
    text = "".join(chr(97 + k % 26) for k in range(50))
    session.set_text(text)
    assert session.clipped
    assert 16 - session.stride < session.length <= 16
    assert session.window_text == text[session.window_start :]
    expected = reference_trace(session.model, session.window_text)
    np.testing.assert_allclose(session.trace("c"), expected["c"], atol=1e-12)


def test_typing_past_the_window_is_one_step_between_strides():
    session = Session(PanelSetup(hidden=8), window=16)
    session.set_text("x" * 20)
    costs = [session.set_text("x" * n) for n in range(21, 21 + 2 * session.stride)]
    assert costs.count(1) >= len(costs) - 2  # one re-run of the window per stride
    assert session.length <= 16


def test_a_large_paste_runs_only_the_window():
    session = Session(PanelSetup(hidden=4))
    assert session.set_text("ab" * 50_000) <= session.window
    assert session.length <= 512 and session.clipped


def test_switching_cell_keeps_text_and_reruns():
    session = Session(PanelSetup(cell="lstm", hidden=8))
    session.set_text("keep me")
    session.switch_cell("rnn")
    assert session.text == "keep me"
    assert session.trace_names == ("h",)
    np.testing.assert_allclose(session.trace("h"), reference_trace(session.model, "keep me")["h"], atol=1e-12)
    assert session.next_cell() == list(CELLS)[1]


def test_loading_a_setup_with_another_seed_changes_values_not_text():
    session = Session(PanelSetup(hidden=8, seed=0))
    session.set_text("seeded")
    before = session.trace("h").copy()
    session.load(PanelSetup(hidden=8, seed=1))
    assert session.text == "seeded"
    assert not np.allclose(session.trace("h"), before)


def test_forget_bias_knob_changes_the_forget_gate():
    session = Session(PanelSetup(cell="lstm", hidden=8))
    session.set_text("the cat sat")
    f_before = session.trace("f").copy()
    session.set_forget_bias_offset(2.0)
    assert np.all(session.trace("f") > f_before)
    # The knob edits the model itself: a fresh run of the same model agrees.
    np.testing.assert_allclose(session.trace("f"), reference_trace(session.model, "the cat sat")["f"], atol=1e-12)
    session.set_forget_bias_offset(0.0)
    np.testing.assert_allclose(session.trace("f"), f_before, atol=1e-12)


def test_forget_bias_knob_refuses_cells_without_a_learned_forget_gate():
    for cell in ("rnn", "lstm-nfg", "lstm-cifg"):
        session = Session(PanelSetup(cell=cell, hidden=4))
        assert not session.has_forget_knob
        with pytest.raises(UserError):
            session.set_forget_bias_offset(1.0)


_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_CALLS = {"tanh": np.tanh, "sqrt": np.sqrt}


def _evaluate(numbers: str) -> float:
    """Evaluate a written-out elementwise line: numbers, ·, +, −, /, ^, √, tanh and parentheses, nothing else."""

    def value(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CALLS:
            return float(_CALLS[node.func.id](value(node.args[0])))
        raise AssertionError(f"unexpected term in {numbers!r}")

    python = numbers.replace("·", "*").replace("−", "-").replace("^", "**").replace("√", "sqrt")
    return value(ast.parse(python, mode="eval").body)


@pytest.mark.parametrize("cell", list(CELLS))
def test_equation_numbers_are_the_trace_values(cell):
    session = Session(PanelSetup(cell=cell, hidden=6, seed=2))
    session.set_text("numbers!")
    session.select_unit(3)
    session.cursor_to(4)
    step = session.step_trace()
    lines = session.equation_lines()
    assert [line.equation for line in lines] == list(CELLS[cell].equations)
    for line in lines:
        if line.target is None:
            continue
        assert line.value == step[line.target][3]
        for symbol, value in line.operands:
            if symbol.endswith("₋₁"):
                assert value == session.trace(symbol[:-2])[3, 3]
            else:
                assert value == step[symbol][3]
        if line.operands:  # the written-out arithmetic gives the shown result, to display rounding
            assert _evaluate(line.numbers) == pytest.approx(line.value, abs=0.02)
        if line.preactivation is not None:
            activations = {
                "tanh": np.tanh,
                "σ": lambda z: 1 / (1 + np.exp(-z)),
                "exp": np.exp,
                "g": lambda z: z + 0.5 if z >= 0 else 1 / (1 + np.exp(-z)),
            }
            activation = activations[line.equation.invertible_call.name]
            assert activation(line.preactivation) == pytest.approx(line.value, abs=1e-9)


def test_lstm_cell_line_reads_like_the_textbook():
    session = Session(PanelSetup(cell="lstm", hidden=4))
    session.set_text("ab")
    c_line = next(line for line in session.equation_lines() if line.target == "c")
    assert c_line.display.startswith("c = f ⊙ c₋₁ + i ⊙ g = ")
    assert re.fullmatch(r"c = f ⊙ c₋₁ \+ i ⊙ g = \(?−?\d\.\d\d\)?·\(?−?\d\.\d\d\)? \+ .* = −?\d\.\d\d", c_line.display)


def test_cursor_scrubs_and_follows_the_end():
    session = Session(PanelSetup(hidden=4))
    session.set_text("abcd")
    assert session.step_index == 3
    session.move_cursor(-2)
    assert session.step_index == 1
    session.set_text("abcde")
    assert session.step_index == 1  # a scrubbed cursor stays put while typing
    session.move_cursor(+10)
    assert session.step_index == 4 and session.cursor is None
    session.set_text("abcdef")
    assert session.step_index == 5


def test_predictions_are_the_models_top_five():
    session = Session(PanelSetup(hidden=8))
    session.set_text("hi")
    probabilities = session.model.run("hi").probabilities[-1]
    assert session.predictions() == session.model.top_predictions(probabilities, 5)
    assert len(session.predictions()) == 5


def test_most_active_units_rank_by_mean_absolute_h():
    session = Session(PanelSetup(hidden=16))
    session.set_text("activity")
    top = session.most_active_units(4)
    activity = np.abs(session.trace("h")).mean(axis=0)
    assert sorted(top) == top
    assert min(activity[top]) >= max(np.delete(activity, top))
    session.select_unit(next(u for u in range(16) if u not in top))
    assert session.selected_unit in session.shown_units(4)
    session.toggle_pin(1)
    session.toggle_pin(5)
    assert set(session.shown_units(4)) == {1, 5, session.selected_unit}
    session.toggle_pin(1)
    session.toggle_pin(5)
    assert session.pinned_units is None


def test_the_ranking_is_kept_while_typing_until_asked_for_again():
    session = Session(PanelSetup(hidden=16))
    session.set_text("a")
    first = session.shown_units(5)
    assert session.ranked_over == 1
    session.set_text("a" + "zzzzqqqq((((" * 5)  # typing on: the rows stay
    assert session.shown_units(5) == first and session.ranked_over == 1
    session.rank_units()  # the learner asks
    activity = np.abs(session.trace("h")).mean(axis=0)
    assert session.shown_units(5) == sorted(np.argsort(-activity, kind="stable")[:5].tolist())
    assert session.ranked_over == session.length
    session.reset()
    session.set_text("bb")
    session.shown_units(5)
    assert session.ranked_over == 2  # a new text (a try-it, a reset) is ranked afresh


def test_unknown_characters_are_kept_and_flagged():
    session = Session(PanelSetup(hidden=4))
    text = "a\x07é漢😀e\u0301"
    session.set_text(text)
    assert session.text == text
    assert session.out_of_vocabulary == 5  # bell, é, 漢, 😀, combining acute
    assert "".join(glyph(c) for c in text) == "a▪é▯▯e◌"


def test_reset_empties_text_and_knob():
    session = Session(PanelSetup(hidden=4))
    session.set_text("abc")
    session.set_forget_bias_offset(1.5)
    session.reset()
    assert session.text == "" and session.length == 0 and session.forget_bias_offset == 0.0
    assert session.step_index is None and session.predictions() == []


def test_bad_setups_are_user_errors():
    with pytest.raises(UserError):
        Session(PanelSetup(cell="nope"))
    with pytest.raises(UserError):
        Session(PanelSetup(model="no-such-model"))
    with pytest.raises(UserError):
        Session(PanelSetup(hidden=0))


def test_session_imports_no_terminal_code():
    code = "import sys, lstm_tui.session; print(sorted(m for m in ('textual', 'rich', 'plotext') if m in sys.modules))"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"


def test_a_label_names_only_the_in_memory_model_it_came_with():
    trained = CharModel.random("lstm", 4, seed=9, output_layer=True)
    session = Session(PanelSetup(label="trained on brackets, 30 steps"), model=trained)
    assert session.setup.label == "trained on brackets, 30 steps"
    session.load(replace(session.setup, seed=10))  # e.g. the explorer's "new seed" key
    assert session.setup.label == ""


def test_the_registry_lists_cells_in_the_limits_order():
    """The CLI checks --cell against limits.CELL_NAMES without loading NumPy: it must be the registry's list."""
    from lstm_tui.limits import CELL_NAMES

    assert tuple(CELLS) == CELL_NAMES


# --- stacked and bidirectional models ------------------------------------------------------------------
def test_a_stacked_model_steps_once_per_layer_and_shows_its_top_layer():
    model = CharModel.random("gru", 5, seed=2, output_layer=True, num_layers=3)
    session = Session(model=model)
    session.set_text("hello")
    assert session.set_text("hello!") == 3 and session.last_edit.stepped == 3 and session.last_edit.rerun == 0
    assert (session.layer, session.direction) == (2, 0) and session.shown_cell_label == "layer 3 of 3"
    reference = model.run("hello!")
    np.testing.assert_allclose(session.trace("h"), reference.stack.trace(2)["h"], rtol=0, atol=1e-14)
    session.show_cell(0)
    np.testing.assert_allclose(session.trace("z"), reference.stack.trace(0)["z"], rtol=0, atol=1e-14)
    assert session.predictions()[0][1] == pytest.approx(reference.probabilities[-1].max())


def test_a_bidirectional_model_reruns_its_reverse_direction_on_every_key():
    """Lesson 12's point, as numbers: one forward step per typed key, and the whole window again for the
    reverse direction (and every layer above the first)."""
    model = CharModel.random("lstm", 4, seed=1, output_layer=True, num_layers=2, bidirectional=True)
    session = Session(model=model)
    session.set_text("abcdef")
    assert not session.streams
    session.set_text("abcdefg")
    assert session.last_edit.kept == 6 and session.last_edit.stepped == 1 and session.last_edit.rerun == 3 * 7
    session.show_cell(0, 1)
    assert session.shown_cell_label == "layer 1 of 2, reverse"
    reference = model.run("abcdefg").stack.trace(0, 1)
    for name in session.trace_names:
        np.testing.assert_allclose(session.trace(name), reference[name], rtol=0, atol=1e-14)
    # the reverse direction read step 3 after step 4: that is its "previous" state
    np.testing.assert_array_equal(session.previous_state("c", 3), reference["c"][4])
    np.testing.assert_array_equal(session.previous_state("c", 6), np.zeros(4))
    lines = {line.target: line for line in session.equation_lines(unit=1, step=3) if line.target}
    assert lines["c"].operands[1] == ("c₋₁", pytest.approx(float(reference["c"][4, 1])))


def test_cycling_through_the_cells_of_a_stack():
    session = Session(model=CharModel.random("rnn", 3, num_layers=2, bidirectional=True))
    seen = [session.next_cell_shown() for _ in range(4)]
    assert seen == [(1, 1), (0, 0), (0, 1), (1, 0)]  # from the top layer's forward cell
    with pytest.raises(UserError, match="layer must be between 1 and 2, not 3"):
        session.show_cell(2)
    single = Session(PanelSetup(hidden=4))
    assert single.next_cell_shown() == (0, 0) and single.shown_cell_label == ""
    with pytest.raises(UserError, match="no reverse direction"):
        single.show_cell(0, 1)


def test_the_forget_knob_moves_every_cell_of_a_stack():
    model = CharModel.random("lstm", 3, num_layers=2, bidirectional=True)
    before = [cell.params["bias_ih"][3:6].copy() for *_, cell in model.stack.all_cells()]
    session = Session(model=model)
    session.set_forget_bias_offset(1.5)
    for (*_, cell), base in zip(model.stack.all_cells(), before):
        np.testing.assert_allclose(cell.params["bias_ih"][3:6], base + 1.5)


def test_attribution_of_the_shown_step_is_cached_until_a_change():
    session = Session(PanelSetup(hidden=6))
    assert session.attribution() is None
    session.set_text("(a(b)c)")
    first = session.attribution()
    assert first is session.attribution() and first.step == 6 and len(first.norms) == 7
    session.move_cursor(-2)
    moved = session.attribution()
    assert moved.step == 4 and not moved.norms[5:].any() and moved.norms[:5].all()
    session.show_cell(0)  # another view of the same run: the same attribution
    assert session.attribution() is moved
    session.set_forget_bias_offset(2.0)  # new parameters: computed again
    knobbed = session.attribution()
    assert knobbed is not moved and not np.allclose(knobbed.norms, moved.norms)
    session.set_text("(a(b)c)x")  # the cursor stays on step 4, the text after it is longer
    longer = session.attribution()
    assert longer is not knobbed and longer.step == 4 and len(longer.norms) == 8
