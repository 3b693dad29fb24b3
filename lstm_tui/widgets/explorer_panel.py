"""The live panel as one widget: a one-line input that steps the model on every key, the status and heat
lines, the views around them, the next-character predictions, its ``Session`` and its keys.

The explorer screen and the lesson screen compose one; a compare view composes two or three, each with
its own model, and feeds them the same text (``set_text``, or ``own_input=False`` for a panel that an
outside input drives). The panel's keys are bindings of this widget, so they act while the focus is
inside it (Textual's rule) and show in the footer then. Every key sits on an F-key, ctrl, alt, escape or
an arrow the input does not use, so every printable character reaches the input.

The first frame holds the input and the status line only: NumPy, plotext and the model (~0.2 s of
imports and set-up) load right after it, and the views are mounted then (``start``). Keys typed meanwhile
wait in the queue and reach the input; the panel starts from whatever it holds.
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
from textual.message import Message

from ..display import format_signed
from ..errors import UserError
from ..limits import PANEL_CONTINUATION_CHARS, RECENT_MODELS
from ..panel_setup import VIEWS, PanelSetup
from ..text_spans import add_span, spans_following
from .attribution import AttributionLine
from .bars import BarsCaption, UnitBars, UnitLabels
from .equation import EquationView
from .heat import HeatLine, Heatmap
from .predictions import Predictions
from .status import StatusLine
from .text_input import TextInput

if TYPE_CHECKING:
    from ..model import CharModel
    from ..session import Session

HIDDEN_SIZES = (8, 16, 32, 64)
MAX_UNITS = 16
MIN_PLOT_ROWS = 8
FRAME_SECONDS = 1 / 60  # Textual paints at most this often: redrawing the views more often is wasted
LINE_ROWS = 2  # the status line and the heat line (plus the input's row when the panel has its own)
FINDER = "unit finder"  # the title of its notices: a new one replaces the last
DEFAULT_VIEWS = frozenset({"gates", "plot"})  # the rest on F-keys: fewer bytes per key

STEP = Binding.Group("step", compact=True)
PAGE = Binding.Group("10 steps", compact=True)
UNITS = Binding.Group("unit", compact=True)
VIEW_KEYS = Binding.Group("views", compact=True)  # F1 names each
CELL = Binding.Group("cell", compact=True)
MODEL = Binding.Group("seed·size", compact=True)
KNOB = Binding.Group("forget bias", compact=True)
FIXED_ROW_VIEWS = ("equation", "memory", "scan")  # views that take the rows their content needs
STABILISER_ACTIONS = frozenset({"stabiliser", "input_bias"})  # sLSTM and mLSTM only


def same_model(one: PanelSetup, other: PanelSetup) -> bool:
    """Whether two setups name the same model (the text and the view aside): a lesson's try-it that loads
    the model already shown, or a recent model chosen again, adds no line to the recent list."""
    return replace(one, text="", view="gates") == replace(other, text="", view="gates")


class PanelArea(Horizontal):
    """Where the views go. The views share its rows, so they are laid out again whenever its size
    changes: the terminal resized, or the key footer wrapping to more or fewer rows."""

    def on_resize(self) -> None:
        panel = self.parent
        if isinstance(panel, ExplorerPanel):
            panel.refresh_views()


class ExplorerPanel(Vertical):
    """One model's live panel. Public: ``session`` (None until started), ``ready``, ``start()``,
    ``wait_until_ready()``, ``typed_text``, ``set_text``, ``show_model``, ``load``, ``configure``,
    ``views_shown``, ``focus_input()``, ``recent``, ``choose_model``."""

    class ModelsWanted(Message):
        """The model picker was asked for (the app opens it and hands the choice to ``choose_model``)."""

        def __init__(self, panel: ExplorerPanel):
            super().__init__()
            self.panel = panel

    BINDINGS = [
        Binding("alt+left", "scrub(-1)", "step back", group=STEP, id="panel.step-back"),
        Binding("alt+right", "scrub(1)", "step on", group=STEP, id="panel.step-on"),
        Binding("pageup", "scrub(-10)", "10 back", group=PAGE, id="panel.page-back"),
        Binding("pagedown", "scrub(10)", "10 on", group=PAGE, id="panel.page-on"),
        Binding("escape", "live", "live", id="panel.live"),
        Binding("up", "unit(-1)", "previous unit", group=UNITS, id="panel.unit-previous"),
        Binding("down", "unit(1)", "next unit", group=UNITS, id="panel.unit-next"),
        Binding("ctrl+t", "pin", "pin unit", id="panel.pin"),
        # the bars' caption names it (F1 lists it)
        Binding("ctrl+f", "rank_units", "most active units", show=False, id="panel.rank-units"),
        Binding("ctrl+l", "find_unit", "find unit", id="panel.find-unit"),
        Binding("f2", "toggle_view('gates')", "bars", group=VIEW_KEYS, id="panel.view-bars"),
        Binding("f3", "toggle_view('plot')", "plot", group=VIEW_KEYS, id="panel.view-plot"),
        Binding("f4", "toggle_view('heat')", "heatmap", group=VIEW_KEYS, id="panel.view-heatmap"),
        Binding("f5", "toggle_view('equation')", "equation", group=VIEW_KEYS, id="panel.view-equation"),
        Binding("shift+f4", "toggle_view('attribution')", "attribution line", show=False, id="panel.view-attribution"),
        # F1 lists these two (and lessons 17 and 18 use them): the footer keeps its rows for the common keys
        Binding("ctrl+f2", "toggle_view('memory')", "half-life view", show=False, id="panel.view-memory"),
        Binding("shift+f11", "toggle_view('scan')", "sequential vs parallel view", show=False, id="panel.view-scan"),
        Binding("f6", "toggle_plot_gates", "plot gates", id="panel.plot-gates"),
        # a stacked or bidirectional model only (check_action hides it otherwise)
        Binding("shift+f6", "shown_cell", "layer shown", id="panel.shown-cell"),
        Binding("f7", "cell(1)", "next cell", group=CELL, id="panel.cell-next"),
        Binding("shift+f7", "cell(-1)", "previous cell", group=CELL, id="panel.cell-previous"),
        Binding("shift+f2", "models", "models", id="panel.models"),
        Binding("shift+f1", "previous_model", "last model", id="panel.previous-model"),
        Binding("f8", "seed", "new seed", group=MODEL, id="panel.seed"),
        Binding("shift+f8", "hidden", "hidden size", group=MODEL, id="panel.hidden-size"),
        Binding("f9", "forget_bias(-1)", "lower", group=KNOB, id="panel.forget-bias-lower"),
        Binding("f10", "forget_bias(1)", "raise", group=KNOB, id="panel.forget-bias-raise"),
        Binding("ctrl+f9", "stabiliser", "stabiliser", id="panel.stabiliser"),
        # in F1 (and lesson 17), not the footer: at 80x24 the footer keeps three rows for sLSTM and mLSTM
        Binding("shift+f9", "input_bias(-1)", "lower ĩ bias", show=False, id="panel.input-bias-lower"),
        Binding("shift+f10", "input_bias(1)", "raise ĩ bias", show=False, id="panel.input-bias-raise"),
        Binding("ctrl+r", "reset", "reset", id="panel.reset"),
        Binding("insert", "continue_text", "model writes", show=False, id="panel.continue-text"),
        Binding("shift+f5", "record", "record / stop and save", show=False, id="panel.record"),
    ]
    # Keys the footer leaves out when it runs out of rows, the first first (F1 lists them; the status line
    # shows the forget bias; Escape is the usual way back).
    FOOTER_SECONDARY = (
        "panel.reset",
        "panel.forget-bias-lower",
        "panel.forget-bias-raise",
        "panel.plot-gates",
        "panel.pin",
        "panel.page-back",
        "panel.page-on",
        "panel.live",
        "panel.shown-cell",
        "panel.cell-next",
        "panel.cell-previous",
        "panel.find-unit",
    )
    # The actions above: they wait (shown dimmed) until the panel has started.
    ACTIONS = frozenset(binding.action.partition("(")[0] for binding in BINDINGS)

    def __init__(
        self,
        setup: PanelSetup | None = None,
        *,
        window: int | None = None,
        model: CharModel | None = None,
        own_input: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ):
        """The session for ``setup`` is made when the panel starts, on ``model`` if given (one already
        built from the setup), running the model on at most ``window`` characters. ``own_input=False``:
        no input of its own; the owner feeds it text with ``set_text`` (the panel then takes the focus
        itself, so its keys can act)."""
        super().__init__(id=id, classes=classes)
        self.setup = setup or PanelSetup()
        self.session: Session | None = None
        self.window = window
        self.own_input = own_input
        self.can_focus = not own_input
        self._model = model
        self._text = self.setup.text  # what a panel without an input was fed
        self._started = asyncio.Event()  # set once the panel is ready
        self._start_over = asyncio.Event()  # set once ``start`` has ended, ready or not (the app quit)
        self._starting = False
        self.views_shown = set(DEFAULT_VIEWS | {self.setup.view})
        self._redraw_pending = False
        self._last_redraw = float("-inf")
        self._feature_index = -1  # the unit finder's last feature; ctrl+l moves to the next
        self._views: dict[str, object] = {}  # the mounted views by id, looked up once (every key draws them)
        self._continuations = 0  # drawn so far: the seed of the next one
        self.recorder = None  # a recording.Recorder while shift+F5 records (widgets/panel_recording.py)
        self.on_drawn: list = []  # called with the panel after each redraw (a lesson's task line)
        self.hidden_views: frozenset[str] = frozenset()  # a lesson's hide_views: never shown
        self.hidden_keys: frozenset[str] = frozenset()  # a lesson's hide_keys (action names): not there at all
        self.recent: list[tuple[PanelSetup, CharModel]] = []  # models set aside by a switch, the last first
        self._stabiliser_keys = False  # whether the stabiliser's keys are shown

    def compose(self) -> ComposeResult:
        if self.own_input:
            yield TextInput(value=self.setup.text, placeholder="type here: every key steps the model", id="text")
        yield StatusLine(id="status")
        yield HeatLine(id="heat")
        yield AttributionLine(id="attribution", classes="view-attribution")
        yield PanelArea(id="panel-area")  # the views, mounted by start

    def on_mount(self) -> None:
        if self.own_input:
            self.watch(self.input, "value", self._text_changed, init=False)
            self.watch(self.input, "selection", self._caret_moved, init=False)
        if not self.ready:
            self.query_one(StatusLine).show([Text("loading the model…")])
        when_started = getattr(self.app, "when_started", None)  # the app holds paints until its first frame
        if when_started is None:
            self.call_after_refresh(self.start)
        else:
            when_started(self, self.start)

    # --- public --------------------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        """Whether the panel has started: its session exists and its views are drawn."""
        return self._started.is_set()

    @property
    def input(self) -> TextInput:
        """The panel's own input (only when made with ``own_input=True``)."""
        return self.query_one("#text", TextInput)

    @property
    def typed_text(self) -> str:
        """The text the panel shows (the session may not exist yet)."""
        return self.input.value if self.own_input else self._text

    def set_text(self, text: str) -> None:
        """Show ``text``: typed into the panel's input, or fed to a panel without one."""
        if self.own_input:
            self.input.replace(text, 0, len(self.input.value))  # undoable; the value watcher steps the model
        else:
            self._text = text
            self._text_changed(text)

    @property
    def model_spans(self) -> tuple[tuple[int, int], ...]:
        """The spans of the text the model wrote (Insert)."""
        return self.input.model_spans if self.own_input else ()

    @property
    def plot_gates_shown(self) -> bool:
        return self.ready and self._views["plot"].show_gates

    def show_replayed(self, views, plot_gates: bool, marks, caret: int) -> None:
        """Show a replay's state: the session's text in the input, its cursor, these views and marks
        (panel_recording)."""
        if self.own_input:
            self.input.model_spans = tuple(marks)
        self.set_text(self.session.text)
        if self.own_input:
            self.input.cursor_position = caret
        self._views["plot"].show_gates = plot_gates
        if set(views) != self.views_shown:
            self.views_shown = set(views)
            self._apply_visibility()
            self.call_after_refresh(self.refresh_views)  # views that were hidden have a size only now
        self.refresh_views()

    def focus_input(self) -> None:
        (self.input if self.own_input else self).focus()

    async def wait_until_ready(self) -> None:
        """Return once the panel has started (its keys act from then on)."""
        await self._started.wait()

    async def start(self) -> None:
        """Make the session, mount the views and draw them; once (later calls wait for the first)."""
        if self._starting:
            await self._start_over.wait()
            return
        self._starting = True
        try:
            await self._start()
        finally:
            self._start_over.set()

    async def _start(self) -> None:
        from ..session import Session
        from .modern_views import MemoryView, ScanView
        from .plot import StatePlot

        options = {} if self.window is None else {"window": self.window}
        self.session = Session(self.setup, model=self._model, **options)
        self._model = None
        views = Vertical(
            BarsCaption(id="bars-caption"),  # shown by refresh_views, where a row is left for it
            Horizontal(
                UnitLabels(id="unit-labels"),
                UnitBars("gates", id="gate-bars"),
                UnitBars("states", id="state-bars"),
                id="bars",
                classes="view-gates",
            ),
            StatePlot(id="plot", classes="view-plot"),
            EquationView(id="equation", classes="view-equation"),
            MemoryView(id="memory", classes="view-memory"),
            ScanView(id="scan", classes="view-scan"),
            Heatmap(id="heatmap", classes="view-heat"),
            id="views",
        )
        await self.query_one(PanelArea).mount_all([views, Predictions(id="predictions")])
        if not self.is_attached:
            return  # the app quit while the views were mounting
        self._views = {
            widget.id: widget
            for widget in self.query(
                "StatusLine, HeatLine, AttributionLine, Predictions, BarsCaption, UnitLabels, UnitBars, StatePlot, "
                "EquationView, Heatmap, MemoryView, ScanView"
            )
        }
        self._started.set()
        self.session.set_text(self.typed_text)  # keys typed while loading included
        self._apply_visibility()
        self.refresh_views()
        self.call_after_refresh(self.refresh_views)  # the views have their sizes only now
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The panel's keys wait (shown dimmed) until the panel has started; the shown layer's key shows for
        a stacked or bidirectional model only, the stabiliser's keys for a cell with one, in the footer's place
        of the forget-bias knob (the xLSTM cells have none: their forget gate is σ(f̃) per head), so the
        footer keeps its rows at 80x24; a lesson's hidden keys never act."""
        if self.hides(action, parameters):
            return False
        if action not in self.ACTIONS:
            return True
        if not self.ready:
            return None
        if action in STABILISER_ACTIONS:
            return self.session.has_stabiliser
        if action == "forget_bias" and self.session.has_stabiliser:
            return False
        return action != "shown_cell" or not self.session.model.stack.is_single

    def hides(self, action: str, parameters: tuple[object, ...] = ()) -> bool:
        """Whether a lesson hides this action: no key, no footer entry, no line in F1 or the palette."""
        if action == "toggle_view":
            return bool(parameters) and parameters[0] in self.hidden_views
        return action in self.hidden_keys

    def hide(self, views, keys) -> None:
        """Hide these views and keys (a lesson's ``hide_views``/``hide_keys``; empty: nothing hidden)."""
        self.hidden_views, self.hidden_keys = frozenset(views), frozenset(keys)
        if self.ready:
            self._apply_visibility()
            self.refresh_views()
        self.refresh_bindings()

    def show_model(self, setup: PanelSetup, model: CharModel) -> None:
        """Show ``model`` (described by ``setup``), keeping the typed text."""
        if self.session is None:  # start will make the session on it
            self.setup, self._model = replace(setup, text=self.setup.text), model
            return
        self.load(setup, model)

    def load(self, setup: PanelSetup, model: CharModel | None = None) -> None:
        """Switch to ``model`` or the one a setup describes, keeping the typed text; the model shown goes to
        the front of ``recent`` (errors become a notice, and the model shown stays)."""
        kept = self.session.set_aside()
        try:
            self.session.load(setup, model=model)
        except (UserError, OSError) as error:
            self.session.load(kept[0], model=kept[1])
            self.notify(str(error), severity="error", timeout=5)
            return
        shown = self.session.setup
        others = [pair for pair in self.recent if pair[1] is not self.session.model and not same_model(pair[0], shown)]
        self.recent = ([] if same_model(kept[0], shown) else [kept]) + others[: RECENT_MODELS - 1]
        self.refresh_views()

    def choose_model(self, choice) -> None:
        """Switch to a ``model_choices.ModelChoice`` (the picker's or the palette's); None does nothing."""
        if choice is None or choice.setup is None:
            return
        if choice.group == "trained":  # the training screen may still save it: the knob must not edit it
            import copy

            self.load(choice.setup, copy.deepcopy(choice.model))
        else:
            self.load(choice.setup, choice.model)

    def configure(self, setup: PanelSetup) -> None:
        """Re-configure the started panel: a fresh session on the setup's model, its text typed, its view
        shown (a lesson's try-it)."""
        self.session.reset()
        self.load(setup)
        self.session.set_text(setup.text)
        self.set_text(setup.text)  # the value watcher finds the session up to date
        self.views_shown = set(DEFAULT_VIEWS | {setup.view})
        self._apply_visibility()
        self.refresh_views()

    # --- one key -------------------------------------------------------------------------------------
    def _text_changed(self, value: str) -> None:
        """Step the model and redraw inside the input's own key handler, so the echo and the views are
        marked dirty together and go out in one frame (a handler of ``Input.Changed`` runs only after
        the echo alone has been painted: two frames per key, the second a frame period later)."""
        if not self.ready:
            return  # start runs the model on the input's value
        if self.own_input and self.input.model_spans:
            self.input.model_spans = spans_following(self.input.model_spans, self.session.text, value)
        self.session.set_text(value)
        if time.monotonic() - self._last_redraw < FRAME_SECONDS:
            self.redraw_soon()  # keys faster than frames (a burst): one redraw for the lot
        else:
            self.refresh_views()

    def _caret_moved(self) -> None:
        # a move alone draws no view, but a recording keeps it (not mid-edit: the edit's frame comes next)
        if self.recorder is not None and self.input.value == self.session.text:
            from .panel_recording import observe

            observe(self, caret_moved=True)

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
        panel's current height.

        The views share the rows below the input, status and heat lines: the equation takes its lines,
        the plot at least MIN_PLOT_ROWS, the bars and heatmap a header each (the bars also a caption,
        where a row is left for it) and one row per unit (at most 16), and the plot gets whatever is left.
        """
        shown = self.views_shown
        body = self.size.height - LINE_ROWS - self.own_input - ("attribution" in shown)
        equation = 0
        for name in FIXED_ROW_VIEWS:
            if name in shown:
                view = self._views[name]
                equation += view.rows_for(self.session, view.parent.size.width)  # the width of #views
        views = ("gates" in shown) + ("heat" in shown)
        plot_minimum = MIN_PLOT_ROWS if "plot" in shown else 0
        caption = "gates" in shown and body - equation - plot_minimum - 2 * views > 0
        headers = views + caption
        units = 0
        if views:
            spare = (body - equation - plot_minimum - headers) // views
            units = max(1, min(MAX_UNITS, self.session.hidden_size, spare))
        return units, max(0, body - equation - headers - views * units), caption

    def refresh_views(self) -> None:
        if not self.ready:
            return
        self._redraw_pending = False
        self._last_redraw = time.monotonic()
        session, views = self.session, self._views
        unit_count, plot_rows, caption = self.layout_rows()
        plot = views["plot"]
        if plot.styles.height is None or plot.styles.height.value != plot_rows:
            plot.styles.height = plot_rows
        units = session.shown_units(unit_count)
        views["status"].update_from(session)
        views["heat"].update_from(session)
        if "attribution" in self.views_shown:
            views["attribution"].update_from(session)
        views["predictions"].update_from(session)
        views["bars-caption"].display = caption
        if "gates" in self.views_shown:
            views["bars-caption"].update_from(session, units)
            views["unit-labels"].update_from(session, units)
            views["gate-bars"].update_from(session, units)
            views["state-bars"].update_from(session, units)
        if "plot" in self.views_shown:
            plot.update_from(session)
        if "equation" in self.views_shown:
            views["equation"].update_from(session)
        if "heat" in self.views_shown:
            views["heatmap"].update_from(session, units)
        for name in ("memory", "scan"):
            if name in self.views_shown:
                views[name].update_from(session)
        if session.has_stabiliser != self._stabiliser_keys:  # another cell: its keys show or hide
            self._stabiliser_keys = session.has_stabiliser
            self.refresh_bindings()
        for callback in self.on_drawn:
            callback(self)

    def _apply_visibility(self) -> None:
        self.views_shown -= self.hidden_views  # the layout counts only what is shown
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
            self.notify("type a few characters first: it correlates over the text", title=FINDER, timeout=3)
            return
        unit, correlation = found
        if correlation == 0:  # the feature is constant over this text (no brackets, no quotes, …)
            message = f"{feature.description}: it does not vary in this text, so no unit can follow it"
            self.notify(message, title=FINDER, timeout=4)
            return
        message = f"{feature.description}: best unit {unit}, correlation {format_signed(correlation, plus=True)}"
        self.notify(message, title=FINDER, timeout=4)  # replaces the last one (one title, one notice)
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
        plot = self._views["plot"]
        plot.show_gates = not plot.show_gates
        self.refresh_views()

    def action_cell(self, direction: int) -> None:
        name = self.session.next_cell_name(direction)
        self.load(replace(self.session.setup, cell=name, model="random", weights=None))
        self.notify(f"cell: {name}", timeout=2)

    def action_models(self) -> None:
        self.post_message(self.ModelsWanted(self))

    def action_previous_model(self) -> None:
        if not self.recent:
            self.notify("no earlier model yet: switching (models, seed, size) keeps the one shown here", timeout=4)
            return
        self.load(*self.recent[0])

    def action_shown_cell(self) -> None:
        """Show the next cell of a stacked or bidirectional model (the status line names it)."""
        self.session.next_cell_shown()
        self.refresh_views()

    def action_seed(self) -> None:
        self.load(replace(self.session.setup, model="random", weights=None, seed=self.session.setup.seed + 1))

    def action_hidden(self) -> None:
        current = self.session.hidden_size
        larger = [size for size in HIDDEN_SIZES if size > current]
        self.load(
            replace(self.session.setup, model="random", weights=None, hidden=larger[0] if larger else HIDDEN_SIZES[0])
        )

    def action_forget_bias(self, direction: int) -> None:
        if not self.session.has_forget_knob:
            self.notify(f"{self.session.model.name} has no learned forget gate", severity="warning", timeout=3)
            return
        self.session.nudge_forget_bias(direction)
        self.refresh_views()

    def action_continue_text(self) -> None:
        """Append what the model writes next (``model.sampling``, temperature 1, the n-th continuation
        seeded n), marked in the input as the model's; the views read it like typed text."""
        from ..model.sampling import SamplingSettings, sample

        session, text = self.session, self.typed_text
        settings = SamplingSettings(seed=self._continuations)
        try:
            written = sample(session.model, session.window_text, PANEL_CONTINUATION_CHARS, settings).text
        except UserError as error:
            self.notify(str(error), severity="warning", timeout=4)
            return
        self._continuations += 1
        self.set_text(text + written)
        if self.own_input:
            self.input.model_spans = add_span(self.input.model_spans, len(text), len(text) + len(written))
            self.refresh_views()  # a frame with the marks (a recording sees them)
        self.notify(f"the model wrote {len(written)} characters (seed {settings.seed}), underlined", timeout=3)

    def action_record(self) -> None:
        from .panel_recording import toggle_recording

        toggle_recording(self)

    def action_stabiliser(self) -> None:
        """Switch sLSTM's or mLSTM's stabiliser off (m = 0, float32: exp(ĩ) overflows past ĩ ≈ 88.7) or on."""
        self.session.set_stabiliser(self.session.stabiliser_off)  # the status line says which
        self.refresh_views()

    def action_input_bias(self, direction: int) -> None:
        self.session.nudge_input_bias(direction)
        self.refresh_views()

    def action_reset(self) -> None:
        self.session.reset()
        if self.own_input:
            self.input.model_spans = ()
            self.input.clear()  # ctrl+z brings the text back
        else:
            self._text = ""
        self.refresh_views()
