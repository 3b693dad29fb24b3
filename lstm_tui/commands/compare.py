"""``lstm-tui compare MODEL MODEL [MODEL]``: two or three live panels fed one input."""

from __future__ import annotations

from ..errors import UserError
from ..limits import MAX_WINDOW
from .sources import add_panel_arguments

HELP = "two or three models side by side, fed the same keystrokes (e.g. compare lstm rnn gru)"
MAX_MODELS = 3  # the compare screen's panels: more do not fit a terminal


def add_arguments(parser) -> None:
    parser.add_argument(
        "models",
        nargs="*",
        metavar="MODEL",
        help="2 or 3 models, each a shipped model's name (brackets, brackets-rnn, …), a cell's name (a seeded "
        "random model: lstm, gru, rnn, …) or a weights file (.npz, .pt, .keras)",
    )
    add_panel_arguments(parser, "the random models", "", "each model")


def sources_from(args):
    """A (PanelSetup, model or None) per model named, checked before the screen opens."""
    from .sources import check_window, panel_source

    if not 2 <= len(args.models) <= MAX_MODELS:
        raise UserError(f"compare takes 2 or {MAX_MODELS} models, not {len(args.models)}")
    if not 1 <= args.window <= MAX_WINDOW:
        raise UserError(f"--window must be between 1 and {MAX_WINDOW}, not {args.window}")
    sources = [panel_source(name, hidden=args.hidden, seed=args.seed, text=args.text) for name in args.models]
    for _, model in sources:
        if model is not None:
            check_window(args.window, model, "--window")
    return sources


def run(args) -> int:
    sources = sources_from(args)
    from ..app import LstmApp, ascii_wanted

    app = LstmApp(
        window=args.window,
        mode="compare",
        compare=sources,
        ascii_mode=ascii_wanted(args),
        light=args.light,
    )
    return app.run_or_raise(mouse=not args.no_mouse)
