"""The training screen: pick a task, a cell and sizes, train in a worker thread, watch the loss fall.

Training runs ``train_task`` (the same run as ``lstm-tui train``) in a thread worker, so the keys keep
working while it runs. The worker keeps every progress report for the loss curve and sends one to the
screen at most every ``POST_INTERVAL`` seconds; the curve is redrawn on a fixed cadence while training
runs (no timer runs while idle). F5 stops training after the current step and keeps the model trained
so far; the model can then go into the live panel or be saved under the user data folder.

Global keys are F-keys, ctrl and escape (back, like F11) only: the form's fields take every printable
character.
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, ProgressBar, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from ..display import shown
from ..errors import UserError
from ..limits import SCREEN_TRAINING_DEFAULTS as DEFAULTS
from ..model.registry import CELLS
from ..model.weights import save_model
from ..panel_setup import PanelSetup
from ..training.run import (
    ProgressRelay,
    build_task,
    count_line,
    loss_csv,
    numbers_line,
    read_config,
    result_line,
    save_path,
)
from ..training.shipped import TrainingRun, command_line, train_argv, train_task
from ..training.tasks import GENERATED, TASK_NAMES
from ..training.trainer import Progress, TrainConfig
from ..widgets.key_footer import KeyFooter
from ..widgets.loss_plot import LossPlot

PLOT_INTERVAL = 0.5  # seconds between loss-curve redraws while training


def panel_setup(meta: dict) -> PanelSetup:
    """How a live panel names a model the screen trained."""
    return PanelSetup(
        cell=meta["cell"],
        hidden=meta["hidden"],
        seed=meta["seed"],
        label=f"trained on {meta['task']}, {meta['steps']} steps",
    )


class TrainingScreen(Screen):
    BINDINGS = [
        Binding("f5", "start", "start training", id="training.start"),
        Binding("f5", "stop", "stop training", id="training.stop"),
        Binding("f6", "open_in_panel", "open in panel", id="training.open"),
        Binding("f7", "save", "save", id="training.save"),
        Binding("escape", "app.leave_training", "back", show=False, id="training.back"),
    ]

    def __init__(self):
        super().__init__()
        self.run: TrainingRun | None = None  # the last finished (or stopped) run
        self.run_argv: list[str] = []  # the ``lstm-tui train`` arguments that repeat it
        self.saved_path: Path | None = None
        self.stop_event: threading.Event | None = None
        self.relay: ProgressRelay | None = None
        self.plot_timer = None

    def compose(self) -> ComposeResult:
        with Vertical(id="training-form"):
            with Horizontal(classes="training-row"):
                yield Label("task", classes="training-label")
                yield Select(
                    [(name, name) for name in TASK_NAMES],
                    value=DEFAULTS["task"],
                    allow_blank=False,
                    compact=True,
                    id="training-task",
                )
                yield Label("cell", classes="training-label")
                yield Select(
                    [(name, name) for name in CELLS],
                    value=DEFAULTS["cell"],
                    allow_blank=False,
                    compact=True,
                    id="training-cell",
                )
            with Horizontal(classes="training-row"):
                for name, what in (("hidden", "hidden"), ("steps", "steps"), ("seed", "seed")):
                    yield Label(what, classes="training-label")
                    field = Input(str(DEFAULTS[name]), compact=True, id=f"training-{name}", classes="training-number")
                    field.cursor_blink = False  # a blinking cursor writes to the terminal while idle
                    yield field
        yield Static(id="training-message", markup=False)
        with Horizontal(id="training-progress-row"):
            yield ProgressBar(total=DEFAULTS["steps"], show_eta=False, id="training-progress")
            yield Static("not started", id="training-count", markup=False)
        yield Static(id="training-numbers", markup=False)
        yield LossPlot(id="training-loss")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.describe_task(DEFAULTS["task"])

    def on_unmount(self) -> None:
        if self.stop_event is not None:  # the app is closing: let the worker end after its current step
            self.stop_event.set()

    # --- state -------------------------------------------------------------------------------------
    @property
    def training(self) -> bool:
        return self.stop_event is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start":
            return not self.training
        if action == "stop":
            return self.training
        if action in ("open_in_panel", "save"):
            return self.run is not None and not self.training
        return True

    def say(self, message: str, *, error: bool = False) -> None:
        widget = self.query_one("#training-message", Static)
        widget.set_class(error, "-error")
        widget.update(shown(message))  # an error may quote a file's name or text

    @on(Select.Changed, "#training-task")
    def task_changed(self, event: Select.Changed) -> None:
        if not self.training:
            self.describe_task(str(event.value))

    def describe_task(self, name: str) -> None:
        description = GENERATED[name].description if name in GENERATED else "a character model of the lessons"
        self.say(f"{name}: {description}")

    @on(Input.Submitted, ".training-number")
    def submitted(self) -> None:
        if not self.training:
            self.action_start()

    # --- actions -----------------------------------------------------------------------------------
    def action_start(self) -> None:
        if self.training:
            # F5 pressed twice in quick succession can reach "start" again before the bindings are refreshed;
            # starting anew would cancel the run just begun (the worker is exclusive): F5 while training stops.
            self.action_stop()
            return
        task = str(self.query_one("#training-task", Select).value)
        fields = {name: self.query_one(f"#training-{name}", Input).value for name in ("hidden", "steps", "seed")}
        try:
            config = read_config(self.query_one("#training-cell", Select).value, **fields)
        except UserError as error:
            self.say(str(error), error=True)
            return
        self.stop_event = threading.Event()
        self.relay = ProgressRelay(self.post_progress)
        self.query_one(ProgressBar).update(total=config.steps, progress=0)
        self.query_one("#training-count", Static).update(f"step 0/{config.steps} · preparing the text…")
        self.query_one("#training-numbers", Static).update("")
        self.query_one(LossPlot).start(config.steps)
        self.say(f"training {config.cell} H={config.hidden} on {task}; F5 stops and keeps the model so far")
        self.plot_timer = self.set_interval(PLOT_INTERVAL, self.redraw_curve)
        self.refresh_bindings()
        self.train(task, config, self.stop_event, self.relay)

    def action_stop(self) -> None:
        if self.stop_event is not None:
            self.stop_event.set()
            self.say("stopping after the current step…")

    def action_open_in_panel(self) -> None:
        run = self.run
        if run is None:
            return
        # a copy: the panel's forget-bias knob edits its model in place, and this one may still be saved
        self.app.open_model_in_panel(copy.deepcopy(run.model), panel_setup(run.meta))

    def action_save(self) -> None:
        if self.run is None:
            return
        try:
            path = save_path(self.run.meta)
            path.parent.mkdir(parents=True, exist_ok=True)
            command = command_line([*self.run_argv, "--out", path.name])
            save_model(self.run.model, path, meta={**self.run.meta, "command": command})
        except (UserError, OSError) as error:
            detail = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            self.say(f"not saved: {detail} · the model is still here (F6 opens it, F7 tries again)", error=True)
            return
        self.saved_path = path
        self.say(f"saved {path}")

    # --- the worker and its reports ----------------------------------------------------------------
    @work(thread=True, exclusive=True, group="training", exit_on_error=False)
    def train(
        self, task_name: str, config: TrainConfig, stop: threading.Event, relay: ProgressRelay
    ) -> TrainingRun | None:
        argv = train_argv(task_name, config)
        try:
            run = train_task(build_task(task_name), config, relay, stop, command_line(argv))
        except UserError as error:
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self.finish, None, argv, str(error))
            return None
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.finish, run, argv, "")
        return run

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failure that is not the user's (a bug, memory) still ends the run on screen, with its message."""
        if event.worker.group == "training" and event.state == WorkerState.ERROR:
            error = event.worker.error
            self.finish(None, [], f"{type(error).__name__}: {error}")

    def post_progress(self, progress: Progress) -> None:
        """In the worker thread: hand a report to the screen (unless the app is closing)."""
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_progress, progress)

    def show_progress(self, progress: Progress) -> None:
        """A throttled report from the worker: the bar and its numbers (the curve has its own cadence)."""
        self.show_counts(progress)
        if progress.step == progress.steps:
            self.query_one("#training-count", Static).update(f"step {progress.step}/{progress.steps} · measuring…")

    def show_counts(self, progress: Progress) -> None:
        self.query_one(ProgressBar).update(total=progress.steps, progress=progress.step)
        self.query_one("#training-count", Static).update(count_line(progress))
        self.query_one("#training-numbers", Static).update(numbers_line(progress))

    def export_files(self) -> dict[str, str]:
        """What ctrl+s saves beside the screen: the loss curve's numbers, once there are some."""
        reports = list(self.relay.reports) if self.relay is not None else []
        return {".loss.csv": loss_csv(reports)} if reports else {}

    def redraw_curve(self) -> None:
        reports = list(self.relay.reports) if self.relay is not None else []
        self.query_one(LossPlot).show_points([report.step for report in reports], [report.loss for report in reports])

    def finish(self, run: TrainingRun | None, argv: list[str], error: str) -> None:
        if self.plot_timer is not None:
            self.plot_timer.stop()
            self.plot_timer = None
        self.redraw_curve()
        self.stop_event = None
        if run is None:
            self.say(f"training failed: {error}", error=True)
        else:
            self.run, self.run_argv, self.saved_path = run, argv, None
            history = run.result.history
            if history:  # the last report, which the throttle may have held back
                self.show_counts(history[-1])
            self.say(result_line(run.meta) + " · F6 opens it in the panel, F7 saves it")
            self.app.keep_trained(panel_setup(run.meta), run.model)  # the model picker lists it
        self.refresh_bindings()
