"""``lstm-tui explore``: open the live panel straight away, input focused."""

from __future__ import annotations

from ..errors import UserError
from .sources import add_source_arguments

HELP = "type characters and watch a cell's gates respond (the live panel)"


def add_arguments(parser) -> None:
    parser.add_argument("--cell", default="lstm", help="cell type from the registry (default: lstm)")
    add_source_arguments(parser, "load a model from a weights file (.npz)")
    parser.add_argument("--hidden", type=int, default=16, metavar="N", help="hidden size of a random model (default: 16)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of a random model (default: 0)")
    parser.add_argument("--text", default="", help="start with this text typed")
    parser.add_argument("--window", type=int, default=512, metavar="N", help="run the model on at most the last N characters (default: 512)")


def setup_from(args):
    """A PanelSetup from the options (also checks them, so errors come before the screen opens)."""
    from ..panel import PanelSetup
    from ..session import load_model

    setup = PanelSetup(cell=args.cell, hidden=args.hidden, seed=args.seed, text=args.text,
                       weights=args.weights, model=args.model or "random")
    if args.window < 1:
        raise UserError("--window must be at least 1")
    return setup, load_model(setup)


def run(args) -> int:
    setup, _ = setup_from(args)
    from ..app import LstmApp, ascii_wanted

    LstmApp(setup, window=args.window, ascii_mode=ascii_wanted(args)).run_or_raise(mouse=not args.no_mouse)
    return 0
