"""``lstm-tui trace``: run a model over a text and print every step as a table, JSON or CSV.

Nothing here draws a terminal UI: the model and the report are plain NumPy and Python.
"""

from __future__ import annotations

from ..limits import DEFAULT_CELL, VIEW_HIDDEN
from .sources import add_source_arguments, load_source

HELP = "Run a model over TEXT and print every step's gates and states (table, JSON or CSV)."
FORMATS = ("table", "json", "csv")


def add_arguments(parser) -> None:
    parser.add_argument("text", metavar="TEXT", help="the text to feed, one character per step (may be empty)")
    parser.add_argument(
        "--cell",
        metavar="NAME",
        help=f"registry cell name (default {DEFAULT_CELL}); with --weights it must match the file, "
        "and it names the cell of a PyTorch .pt file",
    )
    add_source_arguments(
        parser, "a weights file: .npz (lstm-tui or Keras layout) or a PyTorch .pt state_dict with a .json sidecar"
    )
    parser.add_argument("--hidden", metavar="N", type=int, help=f"hidden size of the random model (default {VIEW_HIDDEN}, as in explore)")
    parser.add_argument("--seed", metavar="S", type=int, help="seed of the random model (default 0)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default table)")


def run(args) -> int:
    from ..trace_report import format_csv, format_json, format_table, trace_report

    formatter = {"table": format_table, "json": format_json, "csv": format_csv}[args.format]
    report = trace_report(resolve_model(args), args.text)
    print(formatter(report))
    return 0


def resolve_model(args):
    """The model the options ask for: a weights file, a shipped model, or a seeded random model over
    printable ASCII."""
    from ..model.charmodel import CharModel
    from ..panel_setup import PanelSetup, check_random_setup

    model = load_source(args, {"--hidden": args.hidden, "--seed": args.seed}, cell=args.cell)
    if model is not None:
        return model
    setup = PanelSetup(cell=args.cell or DEFAULT_CELL, hidden=VIEW_HIDDEN if args.hidden is None else args.hidden,
                       seed=0 if args.seed is None else args.seed)
    check_random_setup(setup)
    return CharModel.random(setup.cell, setup.hidden, seed=setup.seed)
