"""Options shared by every command that runs a model: ``--weights FILE`` or ``--model NAME``."""

from __future__ import annotations

from ..display import shown
from ..errors import UserError
from ..limits import CELL_NAMES, DEFAULT_CELL, DEFAULT_WINDOW, VIEW_HIDDEN
from ..models import shipped_names


def add_source_arguments(parser, weights_help: str) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--weights", metavar="FILE", help=weights_help)
    source.add_argument(
        "--model", metavar="NAME", help=f"a shipped trained model: {', '.join(shipped_names()) or 'none'}"
    )


def add_panel_arguments(parser, random_models: str, hidden_note: str, runs: str) -> None:
    """--hidden, --seed, --text and --window, as explore and compare take them for their live panels."""
    parser.add_argument(
        "--hidden", type=int, metavar="N", help=f"hidden size of {random_models} (default: {VIEW_HIDDEN}{hidden_note})"
    )
    parser.add_argument("--seed", type=int, metavar="S", help=f"seed of {random_models} (default: 0)")
    parser.add_argument("--text", default="", help="start with this text typed")
    parser.add_argument(
        "--window",
        type=int,
        default=DEFAULT_WINDOW,
        metavar="N",
        help=f"run {runs} on at most the last N characters (default: {DEFAULT_WINDOW})",
    )


def load_source(args, fixed_by_model: dict, cell: str | None = None):
    """The model from ``--weights`` or ``--model``, or None when neither is given.

    ``fixed_by_model`` maps option names to their values; any that was given is refused, because the
    file decides the cell and its size.
    """
    if args.weights is None and args.model is None:
        return None
    source = "--weights" if args.weights is not None else "--model"
    for option, value in fixed_by_model.items():
        if value is not None:
            raise UserError(f"{option} does not go with {source}: the model fixes the cell and its size")
    if args.model is not None:
        from ..training.shipped import load_shipped

        model = load_shipped(args.model)
        if cell is not None and cell != model.name:
            raise UserError(
                f"--cell {cell} does not go with --model {args.model}, which is a model of cell {model.name}"
            )
        return model
    from ..model.weights import load_model

    return load_model(args.weights, cell=cell)


def panel_source(name: str, *, hidden: int | None = None, seed: int | None = None, text: str = ""):
    """(PanelSetup, the model or None) for one model named on the command line: a shipped model's name, a
    registry cell's (a seeded random model of ``hidden`` units), or a weights file. Checked and loaded
    here, so errors come before the screen opens; a random model is built by its panel."""
    from ..panel_setup import PanelSetup, check_random_setup
    from ..training.shipped import load_shipped

    if name in shipped_names():
        model = load_shipped(name)
        return PanelSetup(cell=model.name, model=name, text=text), model
    if name in CELL_NAMES:
        random = PanelSetup()
        setup = PanelSetup(
            cell=name,
            hidden=random.hidden if hidden is None else hidden,
            seed=random.seed if seed is None else seed,
            text=text,
        )
        check_random_setup(setup)
        return setup, None
    from pathlib import Path

    if not Path(name).is_file():
        raise UserError(
            f"{shown(name)} is not a shipped model ({', '.join(shipped_names())}), a cell ({', '.join(CELL_NAMES)}) "
            "or a weights file"
        )
    from ..model.weights import load_model

    model = load_model(name)
    return PanelSetup(cell=model.name, weights=name, text=text), model


def check_window(window: int, model, what: str) -> None:
    """Refuse (UserError) a window of ``window`` characters that ``model`` could not run within the bounds."""
    from ..limits import check_run_size

    check_run_size(
        window, model.stack.units, len(model.vocab), what=what, untraced_values=model.stack.untraced_values_per_step()
    )


def add_model_arguments(parser, weights_help: str) -> None:
    """``--cell``, ``--weights`` or ``--model``, and ``--hidden``/``--seed`` of a random model."""
    parser.add_argument(
        "--cell",
        metavar="NAME",
        help=f"registry cell name (default {DEFAULT_CELL}); with --weights it must match the file, "
        "and it names the cell of a PyTorch .pt file",
    )
    add_source_arguments(parser, weights_help)
    parser.add_argument(
        "--hidden",
        metavar="N",
        type=int,
        help=f"hidden size of the random model (default {VIEW_HIDDEN}, as in explore)",
    )
    parser.add_argument("--seed", metavar="S", type=int, help="seed of the random model (default 0)")


def load_or_random(args):
    """The model the options of ``add_model_arguments`` ask for: a weights file, a shipped model, or a
    seeded random model over printable ASCII."""
    from ..model.charmodel import CharModel
    from ..panel_setup import PanelSetup, check_random_setup

    model = load_source(args, {"--hidden": args.hidden, "--seed": args.seed}, cell=args.cell)
    if model is not None:
        return model
    setup = PanelSetup(
        cell=args.cell or DEFAULT_CELL,
        hidden=VIEW_HIDDEN if args.hidden is None else args.hidden,
        seed=0 if args.seed is None else args.seed,
    )
    check_random_setup(setup)
    return CharModel.random(setup.cell, setup.hidden, seed=setup.seed)


def describe_source(args, model) -> str:
    """How a report names the model the options gave."""
    if args.model is not None:
        return f"shipped model {args.model}, cell {model.name}, {model.cell.hidden_size} units"
    if args.weights is not None:
        return f"weights file {args.weights}, cell {model.name}, {model.cell.hidden_size} units"
    return f"random model of cell {model.name}, {model.cell.hidden_size} units, seed {args.seed or 0}"


def curriculum_from(args):
    """The built-in lessons, or with ``--lessons-dir`` a teacher's, checked on their models before use."""
    from ..curriculum import load_curriculum, load_lessons

    if args.lessons_dir is None:
        return load_curriculum()
    from ..lesson_check import check_lessons

    curriculum = load_lessons(args.lessons_dir)
    check_lessons(curriculum)
    return curriculum


def progress_for(args, curriculum):
    """The learner's progress through ``curriculum``: a course of one's own keeps its own file."""
    from ..progress import Progress, course_path

    path = None if args.lessons_dir is None else course_path(args.lessons_dir)
    return Progress.load(path, known=[lesson.slug for lesson in curriculum])
