"""A training run as the training screen drives it: the form's fields read and checked, the task built,
progress relayed from the worker thread, the result described and a file name to save it under.
Plain Python (no terminal code), so it is tested without a screen."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from ..errors import UserError
from ..limits import MAX_HIDDEN, MAX_SEED, MAX_STEPS
from ..model.registry import CELLS
from ..model.weights import model_file_bytes
from ..safe_files import write_atomic
from .tasks import get_task
from .trainer import Progress, TrainConfig, format_duration

CURVE_POINTS = 200  # progress reports per run at most: the curve's resolution
POST_INTERVAL = 0.25  # seconds between progress updates sent to the screen
MODELS_FOLDER = "models"


def whole_number(text: str, what: str, low: int, high: int) -> int:
    """``text`` as an int in [low, high], or a UserError that says what was wrong."""
    try:
        value = int(text.strip().replace("_", ""))
    except ValueError:
        raise UserError(f"{what} must be a whole number, not {text.strip()!r}") from None
    if not low <= value <= high:
        raise UserError(f"{what} must be between {low} and {high}, not {value}")
    return value


def read_config(cell: object, hidden: str, steps: str, seed: str) -> TrainConfig:
    """The form's fields as a training configuration (every other setting as in ``lstm-tui train``)."""
    if cell not in CELLS:
        raise UserError("choose a cell")
    steps_value = whole_number(steps, "steps", 1, MAX_STEPS)
    return TrainConfig(
        cell=str(cell),
        hidden=whole_number(hidden, "hidden size", 1, MAX_HIDDEN),
        steps=steps_value,
        seed=whole_number(seed, "seed", 0, MAX_SEED),
        report_every=max(1, steps_value // CURVE_POINTS),
    )


def build_task(name: str):
    """A task by name; ``text`` learns the lessons."""
    if name != "text":
        return get_task(name)
    from ..curriculum import lesson_files

    return get_task(name, lesson_files(), "the lessons")


def models_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("lstm-tui", appauthor=False)) / MODELS_FOLDER


def save_path(meta: dict) -> Path:
    """A new file under the user data folder, named after the run (never an existing file)."""
    folder = models_dir()
    stem = f"{meta['task']}-{meta['cell']}-h{meta['hidden']}-{meta['steps']}steps-seed{meta['seed']}"
    path, number = folder / f"{stem}.npz", 1
    while path.exists():
        number += 1
        path = folder / f"{stem}-{number}.npz"
    return path


def save_run(model, meta: dict, path: Path) -> tuple[Path, str | None]:
    """Save a finished run at ``path``, or, when that fails (a full disk, a folder gone read-only), as a new
    file under the user data folder: a run is never thrown away. Returns where it went and why ``path``
    failed (None if it did not); raises UserError saying both failures only when neither could be written,
    or when the model itself cannot be stored (NaN weights: it diverged)."""
    data = model_file_bytes(model, meta, path)
    try:
        write_atomic(path, data)
        return path, None
    except UserError as error:
        failure = str(error)
    fallback = save_path(meta)
    try:
        fallback.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(fallback, data)
    except (UserError, OSError) as error:
        raise UserError(
            f"{failure}; the trained model could not be saved to {fallback} either "
            f"({getattr(error, 'strerror', None) or error})"
        ) from None
    return fallback, failure


def count_line(progress: Progress) -> str:
    return f"step {progress.step}/{progress.steps} · ETA {format_duration(progress.eta_seconds)}"


def numbers_line(progress: Progress) -> str:
    return f"loss {progress.loss:.4f} · accuracy {progress.accuracy:.3f} · {progress.steps_per_second:.1f} steps/s"


def result_line(meta: dict) -> str:
    """What the run reached: training loss of its last steps and the loss on fresh text."""
    head = (
        f"stopped after {meta['steps']} of {meta['steps_planned']} steps"
        if meta["stopped_early"]
        else f"trained {meta['steps']} steps"
    )
    if meta["train_loss"] is None:
        return f"{head} · fresh text {meta['fresh_loss']:.4f}, acc {meta['fresh_accuracy']:.3f}"
    return (
        f"{head} · final loss {meta['train_loss']:.4f}, acc {meta['train_accuracy']:.3f}"
        f" · fresh text {meta['fresh_loss']:.4f}, acc {meta['fresh_accuracy']:.3f}"
    )


def loss_csv(reports: list[Progress]) -> str:
    """The loss curve as CSV: one row per progress report (loss and accuracy averaged since the one before)."""
    rows = ["step,loss,accuracy"] + [f"{r.step},{r.loss!r},{r.accuracy!r}" for r in reports]
    return "\n".join(rows) + "\n"


class ProgressRelay:
    """The trainer's progress callback, in the worker thread: keeps every report (the curve) and passes
    one to ``post`` at most every ``interval`` seconds (the first and the last at once)."""

    def __init__(self, post: Callable[[Progress], None], interval: float = POST_INTERVAL, clock=time.monotonic):
        self.post = post
        self.interval = interval
        self.clock = clock
        self.reports: list[Progress] = []
        self.last_post = float("-inf")

    def __call__(self, progress: Progress) -> None:
        self.reports.append(progress)  # read by the screen's plot timer: list appends are atomic
        now = self.clock()
        if now - self.last_post >= self.interval or progress.step == progress.steps:  # the last one always
            self.last_post = now
            self.post(progress)
