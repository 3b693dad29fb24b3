"""The App: modes for each part of the experience, global keys, the command palette.

Modes: "explore" (the live panel alone), "lessons" (a lesson beside the panel), "gradients" (the
gradient lab, entered with F12 from either, carrying the panel's text) and "training" (train a model,
F11, then open it in the panel). Nothing here prints to stderr
(Textual draws there) or opens a browser (``open_url`` only shows the address), and no timer runs
while idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

from .display import shown
from .errors import UserError
from .panel_setup import PanelSetup
from .screens.help import HelpScreen, help_sections, where_typing_goes
from .widgets.ascii_mode import AsciiFilter
from .widgets.explorer_panel import ExplorerPanel
from .widgets.key_footer import bindings_here, group_description

ASCII_FILTER = AsciiFilter()
LAB_MODE = "gradients"
COMPARE_MODE = "compare"
SHORT_ROWS = 16  # below this height the key footer gives its rows to the views (F1 still lists every key)
TRAINING_MODE = "training"
DARK_THEME, LIGHT_THEME = "textual-dark", "textual-light"
ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def require_terminal() -> None:
    """The app reads keys from a terminal. With standard input closed, Textual crashed; at end of file (a
    file or /dev/null) it spun on reads for ever. Under ``serve`` (TEXTUAL_DRIVER) it reads its own pipe."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return
    if sys.stdin is None or sys.stdin.closed or not sys.stdin.isatty():
        raise UserError(
            "the app needs a terminal, and standard input is closed or not one; for text that "
            "can be piped, see `lstm-tui lessons`, `lstm-tui lesson N` and `lstm-tui trace TEXT`"
        )


def ascii_wanted(args) -> bool:
    """ASCII mode from the top-level options: ``--ascii``, or a terminal/locale that cannot encode Unicode."""
    from .widgets.ascii_mode import unicode_unsupported

    return args.ascii or unicode_unsupported()


