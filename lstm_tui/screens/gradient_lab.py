"""The gradient lab: exact ‖∂h_T/∂x_t‖ for several cells side by side, with live knobs.

Arrows select and turn the knobs (the screen has no text input, so arrows are free); F5 (or Enter on
"add cell") and F6 add and remove cells; ctrl+r restores the knobs the screen opened with; escape, like
F12, goes back. The numbers come from a
``GradientLab`` (plain Python) in a worker thread, so a slow setting (T = 1000, H = 128) never blocks
the keys; a newer request supersedes an older one.
"""

from __future__ import annotations

import json

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from ..analysis.gradient_flow import GradientSettings
from ..analysis.gradient_lab import GradientLab, LabView, readout_lines, settings_line, view_json
from ..display import shown
from ..errors import UserError
from ..limits import LAB_MAX_TEXT
from ..widgets.ascii_mode import in_ascii_mode, spell_ascii
from ..widgets.gradient_plot import GradientPlot
from ..widgets.key_footer import KeyFooter

GLOSSARY = """\
d: steps from x_t to h_T
fate: first d where the
 norm < 1e-6 (↓) or > 1e6
 (↑) × its value at d = 0
per step: fitted growth
Πf<½: memory half-life
clip: ‖∂h_T/∂x‖ before →
 after clipping at the
 threshold (global norm)"""

KNOB = Binding.Group("knob", compact=True)
VALUE = Binding.Group("value", compact=True)
CELLS = Binding.Group("cell", compact=True)


class GradientLabScreen(Screen):
    DEFAULT_CSS = """
    GradientLabScreen #gradient-top { height: 1fr; }
    GradientLabScreen #gradient-side { width: 30; padding: 0 1; border-left: solid $secondary; }
    GradientLabScreen #gradient-knobs { height: auto; margin-bottom: 1; }
    GradientLabScreen #gradient-glossary { color: $text-muted; }
    GradientLabScreen #gradient-status { height: 1; padding: 0 1; color: $text-muted; }
    GradientLabScreen #gradient-readouts { height: auto; padding: 0 1; }
    """

    BINDINGS = [
        Binding("up", "select(-1)", "previous knob", group=KNOB, id="gradient-lab.knob-up"),
        Binding("down", "select(1)", "next knob", group=KNOB, id="gradient-lab.knob-down"),
        Binding("left", "adjust(-1)", "lower", group=VALUE, id="gradient-lab.lower"),
        Binding("right", "adjust(1)", "raise", group=VALUE, id="gradient-lab.raise"),
        Binding("f5", "add_cell", "add", group=CELLS, id="gradient-lab.add-cell"),
        Binding("f6", "remove_cell", "remove", group=CELLS, id="gradient-lab.remove-cell"),
        Binding("ctrl+r", "reset", "reset knobs", id="gradient-lab.reset"),
        Binding("enter", "enter", "add the cell (on “add cell”)", show=False, id="gradient-lab.enter"),
        Binding("escape", "app.leave_gradient_lab", "back", show=False, id="gradient-lab.back"),
    ]

    def __init__(self, settings: GradientSettings | None = None, *, text: str | None = None, model=None):
        """``settings``: the knobs to open with (a lesson may set them); ``text``: the panel's typed text,
        used as the input when non-empty (default: ``settings.text``); ``model``: a CharModel (e.g. from a
        weights file) to analyse
        instead of random cells."""
        super().__init__()
        self.initial = (settings, text, model)
        self.lab = GradientLab(settings, text=text, model=model)
        self.view: LabView | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="gradient-top"):
            yield GradientPlot(id="gradient-plot")
            with Vertical(id="gradient-side"):
                yield Static(id="gradient-knobs", markup=False)
                yield Static(self.spell(GLOSSARY), id="gradient-glossary", markup=False)
        yield Static(id="gradient-status", markup=False)
        yield Static(id="gradient-readouts", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.changed()

    def spell(self, text: str) -> str:
        """``text`` as shown: spelt out in ASCII in ASCII mode."""
        return spell_ascii(text) if in_ascii_mode(self) else text

    # --- for the app -------------------------------------------------------------------------------
    def set_text(self, text: str) -> None:
        """Give the lab the panel's current text (call when the panel's text changes or on switching)."""
        if text[-LAB_MAX_TEXT:] != self.lab.text:
            self.lab.set_text(text)
            self.changed()

    # --- actions -----------------------------------------------------------------------------------
    def action_select(self, direction: int) -> None:
        self.lab.select(direction)
        self.show_knobs()

    def action_adjust(self, direction: int) -> None:
        if self.lab.adjust(direction):
            self.changed()

    def action_enter(self) -> None:
        if self.lab.selected_knob == "add":
            self.action_add_cell()

    def action_add_cell(self) -> None:
        if self.lab.add_cell():
            self.changed()

    def action_remove_cell(self) -> None:
        if self.lab.remove_cell():
            self.changed()

    def action_reset(self) -> None:
        settings, text, model = self.initial
        self.lab = GradientLab(settings, text=text, model=model)
        self.changed()

    # --- drawing -----------------------------------------------------------------------------------
    def changed(self) -> None:
        self.show_knobs()
        self.query_one("#gradient-status", Static).update(self.spell("computing…"))
        self.recompute(self.lab.settings)

    def show_knobs(self) -> None:
        self.query_one("#gradient-knobs", Static).update(self.spell("\n".join(self.lab.knob_lines())))

    @work(thread=True, exclusive=True, group="gradient-lab")
    def recompute(self, settings: GradientSettings) -> None:
        worker = get_current_worker()
        try:
            view = self.lab.compute(settings, should_stop=lambda: worker.is_cancelled)
        except UserError as error:
            self.app.call_from_thread(self.show_error, str(error))
            return
        except Exception as error:  # a failed computation is reported on the screen, not fatal to the app
            self.app.call_from_thread(self.show_error, f"{type(error).__name__}: {error}")
            return
        if view is not None and not worker.is_cancelled:
            self.app.call_from_thread(self.show_view, view)

    def export_files(self) -> dict[str, str]:
        """What ctrl+s saves beside the screen: the lab's numbers, as ``gradients --format json`` prints them."""
        if self.view is None:
            return {}
        return {".lab.json": json.dumps(view_json(self.view), allow_nan=False) + "\n"}

    def show_view(self, view: LabView) -> None:
        if view.settings != self.lab.settings:  # a newer request is on its way
            return
        self.view = view
        self.query_one("#gradient-status", Static).update(self.spell(settings_line(view)))
        self.query_one("#gradient-readouts", Static).update("\n".join(readout_lines(view, spell=self.spell)))
        self.query_one(GradientPlot).draw(view)

    def show_error(self, message: str) -> None:
        self.query_one("#gradient-status", Static).update(self.spell(f"cannot compute: {shown(message)}"))
