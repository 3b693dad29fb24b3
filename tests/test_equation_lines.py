"""The panel's equations with numbers: every traced line of every registry cell is worked out, with the
numbers the code computed."""

import math

import pytest

from lstm_tui.display import format_number
from lstm_tui.model import CELLS
from lstm_tui.model.equations import Value
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.session import Session

from .helpers import evaluate

UNIT = 3


def typed_session(name: str) -> Session:
    session = Session(PanelSetup(cell=name, hidden=6, seed=2))
    session.set_text("numbers! x")
    return session


def operand_values(session: Session, step: int):
    """The selected unit's numbers as the code computed them: this step's trace and the state before it."""

    def lookup(leaf):
        assert isinstance(leaf, Value), f"{leaf!r} has no number per unit"
        if leaf.previous:
            return float(session.previous_state(leaf.name, step)[UNIT])
        return float(session.trace(leaf.name)[step, UNIT])

    return lookup


@pytest.mark.parametrize("name", list(CELLS))
def test_every_traced_line_gets_numbers(name):
    session = typed_session(name)
    for step in range(session.length):
        for line in session.equation_lines(unit=UNIT, step=step):
            if line.equation.target not in session.trace_names:
                assert line.target is None and line.value is None  # MUT's projection x̃ = P x is not traced
                continue
            assert line.value == float(session.trace(line.target)[step, UNIT])
            if line.equation.only_operands:  # no weights: written out in full
                assert line.numbers is not None, line.display
            elif line.equation.invertible_call:  # σ/tanh of weights: its pre-activation, unless saturated
                assert line.preactivation is not None or abs(line.value) > 0.999, line.display
            else:
                assert line.numbers is None, line.display


@pytest.mark.parametrize("name", list(CELLS))
def test_written_out_lines_compute_the_traced_value(name):
    """Evaluated with the operands the line shows, the equation gives the value the cell traced."""
    session = typed_session(name)
    checked = 0
    for step in range(session.length):
        lookup = operand_values(session, step)
        for line in session.equation_lines(unit=UNIT, step=step):
            if line.target is None or not line.equation.only_operands:
                continue
            assert dict(line.operands) == {operand.text: lookup(operand) for operand in line.equation.operands}
            assert evaluate(line.equation.rhs, lookup) == pytest.approx(line.value, rel=1e-12, abs=1e-14)
            checked += 1
    # the plain RNN's one line has weights; every mLSTM line has a key, a query or its matrix memory C
    assert checked or name in ("rnn", "mlstm")


@pytest.mark.parametrize("name", list(CELLS))
def test_preactivations_give_the_traced_value(name):
    session = typed_session(name)
    for step in range(session.length):
        for line in session.equation_lines(unit=UNIT, step=step):
            if line.preactivation is None:
                continue
            function_name = line.equation.invertible_call.name
            function = {
                "σ": lambda v: 1 / (1 + math.exp(-v)),
                "tanh": math.tanh,
                "exp": math.exp,
                "g": lambda v: v + 0.5 if v >= 0 else 1 / (1 + math.exp(-v)),
            }[function_name]
            assert function(line.preactivation) == pytest.approx(line.value, rel=1e-12, abs=1e-14)
            assert line.numbers == f"{function_name}({format_number(line.preactivation)})"


@pytest.mark.parametrize("name", [n for n, spec in CELLS.items() if spec.family in ("gru", "mgu", "mut")])
def test_gru_family_hidden_state_is_drawn_on_its_bounded_range(name):
    session = Session(PanelSetup(cell=name, hidden=4))
    assert session.value_range("h") == (-1.0, 1.0)


def test_the_note_stays_visible_after_the_numbers():
    session = Session(PanelSetup(cell="gru", hidden=4))
    session.set_text("ab")
    h_line = [line for line in session.equation_lines() if line.target == "h"][0]
    assert h_line.display.endswith("(z keeps the old state)")
    assert abs(eval_free_value(h_line) - float(session.trace("h")[-1, session.selected_unit])) < 5e-3


def test_a_negative_number_is_bracketed_unless_it_opens_a_bracket():
    session = Session(PanelSetup(cell="lstm", hidden=4, seed=5))
    session.set_text("abcdef")
    for step in range(session.length):
        for line in session.equation_lines(step=step):
            if line.numbers is None:
                continue
            for position, char in enumerate(line.numbers):
                if char == "−" and line.numbers[position + 1] != " ":  # a sign, not the operator of 1 − z
                    assert line.numbers[position - 1] == "(", line.numbers
            assert "(0.00)" not in line.numbers  # a number shown without a minus needs no bracket


def eval_free_value(line) -> float:
    """The number after the last ' = ' of the worked line (before the note)."""
    worked = line.display.rsplit("   (", 1)[0]
    return float(worked.rsplit(" = ", 1)[1].replace("−", "-"))
