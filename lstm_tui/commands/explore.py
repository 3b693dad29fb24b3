"""``lstm-tui explore``: open the live panel straight away, input focused."""

from __future__ import annotations

from ..errors import UserError
from ..limits import DEFAULT_CELL, MAX_WINDOW
from .sources import add_panel_arguments, add_source_arguments, check_window, load_source

HELP = "type characters and watch a cell's gates respond (the live panel)"


def add_arguments(parser) -> None:
    parser.add_argument("--cell", help=f"cell type from the registry (default: {DEFAULT_CELL})")
    add_source_arguments(parser, "load a model from a weights file (.npz)")
    add_panel_arguments(
        parser, "a random model", ", so that every unit fits the bars and the heatmap at 80x24", "the model"
    )


def setup_from(args):
    """(PanelSetup, the model or None) from the options, checked so that errors come before the screen
    opens. A model file is loaded here; a random model is built by the panel after its first paint."""
    from ..panel_setup import PanelSetup, check_random_setup

    if not 1 <= args.window <= MAX_WINDOW:
        raise UserError(f"--window must be between 1 and {MAX_WINDOW}, not {args.window}")
    model = load_source(args, {"--hidden": args.hidden, "--seed": args.seed}, cell=args.cell)
    if model is not None:
        check_window(args.window, model, "--window")
        setup = PanelSetup(cell=model.name, text=args.text, weights=args.weights, model=args.model or "random")
        return setup, model
    random = PanelSetup()
    setup = PanelSetup(
        cell=args.cell or random.cell,
        hidden=random.hidden if args.hidden is None else args.hidden,
        seed=random.seed if args.seed is None else args.seed,
        text=args.text,
    )
    check_random_setup(setup)
    return setup, None


def run(args) -> int:
    setup, model = setup_from(args)
    from ..app import LstmApp, ascii_wanted

    app = LstmApp(
        setup,
        window=args.window,
        ascii_mode=ascii_wanted(args),
        light=args.light,
        model=model,
        export_dir=args.export_dir,
    )
    return app.run_or_raise(mouse=not args.no_mouse)
