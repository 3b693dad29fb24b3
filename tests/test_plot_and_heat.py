"""The state plot, the heat line and the heatmap show what is in view, on scales fitted to it."""

import math
import re

from hypothesis import given
from hypothesis import strategies as st
from textual_plotext.plot import Plot

from lstm_tui.app import LstmApp
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.widgets.heat import KEY_WIDTH, HeatLine, Heatmap
from lstm_tui.widgets.plot import FRAME_ROWS, StatePlot
from lstm_tui.widgets.plotext_canvas import dot_cell
from lstm_tui.widgets.scales import fit_axis, symmetric_scale

from .ui_helpers import press_and_settle

LABEL = re.compile(r"^ *(−?\d+(\.\d+)?)┤")  # a y tick label and the axis


def app_for(**setup):
    return LstmApp(PanelSetup(hidden=16, seed=0, **setup))


@given(st.floats(-50, 50), st.floats(-50, 50), st.integers(3, 40))
def test_the_axis_holds_the_values_and_zero_with_every_tick_on_a_row(a, b, rows):
    low, high = min(a, b), max(a, b)
    axis = fit_axis(low, high, rows)
    slack = axis.per_row * 1e-6  # a value within rounding of a row is drawn on it
    assert axis.bottom - slack <= min(low, 0) and max(high, 0) <= axis.top + slack
    ticks = axis.ticks()
    assert 0.0 in ticks
    for value in ticks:  # every tick an exact row: a whole number of rows from the bottom
        row = (value - axis.bottom) / axis.per_row
        assert abs(row - round(row)) < 1e-6 and 0 <= round(row) < rows
    gaps = {round((second - first) / axis.per_row) for first, second in zip(ticks, ticks[1:])}
    assert len(gaps) <= 1  # evenly spaced
    assert len(set(axis.labels())) == len(ticks)  # labels tell the ticks apart


def test_the_axis_stays_while_the_values_move_within_it():
    axis = fit_axis(-0.4, 0.3, 8)
    assert fit_axis(-0.38, 0.28, 8, axis) is axis
    assert fit_axis(-3.0, 0.3, 8, axis) is not axis


def test_the_heat_scale_is_the_round_number_above_the_largest_value():
    assert symmetric_scale(0.48) == 0.5 and symmetric_scale(0.51) == 0.6 and symmetric_scale(7.3) == 8
    assert symmetric_scale(0.0) == 0.01


def test_a_marker_lands_in_the_cell_of_its_curves_dot():
    """plotext puts a one-per-cell marker and a braille dot of the same value in different rows about
    a third of the time; dot_cell moves the marker to the dot's row."""
    for value in [k / 37 for k in range(-37, 38)]:
        rows = []
        for draw in ("curve", "marker"):
            plt = Plot()
            plt._limit_size(False, False)
            plt.plotsize(12, 7)
            plt._set_size(12, 7)
            plt.frame(False)
            plt.xticks([], [])
            plt.yticks([], [])
            plt.xlim(-0.5, 0.5)
            plt.ylim(-1, 1)
            if draw == "curve":
                plt.scatter([0], [value], marker="braille")
            else:
                plt.scatter([0], [dot_cell(value, (-1, 1), 7, 4)], marker="●")
            plt._build_matrix()
            matrix = plt.monitor.matrix
            rows.append([y for y in range(matrix.rows) if any(c.strip() for c in matrix.marker[y])])
        assert rows[0] == rows[1], value


def plot_rows(app) -> list[str]:
    return [line.plain for line in app.screen.query_one(StatePlot).lines]


async def test_the_plot_fits_its_values_marks_zero_and_keeps_the_legend_above():
    app = app_for(text="the cat sat on the mat")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle()(pilot)
        plot, session = app.screen.query_one(StatePlot), app.screen.panel.session
        rows = plot_rows(app)
        assert rows[0].startswith("unit 0") and "━━ c" in rows[0] and "━━ h" in rows[0]
        canvas = rows[1:-1]
        assert not any(re.search(r"[a-z]", row) for row in canvas)  # no legend text over the curves
        labels = [(y, LABEL.match(row).group(1)) for y, row in enumerate(canvas) if LABEL.match(row)]
        assert "0" in dict(labels).values() or "0.0" in dict(labels).values() or "0.00" in dict(labels).values()
        assert len({b - a for (a, _), (b, _) in zip(labels, labels[1:])}) <= 1  # evenly spaced rows
        values = [float(v) for name in ("c", "h") for v in session.trace(name)[:, 0]]
        assert plot.axis.bottom <= min(values) and max(values) <= plot.axis.top
        assert plot.axis.top - plot.axis.bottom < 4  # fitted, not the old fixed ±2 for values within ±0.7
        assert len(canvas) == plot.size.height - FRAME_ROWS >= 6  # rows to read at 80x24
        assert sum(row.count("●") for row in canvas) >= 1


