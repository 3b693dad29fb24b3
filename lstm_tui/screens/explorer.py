"""The live panel: a one-line input that steps the model on every key, and the views around it.

Every global key sits on an F-key, ctrl, alt, escape or an arrow the input does not use, so every
printable character (q, ?, space, digits, Unicode) reaches the input.

The first frame holds the input, the status line and the footer only: NumPy, plotext and the model
(~0.2 s of imports and set-up) load right after it, and the views are mounted then. Keys typed
meanwhile wait in the queue and reach the input; the panel starts from whatever it holds.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input

from ..display import format_signed
from ..errors import UserError
from ..panel_setup import VIEWS, PanelSetup
from ..widgets.bars import BarsCaption, UnitBars, UnitLabels
from ..widgets.equation import EquationView
from ..widgets.heat import HeatLine, Heatmap
from ..widgets.key_footer import KeyFooter
from ..widgets.predictions import Predictions
from ..widgets.status import StatusLine
from ..widgets.text_input import TextInput

if TYPE_CHECKING:
    from ..model import CharModel
    from ..session import Session

HIDDEN_SIZES = (8, 16, 32, 64)
MAX_UNITS = 16
MIN_PLOT_ROWS = 8
FRAME_SECONDS = 1 / 60  # Textual paints at most this often: redrawing the views more often is wasted
FIXED_ROWS = 3  # input, status line, heat line (the footer's rows depend on the width)

STEP = Binding.Group("step", compact=True)
PAGE = Binding.Group("10 steps", compact=True)
UNITS = Binding.Group("unit", compact=True)
VIEW_KEYS = Binding.Group("bars·plot·heatmap·equation", compact=True)
CELL = Binding.Group("cell", compact=True)
MODEL = Binding.Group("seed·size", compact=True)
KNOB = Binding.Group("forget bias", compact=True)


class PanelArea(Horizontal):
    """Where the views go. The views share its rows, so they are laid out again whenever its size
    changes: the terminal resized, or the key footer wrapping to more or fewer rows."""

    def on_resize(self) -> None:
        self.screen.refresh_views()


class ExplorerScreen(Screen):
    BINDINGS = [
        Binding("alt+left", "scrub(-1)", "step back", group=STEP),
        Binding("alt+right", "scrub(1)", "step on", group=STEP),
        Binding("pageup", "scrub(-10)", "10 back", group=PAGE),
        Binding("pagedown", "scrub(10)", "10 on", group=PAGE),
        Binding("escape", "live", "live"),
        Binding("up", "unit(-1)", "previous unit", group=UNITS),
        Binding("down", "unit(1)", "next unit", group=UNITS),
        Binding("ctrl+t", "pin", "pin unit"),
        Binding("ctrl+f", "rank_units", "most active units", show=False),  # the bars' caption names it (F1 lists it)
        Binding("ctrl+l", "find_unit", "find unit"),
        Binding("f2", "toggle_view('gates')", "bars", group=VIEW_KEYS),
        Binding("f3", "toggle_view('plot')", "plot", group=VIEW_KEYS),
        Binding("f4", "toggle_view('heat')", "heatmap", group=VIEW_KEYS),
        Binding("f5", "toggle_view('equation')", "equation", group=VIEW_KEYS),
        Binding("f6", "toggle_plot_gates", "plot gates"),
        Binding("f7", "cell(1)", "next cell", group=CELL),
        Binding("shift+f7", "cell(-1)", "previous cell", group=CELL),
        Binding("f8", "seed", "new seed", group=MODEL),
        Binding("shift+f8", "hidden", "hidden size", group=MODEL),
        Binding("f9", "forget_bias(-1)", "lower", group=KNOB),
        Binding("f10", "forget_bias(1)", "raise", group=KNOB),
        Binding("ctrl+r", "reset", "reset"),
    ]

    def __init__(self, setup: PanelSetup | None = None, *, window: int | None = None, model: CharModel | None = None):
        """The session for ``setup`` is made when the panel starts, on ``model`` if given (one already
        built from the setup), running the model on at most ``window`` characters."""
        super().__init__()
        self.setup = setup or PanelSetup()
        self.session: Session | None = None
        self.window = window
        self._model = model
        self.panel_ready = False
        self._panel_started = asyncio.Event()
        self.views_shown = {"gates", "plot"} | {self.setup.view}  # the rest on F-keys: fewer bytes per key
        self._redraw_pending = False
        self._last_redraw = float("-inf")
        self._feature_index = -1  # the unit finder's last feature; ctrl+l moves to the next

    def compose(self) -> ComposeResult:
        yield TextInput(value=self.setup.text, placeholder="type here: every key steps the model", id="text")
        yield StatusLine(id="status")
        yield HeatLine(id="heat")
        yield PanelArea(id="panel")  # the views, mounted by start_panel
        yield KeyFooter()

    def on_mount(self) -> None:
        text_input = self.query_one("#text", Input)
        text_input.focus()
        self.watch(text_input, "value", self._text_changed, init=False)
        if not self.panel_ready:
            self.query_one(StatusLine).show([Text("loading the model…")])

    def on_screen_resume(self) -> None:
        # Before the app's first frame is out (Textual holds every paint while it starts) the app's
        # on_ready starts the panel instead; a screen that was covered then starts when it is shown.
        if not self.panel_ready and self.app.is_started():
            self.call_after_refresh(self.start_panel)

    async def start_panel(self) -> None:
        """Make the session, mount the views and draw them; once."""
        if self.session is not None:
            return
        from ..session import Session
        from ..widgets.plot import StatePlot

        options = {} if self.window is None else {"window": self.window}
        self.session = Session(self.setup, model=self._model, **options)
        self._model = None
        views = Vertical(
            BarsCaption(id="bars-caption"),  # shown by refresh_views, where a row is left for it
            Horizontal(UnitLabels(id="unit-labels"), UnitBars("gates", id="gate-bars"),
                       UnitBars("states", id="state-bars"), id="bars", classes="view-gates"),
            StatePlot(id="plot", classes="view-plot"),
            EquationView(id="equation", classes="view-equation"),
            Heatmap(id="heatmap", classes="view-heat"),
            id="views",
        )
        await self.query_one("#panel").mount_all([views, Predictions(id="predictions")])
        if not self.is_attached:
            return  # the app quit while the views were mounting
        self.panel_ready = True
        self.session.set_text(self.typed_text)  # keys typed while loading included
        self._apply_visibility()
        self.refresh_views()
        self.call_after_refresh(self.refresh_views)  # the views have their sizes only now
        self.refresh_bindings()
        self._panel_started.set()

    async def wait_for_panel(self) -> None:
        """Return once the panel has started (its keys act from then on)."""
        await self._panel_started.wait()

    @property
    def typed_text(self) -> str:
        """What the input holds (the session may not exist yet)."""
        return self.query_one("#text", Input).value

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The panel's keys wait (shown dimmed) until the panel has started."""
        return action not in PANEL_ACTIONS or self.panel_ready or None

    def _text_changed(self, value: str) -> None:
        """Step the model and redraw inside the input's own key handler, so the echo and the views are
        marked dirty together and go out in one frame (a handler of ``Input.Changed`` runs only after
        the echo alone has been painted: two frames per key, the second a frame period later)."""
        if not self.panel_ready:
            return  # start_panel runs the model on the input's value
        self.session.set_text(value)
        if time.monotonic() - self._last_redraw < FRAME_SECONDS:
            self.redraw_soon()  # keys faster than frames (a burst): one redraw for the lot
        else:
            self.refresh_views()

    def redraw_soon(self) -> None:
        """Redraw once the messages already queued are handled."""
        if not self._redraw_pending:
            self._redraw_pending = True
            self.call_later(self._redraw)

    def _redraw(self) -> None:
        if self._redraw_pending:
            self.refresh_views()

    # --- drawing -----------------------------------------------------------------------------------
    def layout_rows(self) -> tuple[int, int, bool]:
        """(units the bars and heatmap show, rows of the plot, whether the bars' caption fits) for the
        current size.

        The views share the rows below the input, status and heat lines (and above the footer): the
        equation takes its lines, the plot at least MIN_PLOT_ROWS, the bars and heatmap a header
        each (the bars also a caption, where a row is left for it) and one row per unit (at most 16),
        and the plot gets whatever is left.
        """
        panel = self.query_one("#panel")
        container = panel.parent
        height = container.size.height
        for footer in container.query_children(KeyFooter):
            height -= footer.lines_for(container.size.width)
        body = height - FIXED_ROWS
        equation = 0
        if "equation" in self.views_shown:
            equation = self.query_one(EquationView).rows_for(self.session, self.query_one("#views").size.width)
        views = ("gates" in self.views_shown) + ("heat" in self.views_shown)
        plot_minimum = MIN_PLOT_ROWS if "plot" in self.views_shown else 0
        caption = "gates" in self.views_shown and body - equation - plot_minimum - 2 * views > 0
        headers = views + caption
        units = 0
        if views:
            spare = (body - equation - plot_minimum - headers) // views
            units = max(1, min(MAX_UNITS, self.session.hidden_size, spare))
        return units, max(0, body - equation - headers - views * units), caption

    def refresh_views(self) -> None:
        if not self.panel_ready:
            return
        self._redraw_pending = False
        self._last_redraw = time.monotonic()
        session = self.session
        unit_count, plot_rows, caption = self.layout_rows()
        plot = self.query_one("#plot")
        if plot.styles.height is None or plot.styles.height.value != plot_rows:
            plot.styles.height = plot_rows
        units = session.shown_units(unit_count)
        self.query_one(StatusLine).update_from(session)
        self.query_one(HeatLine).update_from(session)
        self.query_one(Predictions).update_from(session)
        self.query_one(BarsCaption).display = caption
        if "gates" in self.views_shown:
            self.query_one(BarsCaption).update_from(session, units)
            self.query_one(UnitLabels).update_from(session, units)
            self.query_one("#gate-bars", UnitBars).update_from(session, units)
            self.query_one("#state-bars", UnitBars).update_from(session, units)
        if "plot" in self.views_shown:
            plot.update_from(session)
        if "equation" in self.views_shown:
            self.query_one(EquationView).update_from(session)
        if "heat" in self.views_shown:
            self.query_one(Heatmap).update_from(session, units)

    def _apply_visibility(self) -> None:
        for view in VIEWS:
            for widget in self.query(f".view-{view}"):
                widget.display = view in self.views_shown

    # --- actions ---------------------------------------------------------------------------------------
    def action_scrub(self, delta: int) -> None:
        self.session.move_cursor(delta)
        self.refresh_views()

    def action_live(self) -> None:
        self.session.cursor_to(None)
        self.refresh_views()

    def action_unit(self, delta: int) -> None:
        self.session.select_unit(self.session.selected_unit + delta)
        self.refresh_views()

    def action_find_unit(self) -> None:
        """Select the unit that best tracks the next feature (bracket depth, quotes, column, …)."""
        from ..analysis.units import FEATURES

        self._feature_index = (self._feature_index + 1) % len(FEATURES)
        feature = FEATURES[list(FEATURES)[self._feature_index]]
        found = self.session.find_unit(feature.name)
        if found is None:
            self.notify("type a few characters first: the unit finder correlates over the text", timeout=3)
            return
        unit, correlation = found
        if correlation == 0:  # the feature is constant over this text (no brackets, no quotes, …)
            self.notify(f"{feature.description}: it does not vary in this text, so no unit can follow it", timeout=4)
            return
        self.notify(f"{feature.description}: best unit {unit}, correlation {format_signed(correlation, plus=True)}",
                    timeout=4)
        self.refresh_views()

    def action_rank_units(self) -> None:
        """Rank the units by activity over the text so far: the bars show the most active ones."""
        self.session.rank_units()
        self.refresh_views()

    def action_pin(self) -> None:
        self.session.toggle_pin()
        self.refresh_views()

    def action_toggle_view(self, view: str) -> None:
        self.views_shown ^= {view}
        self._apply_visibility()
        self.refresh_views()
        self.call_after_refresh(self.refresh_views)  # views that were hidden have a size only now

    def action_toggle_plot_gates(self) -> None:
        plot = self.query_one("#plot")
        plot.show_gates = not plot.show_gates
        self.refresh_views()

    def action_cell(self, direction: int) -> None:
        name = self.session.next_cell(direction)
        self.notify(f"cell: {name}", timeout=2)
        self.refresh_views()

    def action_seed(self) -> None:
        self.load(replace(self.session.setup, model="random", weights=None, seed=self.session.setup.seed + 1))

    def action_hidden(self) -> None:
        current = self.session.hidden_size
        larger = [size for size in HIDDEN_SIZES if size > current]
        hidden = larger[0] if larger else HIDDEN_SIZES[0]
        self.load(replace(self.session.setup, model="random", weights=None, hidden=hidden))

    def action_forget_bias(self, direction: int) -> None:
        if not self.session.has_forget_knob:
            self.notify(f"{self.session.model.name} has no learned forget gate", severity="warning", timeout=3)
            return
        self.session.nudge_forget_bias(direction)
        self.refresh_views()

    def action_reset(self) -> None:
        self.session.reset()
        self.query_one("#text", Input).value = ""
        self.refresh_views()

    def show_model(self, setup: PanelSetup, model: CharModel) -> None:
        """Show ``model`` (described by ``setup``), keeping the typed text."""
        if self.session is None:  # start_panel will make the session on it
            self.setup, self._model = replace(setup, text=self.setup.text), model
            return
        self.session.load(setup, model=model)
        self.refresh_views()

    def load(self, setup: PanelSetup) -> None:
        """Switch to the model a setup describes, keeping the typed text (errors become a notice)."""
        try:
            self.session.load(setup)
        except (UserError, OSError) as error:
            self.notify(str(error), severity="error", timeout=5)
            return
        self.refresh_views()


# The panel's actions: disabled until it has started (a lesson screen also while the focus is elsewhere).
PANEL_ACTIONS = frozenset(binding.action.partition("(")[0] for binding in ExplorerScreen.BINDINGS)
