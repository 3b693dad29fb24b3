"""The panel's equations with numbers: every traced line of every registry cell is worked out."""

import pytest

from lstm_tui.model import CELLS
from lstm_tui.model.registry import split_note
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.session import Session


def test_split_note():
    assert split_note("h = z ⊙ h₋₁ + (1 − z) ⊙ n      (z keeps the old state)") == (
        "h = z ⊙ h₋₁ + (1 − z) ⊙ n",
        "z keeps the old state",
    )
    assert split_note("c = f ⊙ c₋₁ + i ⊙ g") == ("c = f ⊙ c₋₁ + i ⊙ g", None)
    assert split_note("n = tanh(W x + r ⊙ (U h₋₁ + b))") == ("n = tanh(W x + r ⊙ (U h₋₁ + b))", None)


@pytest.mark.parametrize("name", sorted(CELLS))
def test_every_traced_line_gets_numbers(name):
    session = Session(PanelSetup(cell=name, hidden=4, seed=1))
    session.set_text("hello")
    for line in session.equation_lines():
        if line.target is None:
            continue  # a line about something not traced (MUT's projection x̃ = P x)
        assert line.value is not None, line.display
        if "W_" not in line.symbolic:  # made of traced values only: written out in full
            assert line.numbers is not None, line.display
        elif line.symbolic.split(" = ")[1].startswith(("σ(", "tanh(")):  # σ/tanh of weights: its pre-activation
            assert line.preactivation is not None or abs(line.value) > 0.999, line.display
        assert "keeps" not in line.symbolic and "takes" not in line.symbolic  # notes are not equations


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


def eval_free_value(line) -> float:
    """The number after the last ' = ' of the worked line (before the note)."""
    worked = line.display.rsplit("   (", 1)[0]
    return float(worked.rsplit(" = ", 1)[1].replace("−", "-"))
