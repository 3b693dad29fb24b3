"""``lstm-tui train``: train a character model on a task and save it with its model card.

Progress goes to stdout: one redrawn line on a terminal, a plain line per update otherwise. Every option
and the output paths are checked before any text is made or read. A finished run is never thrown away: the
first Ctrl-C says at once that training stops after the current step, a second one skips measuring the
model on fresh text, and the weights are saved whatever happens next (under the user data folder if
``--out`` cannot be written then; the message names the file).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from ..display import shown
from ..errors import UserError, print_message
from ..limits import TRAINING_DEFAULTS, VIEW_HIDDEN

HELP = "Train a character model on a task (brackets, quotes, counting, signal, text) and save it as .npz."
BAR_WIDTH = 24
# Why a default differs from the one the other commands use (limits.py gives every default its reason).
REASONS = {
    "hidden": f"enough units to learn every shipped task in about 1,000 steps; explore and trace show "
    f"{VIEW_HIDDEN}, which fit the screen"
}


def add_arguments(parser) -> None:
    parser.add_argument("--task", required=True, metavar="NAME", help="brackets, quotes, counting, signal or text")
    parser.add_argument("--out", required=True, metavar="FILE.npz", help="where to save the weights and card")
    parser.add_argument("--card", metavar="FILE.md", help="also write the model card as Markdown")
    parser.add_argument(
        "--text-file", metavar="FILE", help="with --task text: a UTF-8 file to learn instead of the lessons"
    )
    parser.add_argument(
        "--keep-text",
        action="store_true",
        help="with --text-file: keep the file's held-out last tenth (up to 5,000 characters) in the "
        "model card, so its units can be checked again; by default the card names the file only",
    )
    for option, kind, metavar, name, what in (
        ("--cell", str, "NAME", "cell", "registry cell"),
        ("--hidden", int, "N", "hidden", "hidden size"),
        ("--steps", int, "N", "steps", "training steps"),
        ("--seed", int, "S", "seed", "random seed"),
        ("--batch", int, "N", "batch", "parallel sequences"),
        ("--seq-len", int, "T", "seq_len", "characters per truncated-BPTT chunk"),
        ("--lr", float, "RATE", "learning_rate", "Adam learning rate"),
        ("--clip", float, "NORM", "clip", "maximum gradient norm"),
        ("--layers", int, "N", "layers", "stacked recurrent layers, 1 to 4"),
    ):
        parser.add_argument(
            option,
            dest=name,
            type=kind,
            default=TRAINING_DEFAULTS[name],
            metavar=metavar,
            help=f"{what} (default {TRAINING_DEFAULTS[name]}" + (f": {REASONS[name]})" if name in REASONS else ")"),
        )
    parser.add_argument(
        "--bidirectional",
        action="store_true",
        default=TRAINING_DEFAULTS["bidirectional"],
        help="a reverse direction in every layer (it reads the answer to next-character targets from the future)",
    )
    parser.add_argument("--report-every", type=int, metavar="N", help="steps between progress updates")


def run(args) -> int:
    from ..model.registry import get_spec
    from ..training.run import save_run
    from ..training.shipped import card_meta, command_line, train_argv, train_model
    from ..training.tasks import get_task
    from ..training.trainer import TrainConfig

    tty = sys.stdout.isatty()
    config = TrainConfig(
        **{name: getattr(args, name) for name in TRAINING_DEFAULTS},
        report_every=args.report_every if args.report_every is not None else max(1, args.steps // (100 if tty else 20)),
    )
    config.check()
    get_spec(config.cell)  # an unknown cell is reported before any text is generated
    check_paths(args)
    if (args.text_file is not None or args.keep_text) and args.task != "text":
        raise UserError(f"{'--text-file' if args.text_file is not None else '--keep-text'} only goes with --task text")
    task = get_task(args.task, *corpus(args)) if args.task == "text" else get_task(args.task)
    printer = ProgressPrinter(tty)
    # The card's command repeats the run; a text file is named, not located (its folder is nobody's business).
    text_name = None if args.text_file is None else Path(args.text_file).name
    command = command_line(train_argv(args.task, config, text_file=text_name, out=args.out, card=args.card))
    keep_text = args.text_file is None or args.keep_text
    with Interrupts() as interrupts:
        result, setup_seconds = train_model(task, config, printer, interrupts.stop)
        printer.finish()
        try:  # from here a Ctrl-C raises KeyboardInterrupt: inside this block
            interrupts.measuring()
            print_message("measuring the model on fresh text (Ctrl-C skips this and saves it)")
            meta = card_meta(task, config, result, command, setup_seconds, keep_text=keep_text)
        except KeyboardInterrupt:
            meta = card_meta(task, config, result, command, setup_seconds, keep_text=keep_text, measured=False)
        interrupts.saving()
        saved, failure = save_run(result.model, meta, Path(args.out))
        card_failure = write_card(args.card, meta) if args.card else None
    report(meta, saved, args.card if args.card and card_failure is None else None)
    for problem in (failure, card_failure):
        if problem:
            print_message(problem)
    if failure:
        print_message(f"the trained model was saved to {saved} instead")
    return 2 if failure or card_failure else 0


def check_paths(args) -> None:
    """Before training, not after: --out names a new or existing .npz file (not a folder) in a folder that
    exists and can be written, and --card likewise (a different file)."""
    if not args.out.endswith(".npz"):
        raise UserError(f"--out must name an .npz file, not {args.out!r}")
    if args.card is not None and Path(args.card).resolve() == Path(args.out).resolve():
        raise UserError("--card and --out name the same file")
    for option, path in (("--out", args.out), ("--card", args.card)):
        if path is None:
            continue
        path = Path(path)
        if path.is_dir():
            raise UserError(f"{option}: {shown(path)} is a folder; give a file name in it")
        folder = path.parent
        if not folder.is_dir():
            raise UserError(f"{option}: the folder {str(folder)!r} does not exist")
        if not os.access(folder, os.W_OK):
            raise UserError(f"{option}: the folder {str(folder)!r} is not writable")


def corpus(args) -> tuple[list[Path], str]:
    """The text task's files and how the card names them: --text-file (by its name only), else the lessons."""
    if args.text_file is not None:
        return [Path(args.text_file)], Path(args.text_file).name
    from ..curriculum import lesson_files

    return lesson_files(), "the lessons"