async def test_the_plot_spans_the_text_while_typing_and_scrubbing():
    app = app_for()
    text = "the quick brown fox jumps over the lazy dog, and then some more text"
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle(*text)(pilot)
        plot = app.screen.query_one(StatePlot)
        characters = plot_rows(app)[-1]
        columns = plot.size.width - (len(characters) - len(characters.lstrip()))
        shown = characters.strip()
        assert text.endswith(shown.rstrip())
        assert len(shown) > columns * 7 / 8  # the last steps up to the one typed fill the width
        await press_and_settle("alt+left")(pilot)
        characters = plot_rows(app)[-1].strip()
        assert len(characters) == columns and text.endswith(characters)  # one step back: full width too


async def test_the_heat_line_and_heatmap_scale_to_what_they_show_and_give_the_key():
    app = app_for(text="the cat sat", view="heat")
    async with app.run_test(size=(100, 30)) as pilot:
        await press_and_settle()(pilot)
        session = app.screen.panel.session
        heat = app.screen.query_one(HeatLine).lines[0]
        scale = symmetric_scale(max(abs(float(v)) for v in session.trace("h")[:, 0]))
        assert heat.plain.rstrip().endswith(f"+ ±{scale:g}") and heat.plain.startswith(" the cat sat")
        assert len(heat.plain) == app.screen.query_one(HeatLine).size.width  # the key at the right end
        styles = {span.style.bgcolor.name for span in heat.spans if span.end <= 1 + len("the cat sat")}
        assert len(styles) >= 3  # typical values of |h| < 0.5 spread over the levels, not all near zero
        heatmap = app.screen.query_one(Heatmap)
        assert "±" in heatmap.lines[0].plain[-KEY_WIDTH:]
        assert math.isclose(scale, symmetric_scale(scale))


def backgrounds(line, count: int) -> list:
    """The background colour of the heat line's first ``count`` characters (after its first cell)."""
    colours = [None] * count
    for span in line.spans:
        for position in range(max(span.start, 1), min(span.end, count + 1)):
            if span.style.bgcolor is not None:
                colours[position - 1] = span.style.bgcolor
    return colours


async def test_while_typing_the_heat_colours_of_earlier_steps_keep_their_meaning():
    """Lesson 12: add characters and the earlier positions do not change. The scale only widens while
    typing (so a colour on screen keeps its meaning) and starts afresh for another unit."""
    app = app_for(text="the cat sat", view="heat")
    async with app.run_test(size=(100, 30)) as pilot:
        await press_and_settle("end")(pilot)  # (the text given is selected: typing would replace it)
        heat = app.screen.query_one(HeatLine)
        scales, first = [heat.scale.scale], backgrounds(heat.lines[0], 11)
        for char in " on the mat, and more":
            await press_and_settle(char)(pilot)
            scales.append(heat.scale.scale)
            if heat.scale.scale == scales[0]:
                assert backgrounds(heat.lines[0], 11) == first  # the same colours for the same steps
        assert scales == sorted(scales)
        await press_and_settle("down")(pilot)
        assert heat.scale.context[2] == 1  # another unit: fitted afresh


async def test_the_gaps_between_a_curves_dots_cost_no_change_of_colour():
    """Blank cells join the run before them, so a row is one span per run of a curve's colour (its
    bytes on the wire: each span is a colour change and back)."""
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle(*"the quick brown fox jumps over the lazy dog")(pilot)
        rows = app.screen.query_one(StatePlot).lines[1:-1]
        assert any(row.plain.count(" ") > 10 for row in rows)
        for row in rows:
            spans = sorted(row.spans, key=lambda span: span.start)
            for before, gap, after in zip(spans, spans[1:], spans[2:]):
                blank = not row.plain[gap.start : gap.end].strip()
                assert not (blank and before.style == after.style), row.plain
