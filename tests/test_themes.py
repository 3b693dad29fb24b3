"""Dark and light themes, NO_COLOR: every colour the views choose reads on the background it is drawn on."""

import pytest
from rich.color import Color
from textual.theme import BUILTIN_THEMES

from lstm_tui.app import LstmApp
from lstm_tui.cli import build_parser
from lstm_tui.commands.serve import app_command
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.widgets.bars import UnitBars
from lstm_tui.widgets.heat import HeatLine
from lstm_tui.widgets.lines import LEVELS, value_style
from lstm_tui.widgets.palette import DARK, LIGHT, MONO, contrast, luminance, palette_for
from lstm_tui.widgets.plot import StatePlot

from .test_explorer_snapshots import press_and_settle

TYPED = "q? Hello 1"
TEXT_CONTRAST = 4.5  # WCAG AA for text: bar numbers, text on heat colours
LINE_CONTRAST = 3.0  # WCAG for graphics: plot curves
VALUES = [k / LEVELS for k in range(-LEVELS, LEVELS + 1)]


def rgb(colour: str) -> tuple[int, int, int]:
    return Color.parse(colour).get_truecolor()


def backgrounds(theme_name: str) -> list[tuple[int, int, int]]:
    """What the views are drawn on: the screen's background and the plots' surface."""
    variables = BUILTIN_THEMES[theme_name].to_color_system().generate()
    return [rgb(variables["background"]), rgb(variables["surface"])]


def styles(palette, *, ink: bool):
    for low, high in ((-1.0, 1.0), (0.0, 1.0)):
        for value in VALUES:
            if low <= value:
                yield value_style(value, low, high, palette, ink=ink)


@pytest.mark.parametrize(("palette", "theme"), [(DARK, "textual-dark"), (LIGHT, "textual-light")])
def test_bar_numbers_read_on_the_theme_background(palette, theme):
    for style in styles(palette, ink=True):
        for background in backgrounds(theme):
            assert contrast(rgb(style.color.name), background) >= TEXT_CONTRAST, (style, background)


@pytest.mark.parametrize("palette", [DARK, LIGHT, MONO])
def test_text_on_heat_colours_reads(palette):
    for style in styles(palette, ink=False):
        assert contrast(rgb(style.color.name), rgb(style.bgcolor.name)) >= TEXT_CONTRAST, style


def test_plot_curves_show_on_the_light_surface():
    surface = backgrounds("textual-light")[1]
    for colour in [*LIGHT.plot.values(), *LIGHT.sequence, LIGHT.cursor]:
        assert contrast(colour, surface) >= LINE_CONTRAST, colour


def test_without_colour_the_heat_greys_rise_with_the_value():
    """NO_COLOR turns colours into greys of equal luminance: blue and orange of one strength would look
    the same, so the mono ramp must order every value from −1 to 1 (and 0 to 1) by lightness."""
    for low in (-1.0, 0.0):
        shown = [v for v in VALUES if v >= low]
        greys = [luminance(rgb(value_style(v, low, 1.0, MONO).bgcolor.name)) for v in shown]
        assert greys == sorted(greys) and len(set(greys)) == len(greys)
    assert value_style(0.9, -1, 1, MONO, ink=True).color is None  # bar numbers in the terminal's text colour


def test_light_option_parses_and_is_passed_to_served_apps():
    args = build_parser().parse_args(["--light", "explore"])
    assert args.light and args.command == "explore"
    assert not build_parser().parse_args([]).light
    assert app_command(build_parser().parse_args(["--light", "serve"])).endswith("-m lstm_tui --light")


def ink_colours(app) -> set[str]:
    return {span.style.color.name for line in app.screen.query_one("#gate-bars", UnitBars).lines[1:]
            for span in line.spans if span.style.color is not None}


async def test_light_starts_light_and_the_palette_command_switches_back_and_redraws():
    app = LstmApp(PanelSetup(hidden=16, seed=0), light=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle(*TYPED)(pilot)
        assert app.theme == "textual-light" and palette_for(app.screen) is LIGHT
        light_inks = ink_colours(app)
        heat = app.screen.query_one(HeatLine).lines[0]
        plot_rows = [line.spans for line in app.screen.query_one(StatePlot).lines]
        app.action_toggle_light()
        await press_and_settle()(pilot)
        assert app.theme == "textual-dark"
        dark_inks = ink_colours(app)
        assert light_inks and dark_inks and not light_inks & dark_inks  # every bar drawn again
        assert app.screen.query_one(HeatLine).lines[0] != heat
        assert [line.spans for line in app.screen.query_one(StatePlot).lines] != plot_rows
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Light theme" in titles and "Dark theme" not in titles


async def test_no_color_draws_curves_with_their_letters(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = LstmApp(PanelSetup(hidden=16, seed=0))
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle(*TYPED)(pilot)
        assert palette_for(app.screen) is MONO
        plot = "\n".join(line.plain for line in app.screen.query_one(StatePlot).lines)
        assert "cc c" in plot and "hh h" in plot  # the legend: each curve's marker is its letter
        assert ink_colours(app) == set()


def test_explorer_in_the_light_theme_80x24(snap_compare):
    app = LstmApp(PanelSetup(hidden=16, seed=0), light=True)
    assert snap_compare(app, run_before=press_and_settle(*TYPED), terminal_size=(80, 24))
