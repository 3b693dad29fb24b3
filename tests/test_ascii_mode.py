"""ASCII mode (--ascii, or automatic without a Unicode encoding): the explorer drawn in plain ASCII."""

import io
import re

import pytest

from lstm_tui.app import LstmApp
from lstm_tui.cli import build_parser
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.widgets.ascii_mode import to_ascii, unicode_unsupported
from lstm_tui.widgets.key_footer import key_label
from lstm_tui.widgets.lines import bar

from .ui_helpers import press_and_settle, screen_text

TYPED = "q? Hello 1"


def ascii_app(**setup):
    return LstmApp(PanelSetup(hidden=16, seed=0, **setup), ascii_mode=True)


def test_explorer_in_ascii_mode_80x24(snap_compare):
    assert snap_compare(ascii_app(), run_before=press_and_settle(*TYPED), terminal_size=(80, 24))


@pytest.mark.parametrize("view", ["bars", "plot", "heatmap", "equation"])
async def test_no_box_block_braille_or_arrow_characters_on_screen(view):
    app = ascii_app(view=view)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle(*TYPED, "alt+left")(pilot)
        text = screen_text(app.export_screenshot())
    assert "q? Hello 1" in text  # the heat line: the screen was read
    drawing = [
        char
        for char in text
        if "\u2190" <= char <= "\u21ff"
        or "\u2500" <= char <= "\u259f"
        or "\u2800" <= char <= "\u28ff"
        or char in "●▸…−·⇧"
    ]
    assert not drawing, sorted(set(drawing))


async def test_bars_use_hashes_and_dashes_and_the_footer_ascii_keys():
    app = ascii_app(view="bars")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle(*TYPED)(pilot)
        text = screen_text(app.export_screenshot())
    assert re.search(r"[#-]{4} +-?\d\.\d\d", text)  # a bar then its value
    assert "alt+<-/alt+->" in text


def test_ascii_bars():
    assert bar(1.0, 0, 1, 4, ascii=True) == "####"
    assert bar(0.5, 0, 1, 4, ascii=True) == "##--"
    assert bar(0.0, 0, 1, 4, ascii=True) == "----"
    assert bar(1.0, -1, 1, 4, ascii=True) == "--##"
    assert bar(-0.5, -1, 1, 4, ascii=True) == "-#--"


def test_to_ascii_keeps_one_character_per_character():
    drawn = "╭─┐│▸ h█▏ −0.12 · é漢…"
    shown = to_ascii(drawn)
    assert shown.isascii() and len(shown) == len(drawn)
    assert shown.startswith("+-+|> h##") and "-0.12" in shown


def test_key_labels_in_ascii():
    assert key_label("alt+left", ascii=True) == "alt+<-"
    assert key_label("shift+f8", ascii=True) == "shift+F8"
    assert key_label("alt+left") == "alt+←"


def test_an_ascii_stream_turns_ascii_mode_on():
    ascii_stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    utf8_stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    assert unicode_unsupported(ascii_stream)
    assert unicode_unsupported(utf8_stream) is unicode_unsupported(io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))


def test_top_level_flags_parse_for_home_and_explore():
    parser = build_parser()
    args = parser.parse_args(["--ascii", "--no-mouse", "explore"])
    assert args.ascii and args.no_mouse and args.command == "explore"
    args = parser.parse_args([])
    assert not args.ascii and not args.no_mouse


@pytest.mark.parametrize("key", ["f12", "f11"])  # the gradient lab, the training screen
async def test_lab_and_training_screens_are_plain_ascii(key):
    app = ascii_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle(*TYPED, key)(pilot)
        await app.workers.wait_for_complete()
        await press_and_settle()(pilot)
        text = screen_text(app.export_screenshot())
    assert ("rho(W_hh)" if key == "f12" else "training loss") in text  # the screen was read
    assert text.isascii(), sorted({char for char in text if not char.isascii()})


def test_spelt_out_lab_readouts_keep_their_columns():
    from lstm_tui.analysis.gradient_flow import GradientSettings
    from lstm_tui.analysis.gradient_lab import GradientLab, readout_lines
    from lstm_tui.widgets.ascii_mode import spell_ascii

    view = GradientLab(GradientSettings(hidden_size=4, length=10)).compute()
    lines = readout_lines(view, spell=spell_ascii)
    assert all(line.isascii() for line in lines) and "Pf<1/2" in lines[0] and "rho max" in lines[0]
    for column in ("per step", "rho max", "clip at"):
        start = lines[0].index(column)
        assert all(line[start - 1] == " " and line[start] != " " for line in lines[1:]), column
