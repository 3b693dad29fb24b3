"""Snapshots of the explorer with a seeded model at 80x24 and 120x40 (cursor blink off)."""

import pytest

from lstm_tui.app import LstmApp
from lstm_tui.panel import PanelSetup


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_explorer_after_typing(snap_compare, size):
    app = LstmApp(PanelSetup(hidden=16, seed=0))
    assert snap_compare(app, press=list("q? Hello 1"), terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_explorer_equation_and_heatmap_scrubbed(snap_compare, size):
    app = LstmApp(PanelSetup(hidden=16, seed=0, view="equation", text="the cat sat"))
    assert snap_compare(app, press=["f4", "alt+left", "alt+left", "down"], terminal_size=size)
