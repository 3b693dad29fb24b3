"""``lstm-tui train``: train a character model on a task and save it with its model card.

Progress goes to stdout: one redrawn line on a terminal, a plain line per update otherwise. Ctrl-C stops
after the current step; what was trained is measured and saved as usual.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from ..errors import UserError
from ..limits import MAX_BATCH, MAX_HIDDEN, MAX_SEQ_LEN, TRAINING_DEFAULTS, VIEW_HIDDEN

HELP = "Train a character model on a task (brackets, quotes, counting, signal, text) and save it as .npz."
BAR_WIDTH = 24
# Why a default differs from the one the other commands use (limits.py gives every default its reason).
REASONS = {"hidden": f"enough units to learn every shipped task in about 1,000 steps; explore and trace show "
                     f"{VIEW_HIDDEN}, which fit the screen"}


def add_arguments(parser) -> None:
    parser.add_argument("--task", required=True, metavar="NAME", help="brackets, quotes, counting, signal or text")
    parser.add_argument("--out", required=True, metavar="FILE.npz", help="where to save the weights and card")
    parser.add_argument("--card", metavar="FILE.md", help="also write the model card as Markdown")
    parser.add_argument("--text-file", metavar="FILE", help="with --task text: a UTF-8 file to learn instead of the lessons")
    for option, kind, metavar, name, what in (
        ("--cell", str, "NAME", "cell", "registry cell"),
        ("--hidden", int, "N", "hidden", "hidden size"),
        ("--steps", int, "N", "steps", "training steps"),
        ("--seed", int, "S", "seed", "random seed"),
        ("--batch", int, "N", "batch", "parallel sequences"),
        ("--seq-len", int, "T", "seq_len", "characters per truncated-BPTT chunk"),
        ("--lr", float, "RATE", "learning_rate", "Adam learning rate"),
        ("--clip", float, "NORM", "clip", "maximum gradient norm"),
    ):
        parser.add_argument(option, dest=name, type=kind, default=TRAINING_DEFAULTS[name], metavar=metavar,
                            help=f"{what} (default {TRAINING_DEFAULTS[name]}"
                                 + (f": {REASONS[name]})" if name in REASONS else ")"))
    parser.add_argument("--report-every", type=int, metavar="N", help="steps between progress updates")


def run(args) -> int:
    from ..model.registry import get_spec
    from ..training.shipped import best_unit, card_markdown, command_line, train_argv, train_task
    from ..training.tasks import get_task
    from ..training.trainer import TrainConfig
    from ..model.weights import save_model

    for option, value, largest in (("--hidden", args.hidden, MAX_HIDDEN), ("--batch", args.batch, MAX_BATCH),
                                   ("--seq-len", args.seq_len, MAX_SEQ_LEN)):
        if value is not None and not 1 <= value <= largest:
            raise UserError(f"{option} must be between 1 and {largest}, not {value}")
    if not args.out.endswith(".npz"):
        raise UserError(f"--out must name an .npz file, not {args.out!r}")
    for option, path in (("--out", args.out), ("--card", args.card)):
        if path is not None:
            check_writable_folder(option, Path(path))
    tty = sys.stdout.isatty()
    config = TrainConfig(
        **{name: getattr(args, name) for name in TRAINING_DEFAULTS},
        report_every=args.report_every or max(1, args.steps // (100 if tty else 20)),
    )
    get_spec(config.cell)  # an unknown cell is reported before any text is generated
    if args.text_file is not None and args.task != "text":
        raise UserError("--text-file only goes with --task text")
    task = get_task(args.task, *corpus(args)) if args.task == "text" else get_task(args.task)
    printer = ProgressPrinter(tty)
    stop = threading.Event()
    with stop_on_interrupt(stop):
        argv = train_argv(args.task, config, text_file=args.text_file, out=args.out, card=args.card)
        training = train_task(task, config, printer, stop, command_line(argv))
    printer.finish()
    meta = training.meta
    save_model(training.model, args.out, meta=meta)
    if args.card:
        write_card(args.card, card_markdown(meta))
    if meta["stopped_early"]:
        print(f"stopped by Ctrl-C after {meta['steps']} of {meta['steps_planned']} steps")
    print(f"fresh text: loss {meta['fresh_loss']:.4f} nats/char, accuracy {meta['fresh_accuracy']:.4f}")
    for feature in dict.fromkeys(unit["feature"] for unit in meta["units"]):
        unit = best_unit(meta, feature)
        print(f"best unit for {feature}: {unit['state']}[{unit['unit']}] correlation {unit['correlation']:+.3f}")
    print(f"saved {args.out}" + (f" and {args.card}" if args.card else ""))
    return 0


def check_writable_folder(option: str, path: Path) -> None:
    """Before training, not after: a run must never end with nowhere to save it."""
    folder = path.parent
    if not folder.is_dir():
        raise UserError(f"{option}: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise UserError(f"{option}: the folder {str(folder)!r} is not writable")


def corpus(args) -> tuple[list[Path], str]:
    """The text task's files: --text-file, else the lessons."""
    if args.text_file is not None:
        return [Path(args.text_file)], args.text_file
    from ..curriculum import lesson_files

    return lesson_files(), "the lessons"




@contextmanager
def stop_on_interrupt(stop: threading.Event):
    """While active, the first Ctrl-C sets ``stop`` (training ends after the current step); a second one
    interrupts as usual. Only the main thread can own signal handlers, so elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def first_interrupt(signum, frame):
        stop.set()
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, first_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class ProgressPrinter:
    """Prints training progress: a redrawn bar on a terminal, one plain line per update otherwise."""

    def __init__(self, tty: bool):
        self.tty = tty
        self.drawn = False

    def __call__(self, progress) -> None:
        from ..training.trainer import format_duration  # loaded by now: training has started

        fraction = progress.step / progress.steps
        eta = format_duration(progress.eta_seconds)
        numbers = (f"step {progress.step}/{progress.steps}  loss {progress.loss:.4f}  acc {progress.accuracy:.3f}"
                   f"  {progress.steps_per_second:.1f} steps/s  ETA {eta}")
        if self.tty:
            filled = round(fraction * BAR_WIDTH)
            print(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {numbers}\x1b[K", end="", flush=True)
            self.drawn = True
        else:
            print(numbers, flush=True)

    def finish(self) -> None:
        if self.drawn:
            print()


def write_card(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}") from None
