"""How numbers and characters are written: one minus sign, one cell per character."""

import pytest

from lstm_tui.display import format_number, format_signed, glyph


@pytest.mark.parametrize(
    "value, decimals, plus, shown",
    [
        (-0.5, 2, False, "−0.50"),
        (0.5, 2, False, "0.50"),
        (0.5, 2, True, "+0.50"),
        (-0.004, 2, False, "0.00"),  # rounds to zero: no sign the number shown does not have
        (-0.004, 2, True, "+0.00"),
        (-0.0, 1, True, "+0.0"),
        (-0.05, 1, True, "−0.1"),  # rounds away from zero: keeps its minus
        (-10.48, 2, False, "−10.48"),
        (1.0, 0, True, "+1"),
    ],
)
def test_format_signed_writes_one_minus_sign_and_never_minus_zero(value, decimals, plus, shown):
    assert format_signed(value, decimals, plus=plus) == shown
    assert "-" not in format_signed(value, decimals, plus=plus)


def test_format_number_is_two_signed_decimals():
    assert format_number(-1.234) == "−1.23"
    assert format_number(-0.001) == "0.00"


@pytest.mark.parametrize(
    "char, shown", [("\n", "↵"), ("\t", "⇥"), ("漢", "▯"), ("\u0301", "◌"), ("\x1b", "▪"), ("a", "a")]
)
def test_glyph_is_one_cell_per_character(char, shown):
    assert glyph(char) == shown
