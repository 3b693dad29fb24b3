"""The revival's views in the live panel (Pilot): m and n beside c and h with the stabiliser switch and the ĩ
knob, the memory half-life, and the parallel form beside the step loop. What they show is the session's."""

import numpy as np
import pytest

from lstm_tui.app import LstmApp
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.widgets.explorer_panel import ExplorerPanel
from lstm_tui.widgets.modern_views import MemoryView, ScanView, difference, steps
from lstm_tui.widgets.scales import fit_axis

from .ui_helpers import press_and_settle

TEXT = "ok (we (go (up )to )be )so "


def lines_of(widget) -> list[str]:
    return [line.plain for line in widget.lines]


async def started(pilot) -> ExplorerPanel:
    panel = pilot.app.screen.query_one(ExplorerPanel)
    await panel.wait_until_ready()
    await pilot.pause()
    return panel


async def test_the_stabiliser_switch_shows_float32_overflowing_in_every_view():
    app = LstmApp(PanelSetup(cell="slstm", text=TEXT))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await started(pilot)
        session = panel.session
        assert session.state_names == ("c", "n", "m", "h")
        assert "c     n     m     h" in lines_of(panel.query_one("#state-bars"))[0]
        await pilot.press("ctrl+f2", *["shift+f10"] * 9)
        await pilot.pause()
        assert session.input_bias_offset == 90 and session.trace("m").min() > 80
        assert "ĩ bias +90" in lines_of(panel.query_one("#status"))[0]
        await pilot.press("ctrl+f9")
        await pilot.pause()
        assert session.stabiliser_off and np.isnan(session.trace("h")).all()
        assert "stabiliser off (float32)" in lines_of(panel.query_one("#status"))[0]
        assert any("nan" in line for line in lines_of(panel.query_one("#state-bars")))
        assert "overflowed" in " ".join(lines_of(panel.query_one(MemoryView)))
        await pilot.press("ctrl+f9")
        await pilot.pause()
        assert not session.stabiliser_off and np.isfinite(session.trace("h")).all()
    assert app.crash is None  # the plot drew the overflowed run (inf and NaN left out)


async def test_the_stabiliser_keys_show_only_for_a_cell_with_a_stabiliser():
    app = LstmApp(PanelSetup(cell="lstm", text=TEXT))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await started(pilot)
        assert panel.check_action("stabiliser", ()) is False
        assert panel.check_action("input_bias", (1,)) is False
        panel.load(PanelSetup(cell="slstm"))
        assert panel.check_action("stabiliser", ()) is True


async def test_the_half_life_view_reads_the_selected_unit_off_the_session():
    app = LstmApp(PanelSetup(cell="gru", text=TEXT))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await started(pilot)
        await pilot.press("ctrl+f2", "down", "down", "alt+left")
        await pilot.pause()
        readings = panel.session.memory_readings()
        shown = lines_of(panel.query_one(MemoryView))
        assert "d = z" in shown[0] and f"step {len(TEXT) - 1}" in shown[0]
        unit = panel.session.selected_unit
        assert unit == 2
        assert (
            shown[1]
            == f"unit 2: d {readings.decay[unit]:.3f} · n½ = ln ½ / ln d = {steps(readings.half_life[unit])} steps"
        )
        assert len(shown) == MemoryView.ROWS


async def test_the_plain_rnn_says_why_it_has_no_half_life_and_no_parallel_form():
    app = LstmApp(PanelSetup(cell="rnn", text=TEXT))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await started(pilot)
        await pilot.press("ctrl+f2", "shift+f11")
        await pilot.pause()
        assert "W_hh" in " ".join(lines_of(panel.query_one(MemoryView)))
        assert "no parallel form" in " ".join(lines_of(panel.query_one(ScanView)))


@pytest.mark.parametrize("cell", ["mingru", "minlstm", "mlstm"])
async def test_the_scan_view_shows_the_sessions_comparison(cell):
    app = LstmApp(PanelSetup(cell=cell, text=TEXT))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await started(pilot)
        await pilot.press("shift+f11")
        await pilot.pause()
        scans = panel.session.scan_comparison()
        shown = lines_of(panel.query_one(ScanView))
        assert f"{len(TEXT)} steps" in shown[0]
        assert shown[2].split()[:4] == [
            "zero",
            *(difference(gap) for gap in (scans.from_zero, scans.float32_scan, scans.float32_loop)),
        ]
        assert shown[3].split()[1] == difference(scans.from_state)
        assert shown[3].split()[-1] == difference(scans.reference)
        assert len(shown) == ScanView.ROWS
        # the rows the view takes leave the others theirs: the bars shrink to make room
        units, _, _ = panel.layout_rows()
        assert units < panel.session.hidden_size


def test_a_gap_with_nan_says_in_how_many_units():
    from lstm_tui.analysis.parallel import Gap

    assert difference(Gap(0.0, 16)) == "NaN×16"
    assert difference(Gap(2.5e-3, 0)) == "2.5e-03"
    assert difference(None) == "–"


def test_axis_labels_of_huge_values_stay_short():
    labels = fit_axis(-4e34, 1e33, 6).labels()
    assert "0" in labels and all(len(label) <= 5 for label in labels)
    assert "−2e34" in labels


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_minlstm_half_life_and_scan(snap_compare, size):
    app = LstmApp(PanelSetup(cell="minlstm", hidden=16, seed=0, text=TEXT))
    assert snap_compare(app, run_before=press_and_settle("f3", "ctrl+f2", "shift+f11"), terminal_size=size)


def test_snapshot_slstm_without_its_stabiliser(snap_compare):
    app = LstmApp(PanelSetup(cell="slstm", hidden=16, seed=0, text=TEXT))
    keys = ("ctrl+f2", *["shift+f10"] * 8, "ctrl+f9", "alt+left")
    assert snap_compare(app, run_before=press_and_settle(*keys), terminal_size=(120, 40))
