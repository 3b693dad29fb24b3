"""The equation view wraps instead of cutting (issue 12): every line of every cell shows its numbers and its
result, in the explorer at 80x24 and in the lesson layout at 120x40."""

import pytest
from rich.cells import cell_len
from textual.widgets import Input

from lstm_tui.app import LstmApp
from lstm_tui.curriculum import load_curriculum
from lstm_tui.model import CELLS
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.progress import Progress
from lstm_tui.session import Session
from lstm_tui.widgets.equation import INDENT, rows_needed, wrapped
from lstm_tui.widgets.key_footer import KeyFooter


def words(text: str) -> str:
    return " ".join(text.split())


async def check_every_cell(pilot, screen) -> None:
    """For each cell: the rows fit the view, together they say all of each line, and the view ends above
    the footer."""
    view = screen.query_one("#equation")
    footer = screen.query_one(KeyFooter)
    for name in CELLS:
        screen.panel.session.switch_cell(name)
        screen.panel.session.set_text("hello")
        screen.panel.refresh_views()
        await pilot.pause()
        width = view.content_size.width
        rows = [line.plain for line in view.lines[1:]]
        assert all(cell_len(row) <= width for row in rows), (name, width, rows)
        shown = words(" ".join(rows))
        for line in screen.panel.session.equation_lines():
            # every traced line shows its value here, but for a constant (i = 1) and what is not traced (x̃)
            assert line.worked or line.value is None or not line.equation.operands, (name, line.display)
            assert words(line.display) in shown, (name, line.display, rows)
        assert view.region.bottom <= footer.region.y, name
        assert len(view.lines) == view.rows_for(screen.panel.session, screen.query_one("#views").size.width)


async def test_every_line_of_every_cell_shows_its_result_in_the_explorer_at_80x24():
    app = LstmApp(PanelSetup(hidden=8, view="equation"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await check_every_cell(pilot, app.screen)


async def test_every_line_of_every_cell_shows_its_result_beside_a_lesson_at_120x40(tmp_path):
    app = LstmApp(mode="lessons", curriculum=load_curriculum(), progress=Progress.load(tmp_path / "progress.json"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("ctrl+g")  # into the panel, whose keys then act
        assert app.focused is screen.query_one("#text", Input)
        await pilot.press("f5")
        await pilot.pause()
        assert "equation" in screen.panel.views_shown
        await check_every_cell(pilot, screen)


@pytest.mark.parametrize("width", [64, 44, 30])
def test_rows_break_where_the_widest_numbers_break_them(width):
    """Rows keep their places while the numbers change: the breaks come from the widest form."""
    session = Session(PanelSetup(cell="gru", hidden=6, seed=1))
    session.set_text("a(b)c")
    for step in range(session.length):
        for line, template in zip(session.equation_lines(step=step), session.widest_equation_lines()):
            rows = wrapped(line, template, width)
            assert len(rows) == rows_needed(template, width)
            assert all(row.plain.startswith(INDENT) for row in rows[1:])
            assert words(" ".join(row.plain for row in rows)) == words(line.display)


def test_a_line_that_fits_is_one_row_and_the_numbers_are_bold():
    session = Session(PanelSetup(cell="lstm", hidden=4))
    session.set_text("ab")
    line, template = session.equation_lines()[3], session.widest_equation_lines()[3]  # c = f ⊙ c₋₁ + i ⊙ g
    [row] = wrapped(line, template, 80)
    assert row.plain == line.display
    bold = "".join(row.plain[span.start : span.end] for span in row.spans if span.style == "bold")
    assert bold == row.plain[len(line.symbolic) :]
