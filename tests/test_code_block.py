"""Code blocks in lessons wrap where a reader expects, lose nothing and fit their row width."""

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from lstm_tui.widgets.code_block import wrap_code, wrap_code_line

CODE_TEXT = st.lists(
    st.sampled_from(["a", "bc", " ", "  ", "   ", "=", "+", "·", "(", ")", "→", "x₁", "σ", "ü", "界"]), max_size=60
).map("".join)


@given(CODE_TEXT, st.integers(min_value=2, max_value=80))
def test_rows_fit_and_keep_every_character(line, width):
    rows = wrap_code_line(line, width)
    assert "".join("".join(rows).split()) == "".join(line.split())
    if cell_len(line) > width:
        assert all(cell_len(row) <= width for row in rows)


def test_a_worked_step_breaks_before_an_equals_and_aligns_it():
    line = "c₁ = f₁ · c₀ + i₁ · g₁ = 0.570 · 0.000 + 0.810 · 0.979 = 0.794"
    assert wrap_code_line(line, 50) == ["c₁ = f₁ · c₀ + i₁ · g₁", "   = 0.570 · 0.000 + 0.810 · 0.979 = 0.794"]
    line = "h₁ = o₁ · tanh(c₁) = 0.540 · tanh(0.794) = 0.540 · 0.660 = 0.357"
    assert wrap_code_line(line, 50) == ["h₁ = o₁ · tanh(c₁) = 0.540 · tanh(0.794)", "   = 0.540 · 0.660 = 0.357"]


def test_a_note_goes_under_the_right_hand_side():
    line = "h = (1 − z) ⊙ h₋₁ + z ⊙ n      (z takes the new candidate)"
    assert wrap_code_line(line, 50) == ["h = (1 − z) ⊙ h₋₁ + z ⊙ n", "    (z takes the new candidate)"]


def test_a_tables_cell_continues_under_a_column_that_has_room():
    table = (
        "lstm-niaf  NIAF  no input activation    g without tanh\n"
        "lstm-fgr   FGR   full gate recurrence   gates see the\n"
        "                                         last step's gates"
    )
    assert wrap_code(table, 50) == [
        "lstm-niaf  NIAF  no input activation",
        "                 g without tanh",
        "lstm-fgr   FGR   full gate recurrence",
        "                 gates see the",
        "                 last step's gates",
    ]


def test_lines_that_fit_are_left_alone():
    assert wrap_code("  a  b\n\nc = d", 6) == ["  a  b", "", "c = d"]
