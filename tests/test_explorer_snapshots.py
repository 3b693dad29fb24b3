"""Snapshots of the explorer with a seeded model at 80x24 and 120x40 (cursor blink off)."""

import pytest

from lstm_tui.app import LstmApp
from lstm_tui.panel_setup import PanelSetup

from .ui_helpers import press_and_settle


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_explorer_after_typing(snap_compare, size):
    app = LstmApp(PanelSetup(hidden=16, seed=0))
    assert snap_compare(app, run_before=press_and_settle(*"q? Hello 1"), terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_explorer_equation_and_heatmap_scrubbed(snap_compare, size):
    app = LstmApp(PanelSetup(hidden=16, seed=0, view="equation", text="the cat sat"))
    keys = ("f4", "alt+left", "alt+left", "down")
    assert snap_compare(app, run_before=press_and_settle(*keys), terminal_size=size)
