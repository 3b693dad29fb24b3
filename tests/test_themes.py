"""Dark and light themes, NO_COLOR: every colour the views choose reads on the background it is drawn on."""

from itertools import combinations

import pytest
from rich.color import STANDARD_PALETTE, Color, ColorSystem
from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import DEFAULT_TERMINAL_THEME
from textual.filter import LineFilter
from textual.theme import BUILTIN_THEMES

from lstm_tui.app import LstmApp
from lstm_tui.cli import build_parser
from lstm_tui.commands.serve import app_command
from lstm_tui.model import CELLS, CharModel
from lstm_tui.panel_setup import PanelSetup
from lstm_tui.widgets.bars import UnitBars
from lstm_tui.widgets.heat import HeatLine
from lstm_tui.widgets.lines import value_style
from lstm_tui.widgets.palette import DARK, LEVELS, LIGHT, MONO, contrast, luminance, palette_for
from lstm_tui.widgets.plot import StatePlot

from .ui_helpers import press_and_settle

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


@pytest.mark.parametrize("palette", [DARK, LIGHT, MONO])
def test_text_on_heat_colours_reads(palette):
    for style in styles(palette, ink=False):
        assert contrast(rgb(style.color.name), rgb(style.bgcolor.name)) >= TEXT_CONTRAST, style


DEPTHS = [ColorSystem.EIGHT_BIT, ColorSystem.STANDARD]
THEMES = [(DARK, "textual-dark"), (LIGHT, "textual-light")]


def terminal_rgbs(colour, depth: ColorSystem) -> list[tuple[int, int, int]]:
    """The RGB a terminal of ``depth`` colours shows for ``colour``: the colour itself in truecolor,
    xterm's in 256 colours; the 16 colours differ between terminals, so both of Rich's: the VGA palette
    its downgrade matches against and the palette its exports (and our snapshots) draw with."""
    if depth == ColorSystem.TRUECOLOR:
        return [colour]
    shown = Color.from_rgb(*colour).downgrade(depth)
    if depth == ColorSystem.EIGHT_BIT:
        return [tuple(shown.get_truecolor())]
    return [tuple(STANDARD_PALETTE[shown.number]), tuple(DEFAULT_TERMINAL_THEME.ansi_colors[shown.number])]


@pytest.mark.parametrize("depth", [ColorSystem.TRUECOLOR, *DEPTHS])
@pytest.mark.parametrize(("palette", "theme"), THEMES)
def test_bar_numbers_read_on_the_theme_background(palette, theme, depth):
    """In 16 colours the dark theme's negative numbers were bright blue on black (2.4:1) and the light
    theme's positive ones ANSI 3 on white (4.2:1): each ink must read on the background, as the
    terminal maps both, at every colour depth."""
    for style in styles(palette, ink=True):
        for background in backgrounds(theme):
            pairs = zip(terminal_rgbs(rgb(style.color.name), depth), terminal_rgbs(background, depth))
            for ink, ground in pairs:
                assert contrast(ink, ground) >= TEXT_CONTRAST, (style.color.name, ink, ground, depth.name)


def as_terminal_shows(colour, depth: ColorSystem) -> int:
    """The colour number a terminal of ``depth`` colours gets for ``colour`` (Rich's own downgrade,
    which Textual's output goes through)."""
    return Color.from_rgb(*colour).downgrade(depth).number


def series_shown_together() -> set[tuple[str, ...]]:
    """For every cell, what its state plot can show at once: its states c and h and, with F6, its gates
    (the plot shows no other traced value, such as sLSTM's normaliser n and stabiliser m)."""
    shown = set()
    for name in CELLS:
        cell = CharModel.random(name, 2, 0).cell
        shown.add(tuple(name for name in cell.trace_names if name in ("c", "h") or name in cell.gate_names))
    return shown


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize(("palette", "theme"), THEMES)
def test_every_plot_curve_keeps_its_own_colour_after_the_terminal_maps_it(palette, theme, depth):
    """Forget and output gates once shared a colour (ANSI red and magenta are one colour in Textual's
    dark ANSI theme) and g asked for a yellow plotext does not know: each curve shown with others must
    stay distinct from them, from the marker and from the plot's background in 256 and 16 colours."""
    surface = backgrounds(theme)[1]
    for names in series_shown_together():
        colours = {name: as_terminal_shows(palette.plot[name], depth) for name in names}
        colours["the step marker"] = as_terminal_shows(palette.cursor, depth)
        colours["the background"] = as_terminal_shows(surface, depth)
        for (first, a), (second, b) in combinations(colours.items(), 2):
            assert a != b, f"{first} and {second} look alike in {depth.name} ({theme}, cell with {names})"


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize(("palette", "theme"), THEMES)
def test_the_gradient_labs_curves_keep_their_colours(palette, theme, depth):
    shown = [as_terminal_shows(colour, depth) for colour in palette.sequence]
    assert len(set(shown)) == len(shown) and as_terminal_shows(backgrounds(theme)[1], depth) not in shown


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("palette", [DARK, LIGHT])
def test_every_heat_level_keeps_its_own_colour(palette, depth):
    """Lesson 12 reads structure in the heatmap: each level (both signs) must stay a colour of its own."""
    for low in (-1.0, 0.0):
        levels = [
            as_terminal_shows(Color.parse(value_style(value, low, 1.0, palette).bgcolor.name).get_truecolor(), depth)
            for value in VALUES
            if value >= low
        ]
        assert len(set(levels)) == len(levels), levels


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
    return {
        span.style.color.name
        for line in app.screen.query_one("#gate-bars", UnitBars).lines[1:]
        for span in line.spans
        if span.style.color is not None
    }


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


class SixteenColours(LineFilter):
    """What a 16-colour terminal shows: every colour replaced by the one Rich's downgrade picks (written
    back as its RGB, since screenshots are always truecolor)."""

    def apply(self, segments: list[Segment], background) -> list[Segment]:
        return [Segment(text, sixteen(style), None) for text, style, _ in segments]


def sixteen(style: Style | None) -> Style | None:
    if style is None:
        return None
    changes = {}
    for name in ("color", "bgcolor"):
        colour = getattr(style, name)
        if colour is not None and colour.triplet is not None:
            standard = colour.downgrade(ColorSystem.STANDARD).get_truecolor()
            changes[name] = Color.from_rgb(*standard)
    return style + Style(**changes) if changes else style


class SixteenColourApp(LstmApp):
    def get_line_filters(self):
        return [*super().get_line_filters(), SixteenColours()]


def test_explorer_in_16_colours_80x24(snap_compare):
    """The plot's curves, the heat line's levels and the bars as a 16-colour terminal shows them."""
    app = SixteenColourApp(PanelSetup(hidden=16, seed=0, view="heat", text="the cat sat on the mat"))
    assert snap_compare(app, run_before=press_and_settle("f6"), terminal_size=(80, 24))