def report(meta: dict, saved: Path, card: str | None) -> None:
    from ..training.shipped import best_unit

    if meta["stopped_early"]:
        print(f"stopped by Ctrl-C after {meta['steps']} of {meta['steps_planned']} steps")
    if meta["fresh_loss"] is None:
        print("not measured on fresh text (skipped by Ctrl-C)")
    else:
        print(f"fresh text: loss {meta['fresh_loss']:.4f} nats/char, accuracy {meta['fresh_accuracy']:.4f}")
    for feature in dict.fromkeys(unit["feature"] for unit in meta["units"]):
        unit = best_unit(meta, feature)
        print(f"best unit for {feature}: {unit['state']}[{unit['unit']}] correlation {unit['correlation']:+.3f}")
    print(f"saved {shown(saved)}" + (f" and {shown(card)}" if card else ""))


class Interrupts:
    """Ctrl-C while a run trains and saves (only the main thread can own signal handlers; elsewhere this
    does nothing). While training, the first Ctrl-C sets ``stop`` and says at once that training ends after
    the current step; while measuring, Ctrl-C raises KeyboardInterrupt (the caller skips the measuring);
    while saving, it is ignored with a word. The previous handler is back afterwards."""

    def __init__(self):
        self.stop = threading.Event()
        self.phase = "training"
        self.previous = None

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self.interrupted)
        return self

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)

    def measuring(self) -> None:
        self.phase = "measuring"

    def saving(self) -> None:
        self.phase = "saving"

    def interrupted(self, signum, frame) -> None:
        if self.phase == "measuring":
            say("skipping the measurements; saving the model")
            self.phase = "saving"
            raise KeyboardInterrupt
        if self.phase == "saving":
            say("saving the model, one moment")
        elif not self.stop.is_set():
            self.stop.set()
            say(
                "stopping after the current step; the model trained so far will be saved "
                "(Ctrl-C again skips measuring it)"
            )


def say(message: str) -> None:
    """One line on stderr from a signal handler: os.write, as print may be in the middle of a write
    (a redrawn progress bar: start on a new line)."""
    os.write(sys.stderr.fileno(), f"\nlstm-tui: {message}\n".encode("utf-8", "replace"))


class ProgressPrinter:
    """Prints training progress: a redrawn bar on a terminal, one plain line per update otherwise."""

    def __init__(self, tty: bool):
        self.tty = tty
        self.drawn = False

    def __call__(self, progress) -> None:
        from ..training.trainer import format_duration  # loaded by now: training has started

        fraction = progress.step / progress.steps
        eta = format_duration(progress.eta_seconds)
        numbers = (
            f"step {progress.step}/{progress.steps}  loss {progress.loss:.4f}  acc {progress.accuracy:.3f}"
            f"  {progress.steps_per_second:.1f} steps/s  ETA {eta}"
        )
        if self.tty:
            filled = round(fraction * BAR_WIDTH)
            print(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {numbers}\x1b[K", end="", flush=True)
            self.drawn = True
        else:
            print(numbers, flush=True)

    def finish(self) -> None:
        if self.drawn:
            print()


def write_card(path: str, meta: dict) -> str | None:
    """Write the model card as Markdown (atomically, never through a link); the problem, if any."""
    from ..safe_files import write_atomic
    from ..training.shipped import card_markdown

    try:
        write_atomic(Path(path), card_markdown(meta).encode("utf-8"))
    except UserError as error:
        return f"the model card was not written: {error}"
    return None