class LstmApp(App):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "lstm-tui"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (SHORT_ROWS, "-tall")]
    BINDINGS = [
        Binding("f1", "help", "help", id="app.help"),
        Binding("f12", "gradient_lab", "gradient lab", id="app.gradient-lab"),
        Binding("f12", "leave_gradient_lab", "back", id="app.leave-gradient-lab"),
        Binding("shift+f12", "compare", "compare", show=False, id="app.compare"),  # F1 and the palette list it
        Binding("shift+f12", "leave_compare", "back", id="app.leave-compare"),
        Binding("f11", "training", "train", id="app.training"),
        Binding("f11", "leave_training", "back", id="app.leave-training"),
        Binding("ctrl+s", "export_screen", "save screen", show=False, id="app.export-screen"),
        # priority: Textual stops looking for a key's binding at a modal screen (help, the command palette,
        # dialogs), unless the binding has priority; quitting must work from everywhere
        Binding("ctrl+q", "quit", "quit", priority=True, id="app.quit"),
    ]
    FOOTER_SECONDARY = ("app.training", "app.gradient-lab")  # when nothing else fits (key_footer)

    def __init__(
        self,
        setup: PanelSetup | None = None,
        *,
        window: int | None = None,
        mode: str = "explore",
        curriculum=None,
        progress=None,
        lesson: str | int | None = None,
        ascii_mode: bool = False,
        light: bool = False,
        model=None,
        compare=None,
        export_dir: str | None = None,
        playback=None,
    ):
        """``model``: one already built for ``setup`` (by the CLI, from a file), shown by the first explorer.
        ``mode`` "lessons" opens ``lesson`` (default: the last one read, else the first) beside the panel,
        with ``curriculum`` and ``progress`` (default: the shipped lessons, the user's progress file).
        ``ascii_mode``: borders, bars, plots and key names in plain ASCII (widgets read the flag).
        ``light``: start in the light theme (the palette switches at any time; widgets follow).
        ``compare``: a (PanelSetup, model or None) per panel of the compare view, for mode "compare".
        ``export_dir``: where ctrl+s saves the screen (default: ``exports`` in the user data folder).
        ``playback``: a coroutine function run with the app once it has started (``replay --app``)."""
        # The first screen is the start mode's, made when the app composes (switch_mode, in on_mount, would
        # hold back the first frame 50 ms behind a blank default screen). Textual copies MODES in __init__.
        self.MODES = {"explore": self.explorer_screen, "lessons": self.lesson_screen}
        if compare is not None:
            self.MODES[COMPARE_MODE] = partial(self.compare_screen, compare, compare[0][0].text)
        if mode not in self.MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.DEFAULT_MODE = mode
        super().__init__()
        self.ascii_mode = ascii_mode
        self.set_class(ascii_mode, "-ascii")
        self.theme = LIGHT_THEME if light else DARK_THEME
        self.setup = setup or PanelSetup()
        self.model = model
        self.window = window
        self.curriculum = curriculum
        self.progress = progress
        self.start_lesson = lesson
        self.export_dir = export_dir
        self.playback = playback
        self.lab_return_mode = mode
        self.training_return_mode = mode
        self.compare_return_mode = mode
        self.crash: Exception | None = None
        self.ended_by_signal = 0
        self._started = False
        self._waiting_for_start: list[tuple[DOMNode, object]] = []
        self.trained_models: list[tuple[PanelSetup, object]] = []  # runs finished in this app, the last first

    def get_line_filters(self):
        """Textual's filters (NO_COLOR's greys), then, in ASCII mode, everything drawn turned into ASCII."""
        filters = super().get_line_filters()
        return [*filters, ASCII_FILTER] if self.ascii_mode else filters

    def action_toggle_light(self) -> None:
        self.theme = LIGHT_THEME if self.current_theme.dark else DARK_THEME

    def run_or_raise(self, *, mouse: bool = True) -> int:
        """Run the app in this terminal; returns the exit status (128 + the signal's number when SIGTERM or
        SIGHUP ended it). An exception it did not handle is raised here, once the terminal is restored."""
        require_terminal()
        self.run(mouse=mouse)
        if self.crash is not None:
            raise self.crash
        return 128 + self.ended_by_signal if self.ended_by_signal else 0

    def on_load(self) -> None:
        """SIGTERM and SIGHUP end the app the way ctrl+q does: the terminal gets its main screen, cursor and
        mouse back (Python's default would leave it in the app's alternate screen with mouse reports on),
        and progress is saved."""
        if self.is_headless:
            return
        loop = asyncio.get_running_loop()
        for signum in ENDING_SIGNALS:
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):  # not the main thread, Windows
                loop.add_signal_handler(signum, self.end_on_signal, signum)

    def end_on_signal(self, signum: int) -> None:
        self.ended_by_signal = signum
        if self.progress is not None:
            self.progress.save()
        self.exit()

    def _handle_exception(self, error: Exception) -> None:
        # Textual's hook for an exception no handler caught: it exits the app and would print a long
        # traceback on stderr. Keep the error for run_or_raise (the CLI logs it to a file) instead.
        if self.crash is None:
            self.crash = error
        super()._handle_exception(error)
        self._exit_renderables.clear()

    def is_started(self) -> bool:
        """Whether the first frame is out. Before it (Textual batches every paint while the app starts),
        widgets put off slow work with ``when_started``."""
        return self._started

    def when_started(self, node: DOMNode, callback) -> None:
        """Have ``node`` run ``callback`` after the next refresh once the first frame is out (at once if it is)."""
        if self.is_started():
            node.call_after_refresh(callback)
        else:
            self._waiting_for_start.append((node, callback))

    def on_ready(self) -> None:
        self._started = True
        waiting, self._waiting_for_start = self._waiting_for_start, []
        for node, callback in waiting:
            if node.is_attached:
                node.call_after_refresh(callback)
        if self.playback is not None:
            self.run_worker(self.playback(self), exclusive=True)

    def focused_panel(self) -> ExplorerPanel | None:
        """The live panel the focus is in, else the current screen's first one (None without a panel)."""
        focused = self.screen.focused
        for node in focused.ancestors_with_self if focused is not None else ():
            if isinstance(node, ExplorerPanel):
                return node
        panels = self.screen.query(ExplorerPanel)
        return panels.first() if panels else None

    def explorer_screen(self) -> Screen:
        from .screens.explorer import ExplorerScreen

        model, self.model = self.model, None  # a model is shown once; a later explorer builds its own
        return ExplorerScreen(self.setup, window=self.window, model=model)

    def lesson_screen(self) -> Screen:
        from .curriculum import load_curriculum
        from .progress import Progress
        from .screens.lesson import LessonScreen

        self.curriculum = self.curriculum or load_curriculum()
        self.progress = self.progress or Progress.load(known=[lesson.slug for lesson in self.curriculum])
        key = self.start_lesson if self.start_lesson is not None else self.progress.last_lesson
        lesson = None
        if key is not None:
            try:
                lesson = self.curriculum.get(key)
            except UserError:  # the last lesson read no longer exists: start at the first one
                lesson = None
        return LessonScreen(self.curriculum, self.progress, lesson, window=self.window)

    # --- the compare view ----------------------------------------------------------------------------------
    def compare_screen(self, sources, text: str) -> Screen:
        from .screens.compare import CompareScreen

        return CompareScreen(sources, text=text, window=self.window)

    def open_compare(self) -> None:
        """Compare the focused panel's model with its counterpart (``panel_setup.counterpart``), on its text;
        a compare view opened before is replaced."""
        from copy import deepcopy

        from .panel_setup import counterpart

        panel = self.focused_panel()
        if panel is None or panel.session is None:
            return
        session = panel.session
        setup = replace(session.setup, text=panel.typed_text)
        # a model in memory or from a file is copied (the knob changes a model in place); others load again
        model = deepcopy(session.model) if setup.weights or setup.label else None
        sources = [(setup, model), (counterpart(setup), None)]
        if self.current_mode != COMPARE_MODE:
            self.compare_return_mode = self.current_mode
        if COMPARE_MODE in self._modes:
            self.remove_mode(COMPARE_MODE)
        self.add_mode(COMPARE_MODE, partial(self.compare_screen, sources, setup.text))
        self.switch_mode(COMPARE_MODE)

    def action_compare(self) -> None:
        self.open_compare()

    def action_leave_compare(self) -> None:
        self.switch_mode(self.compare_return_mode)

    # --- the gradient lab --------------------------------------------------------------------------------
    def open_gradient_lab(self, settings=None) -> None:
        """Switch to the lab with the panel's current text; ``settings`` (from a lesson) start a fresh lab."""
        from .screens.gradient_lab import GradientLabScreen

        panel = self.focused_panel()
        text = panel.typed_text if panel is not None else ""
        if self.current_mode != LAB_MODE:
            self.lab_return_mode = self.current_mode
        fresh = settings is not None or LAB_MODE not in self._modes
        if fresh:
            if LAB_MODE in self._modes:
                self.remove_mode(LAB_MODE)
            self.add_mode(LAB_MODE, lambda: GradientLabScreen(settings, text=text or None))
        self.switch_mode(LAB_MODE)
        if not fresh and text:
            self.screen.set_text(text)

    def action_gradient_lab(self) -> None:
        self.open_gradient_lab()

    def action_leave_gradient_lab(self) -> None:
        self.switch_mode(self.lab_return_mode)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in getattr(self.screen, "hidden_actions", ()):  # a lesson's hide_keys / hide_views
            return False
        if action == "gradient_lab":
            return self.current_mode != LAB_MODE
        if action == "leave_gradient_lab":
            return self.current_mode == LAB_MODE
        if action == "compare":
            return self.current_mode not in (COMPARE_MODE, LAB_MODE, TRAINING_MODE)
        if action == "leave_compare":
            return self.current_mode == COMPARE_MODE and self.compare_return_mode != COMPARE_MODE
        if action == "training":
            return self.current_mode != TRAINING_MODE
        if action == "leave_training":
            return self.current_mode == TRAINING_MODE
        return True

    # --- the training screen -----------------------------------------------------------------------------
    def action_training(self) -> None:
        from .screens.training import TrainingScreen

        if TRAINING_MODE not in self._modes:
            self.add_mode(TRAINING_MODE, TrainingScreen)
        self.training_return_mode = self.current_mode
        self.switch_mode(TRAINING_MODE)

    def action_leave_training(self) -> None:
        self.switch_mode(self.training_return_mode)

    def open_model_in_panel(self, model, setup: PanelSetup) -> None:
        """Show ``model`` (e.g. one just trained, described by ``setup``) in the explorer, keeping its text."""
        self.switch_mode("explore")
        self.screen.query_one(ExplorerPanel).show_model(setup, model)

    def keep_trained(self, setup: PanelSetup, model) -> None:
        """Offer a model the training screen finished in the model picker (the last RECENT_MODELS)."""
        from .limits import RECENT_MODELS

        self.trained_models = [(setup, model), *self.trained_models][:RECENT_MODELS]

    # --- the model picker ----------------------------------------------------------------------------------
    def model_choices(self, panel: ExplorerPanel) -> list:
        from .model_choices import all_choices
        from .training.run import models_dir

        setup = panel.session.setup
        return all_choices(
            recent=panel.recent,
            trained=self.trained_models,
            saved_folder=models_dir(),
            hidden=setup.hidden,
            seed=setup.seed,
        )

    def on_explorer_panel_models_wanted(self, event: ExplorerPanel.ModelsWanted) -> None:
        from .model_choices import describe_setup
        from .screens.model_picker import ModelPickerScreen

        panel = event.panel
        picker = ModelPickerScreen(self.model_choices(panel), describe_setup(panel.session.setup))
        self.push_screen(picker, panel.choose_model)

    def action_model_card(self) -> None:
        """The card of the model the focused panel shows."""
        from .model_choices import describe_setup
        from .screens.model_picker import show_card

        panel = self.focused_panel()
        if panel is not None and panel.ready:
            show_card(self, panel.session.setup, describe_setup(panel.session.setup))

    # --- notices ---------------------------------------------------------------------------------------
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity="information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice (screens' and widgets' ``notify`` lands here) is plain text, escaped: it may quote a
        file name or a file's contents, whose escape codes Textual would pass to the terminal and whose
        brackets it would read as markup (a stray "[/]" raised MarkupError). A notice with a title replaces
        those with the same title (the unit finder's: one notice however often its key is pressed)."""
        del markup  # no notice uses markup
        options = {} if timeout is None else {"timeout": timeout}
        super().notify(shown(message), title=shown(title), severity=severity, markup=False, **options)

    # --- saving the screen ------------------------------------------------------------------------------
    def action_export_screen(self) -> None:
        """Save the screen as SVG and text, with the data behind it, and say where (``screen_export``)."""
        from .screen_export import export_folder, export_screen

        try:
            folder = export_folder(self.export_dir)
            paths = export_screen(self, folder)
        except UserError as error:
            self.notify(str(error), severity="error", timeout=6)
            return
        names = ", ".join(path.name.removeprefix(paths[0].stem) or path.name for path in paths)
        self.notify(f"saved {paths[0].stem} ({names}) in {folder}", timeout=8)

    def _on_notify(self, event) -> None:
        # Textual's own handler runs after this one and adds the new notice.
        title = event.notification.title
        for notification in [old for old in self._notifications if title and old.title == title]:
            self._unnotify(notification, refresh=False)

    # --- never a browser ---------------------------------------------------------------------------------
    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        """Show the address for copying instead of opening it (over SSH a browser opens on the server)."""
        from .screens.web_link import WebLinkScreen

        self.push_screen(WebLinkScreen(url))

    # --- help and palette --------------------------------------------------------------------------------
    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(help_sections(self.screen), where_typing_goes(self.screen)))

    async def run_if_available(self, node: DOMNode, action: str) -> None:
        """Run a key's action from the palette, as its key would: not while its ``check_action`` says no
        or wait (the palette lists every key of the screen, "stop" before a start included)."""
        if self._check_action_state(action, node):
            await self.run_action(action, node)

    def get_system_commands(self, screen: Screen):
        """Every key that acts where the focus is is also a command in the palette (ctrl+p). Textual's own
        screenshot command is left out: ctrl+s ("Save screen") saves it, with the text, where it says."""
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command
        here = bindings_here(screen, unavailable=True)
        for node, binding, _ in here:
            if node is self or binding.id is None:  # the app's own commands, Textual's widget keys
                continue
            title = binding.description
            if binding.group:
                members = [other.description for _, other, _ in here if other.group is binding.group]
                title = f"{group_description(binding.group.description, members)}: {title}"
            yield SystemCommand(
                title.capitalize(),
                f"key {self.get_key_display(binding)}",
                partial(self.call_later, self.run_if_available, node, binding.action),
            )
        panel = self.focused_panel() if screen is self.screen else None
        if panel is not None and panel.ready:
            yield SystemCommand("Model card", "the card of the model the panel shows", self.action_model_card)
            for choice in self.model_choices(panel):
                if choice.setup is not None and choice.group != "recent":
                    yield SystemCommand(f"Model: {choice.name}", choice.summary, partial(panel.choose_model, choice))
        light = not self.current_theme.dark
        yield SystemCommand(
            "Dark theme" if light else "Light theme",
            "colours for a dark background" if light else "colours for a light background",
            self.action_toggle_light,
        )
        if self.check_action("training", ()):
            yield SystemCommand("Train a model", "F11: the training screen", self.action_training)
        if self.check_action("compare", ()):
            yield SystemCommand(
                "Compare models", "⇧F12: this panel's model beside its plain-RNN (or LSTM) twin", self.action_compare
            )
        yield SystemCommand(
            "Save screen",
            "ctrl+s: the screen as SVG and text, and its data, into the export folder",
            self.action_export_screen,
        )
