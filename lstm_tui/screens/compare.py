"""The compare view: two or three live panels, each with its own model, fed one input.

Every key typed into the one input goes to every panel (``ExplorerPanel(own_input=False)``), and the
screen's keys act on all of them together: the time cursor, the selected unit, the views and the shown
layer. The panels never take the focus, so no key moves one alone. A summary line under the input sets
the panels' next-character guesses side by side and marks where they differ. The panels sit side by
side when each gets SIDE_BY_SIDE_COLUMNS columns, and are stacked otherwise. Each panel shows its plot
and attribution line to start with (F2-F5 and shift+F4 toggle views).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.screen import Screen

from ..widgets.compare_summary import CompareSummary
from ..widgets.explorer_panel import PAGE, STEP, UNITS, VIEW_KEYS, ExplorerPanel
from ..widgets.key_footer import KeyFooter
from ..widgets.text_input import TextInput

if TYPE_CHECKING:
    from ..model import CharModel
    from ..panel_setup import PanelSetup

LETTERS = "ABC"
MAX_PANELS = len(LETTERS)
SIDE_BY_SIDE_COLUMNS = 60  # a panel's width at least: its heat line then shows ~40 characters
COMPARE_VIEWS = frozenset({"plot", "attribution"})


class CompareScreen(Screen):
    DEFAULT_CSS = """
    CompareScreen { layout: vertical; }
    #compare-text { height: 1; border: none; padding: 0 1; background: $boost; }
    #compare-text:focus { border: none; background: $primary 20%; }
    #compare-summary { height: 1; }
    #compare-panels { layout: horizontal; height: 1fr; }
    #compare-panels.-stacked { layout: vertical; }
    #compare-panels ExplorerPanel { width: 1fr; height: 1fr; }
    #compare-panels > ExplorerPanel.-later { border-left: vkey $primary 30%; }
    #compare-panels.-stacked > ExplorerPanel.-later { border-left: none; border-top: hkey $primary 30%; }
    .-ascii #compare-panels > ExplorerPanel.-later { border-left: ascii $primary 30%; }
    .-ascii #compare-panels.-stacked > ExplorerPanel.-later { border-left: none; border-top: ascii $primary 30%; }
    """
    SCOPED_CSS = False  # the app's -ascii class is above the screen
    BINDINGS = [
        Binding("alt+left", "scrub(-1)", "step back", group=STEP, id="compare.step-back"),
        Binding("alt+right", "scrub(1)", "step on", group=STEP, id="compare.step-on"),
        Binding("pageup", "scrub(-10)", "10 back", group=PAGE, id="compare.page-back"),
        Binding("pagedown", "scrub(10)", "10 on", group=PAGE, id="compare.page-on"),
        Binding("escape", "live", "live", id="compare.live"),
        Binding("up", "unit(-1)", "previous unit", group=UNITS, id="compare.unit-previous"),
        Binding("down", "unit(1)", "next unit", group=UNITS, id="compare.unit-next"),
        Binding("f2", "toggle_view('gates')", "bars", group=VIEW_KEYS, id="compare.view-bars"),
        Binding("f3", "toggle_view('plot')", "plot", group=VIEW_KEYS, id="compare.view-plot"),
        Binding("f4", "toggle_view('heat')", "heatmap", group=VIEW_KEYS, id="compare.view-heatmap"),
        Binding("f5", "toggle_view('equation')", "equation", group=VIEW_KEYS, id="compare.view-equation"),
        Binding("shift+f4", "toggle_view('attribution')", "attribution", id="compare.view-attribution"),
        Binding("shift+f6", "shown_cell", "layer shown", id="compare.shown-cell"),
        Binding("ctrl+r", "reset", "reset", id="compare.reset"),
    ]
    ACTIONS = frozenset(binding.action.partition("(")[0] for binding in BINDINGS)

    def __init__(
        self, sources: list[tuple[PanelSetup, CharModel | None]], *, text: str = "", window: int | None = None
    ):
        """A panel per (setup, model or None) in ``sources`` (2 or 3), each running at most ``window``
        characters; ``text`` typed to start with."""
        if not 2 <= len(sources) <= MAX_PANELS:
            raise ValueError(f"compare shows 2 to {MAX_PANELS} models, not {len(sources)}")
        super().__init__()
        self.sources = sources
        self.text = text
        self.window = window

    def compose(self) -> ComposeResult:
        yield TextInput(value=self.text, placeholder="type here: every panel reads it", id="compare-text")
        yield CompareSummary(id="compare-summary")
        with Container(id="compare-panels"):
            for index, (setup, model) in enumerate(self.sources):
                panel = ExplorerPanel(
                    setup, window=self.window, model=model, own_input=False, id=f"compare-{LETTERS[index].lower()}"
                )
                panel.can_focus = False  # the screen's keys move every panel; none moves alone
                panel.set_class(index > 0, "-later")
                panel.views_shown = set(COMPARE_VIEWS)
                panel.set_text(self.text)  # before it starts: the text it starts from
                yield panel
        yield KeyFooter()

    def on_mount(self) -> None:
        self.watch(self.input, "value", self._text_changed, init=False)
        self.input.cursor_position = len(self.text)
        self.input.focus()
        for panel in self.panels:
            self.run_worker(self._summarise_when_ready(panel))

    @property
    def input(self) -> TextInput:
        return self.query_one("#compare-text", TextInput)

    @property
    def panels(self) -> list[ExplorerPanel]:
        return list(self.query(ExplorerPanel))

    @property
    def ready(self) -> bool:
        return all(panel.ready for panel in self.panels)

    async def wait_until_ready(self) -> None:
        for panel in self.panels:
            await panel.wait_until_ready()

    async def _summarise_when_ready(self, panel: ExplorerPanel) -> None:
        await panel.wait_until_ready()
        panel.refresh_bindings()
        self.refresh_summary()

    def on_resize(self) -> None:
        stacked = self.size.width < SIDE_BY_SIDE_COLUMNS * len(self.sources)
        self.query_one("#compare-panels").set_class(stacked, "-stacked")

    # --- one key ---------------------------------------------------------------------------------------
    def _text_changed(self, value: str) -> None:
        for panel in self.panels:
            panel.set_text(value)
        self.refresh_summary()

    def refresh_summary(self) -> None:
        if self.ready:
            self.query_one(CompareSummary).update_from([panel.session for panel in self.panels], LETTERS)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The lockstep keys wait (dimmed) until every panel has started; the shown layer's key is there
        when some panel shows a stacked or bidirectional model."""
        if action not in self.ACTIONS:
            return True
        if not self.ready:
            return None
        return action != "shown_cell" or any(not panel.session.model.stack.is_single for panel in self.panels)

    # --- actions, in every panel ---------------------------------------------------------------------
    def action_scrub(self, delta: int) -> None:
        for panel in self.panels:
            panel.action_scrub(delta)
        self.refresh_summary()

    def action_live(self) -> None:
        for panel in self.panels:
            panel.action_live()
        self.refresh_summary()

    def action_unit(self, delta: int) -> None:
        for panel in self.panels:
            panel.action_unit(delta)

    def action_toggle_view(self, view: str) -> None:
        for panel in self.panels:
            panel.action_toggle_view(view)

    def action_shown_cell(self) -> None:
        for panel in self.panels:
            if not panel.session.model.stack.is_single:
                panel.action_shown_cell()

    def action_reset(self) -> None:
        for panel in self.panels:
            panel.action_reset()
        self.input.value = ""  # the watcher feeds the panels "" (already theirs) and redraws the summary
