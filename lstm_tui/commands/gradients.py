"""`lstm-tui gradients`: exact ‖∂h_T/∂x_t‖ for several cells on the same input, as a table or JSON."""

from __future__ import annotations

import json

from ..limits import LAB_HIDDEN, MAX_LAYERS
from .options import parse_number
from .sources import add_source_arguments, load_source

HELP = "exact gradient norms ‖∂h_T/∂x_t‖ of rnn, lstm, gru (or any cell): vanishing and exploding, compared"

FORMATS = ("table", "json")


def add_arguments(parser) -> None:
    # Numbers are read as text and checked in run(), so a bad value gets the one-line message of a UserError.
    parser.add_argument("--cells", metavar="A,B,…", help="registry cells to compare (default rnn,lstm,gru)")
    parser.add_argument("--text", help="the input text (1 to 1000 characters) instead of a random sequence")
    parser.add_argument("--length", metavar="N", help="length of the random sequence, 10 to 1000 (default 200)")
    add_source_arguments(parser, "a weights file: its cell and vocabulary replace --cells")
    parser.add_argument(
        "--hidden",
        metavar="N",
        help=f"hidden size of the random cells (default {LAB_HIDDEN}: "
        "the lab differentiates every unit, so its cost grows with H)",
    )
    parser.add_argument("--seed", metavar="S", help="seed of the random weights and sequence (default 0)")
    parser.add_argument(
        "--scale", metavar="X", help="spectral radius of each recurrent weight block, 0.5 to 2.0 (default: as built)"
    )
    parser.add_argument(
        "--forget-bias",
        metavar="B",
        help="forget-gate bias of LSTM cells with a learned forget gate, -3 to 5 (default: as built)",
    )
    parser.add_argument(
        "--layers",
        metavar="N",
        help=f"stacked layers of the random cells, 1 to {MAX_LAYERS} "
        "(default 1): the top layer's last output is differentiated",
    )
    parser.add_argument(
        "--bidirectional", action="store_true", help="bidirectional random cells (a reverse direction in every layer)"
    )
    parser.add_argument("--clip", metavar="X", help="gradient-clipping threshold for the readout (default 1)")
    parser.add_argument("--format", default="table", metavar="table|json", help="output format (default table)")


def run(args) -> int:
    from ..analysis.gradient_lab import GradientLab, view_json
    from ..errors import UserError

    if args.format not in FORMATS:
        raise UserError(f"--format must be table or json, not {args.format!r}")
    settings, model = settings_from(args)
    view = GradientLab(settings, model=model).compute()
    if args.format == "json":
        print(json.dumps(view_json(view), allow_nan=False))
    else:
        print_table(view)
    return 0


def settings_from(args):
    """GradientSettings (validated there) and the model from --weights or --model, or None."""
    from ..analysis.gradient_flow import DEFAULT_CELLS, GradientSettings
    from ..errors import UserError

    if args.text is not None and args.length is not None:
        raise UserError("give --text or --length, not both")
    model = load_source(
        args,
        {
            "--cells": args.cells,
            "--hidden": args.hidden,
            "--layers": args.layers,
            "--bidirectional": args.bidirectional or None,
        },
    )
    cells = DEFAULT_CELLS if args.cells is None else tuple(name.strip() for name in args.cells.split(","))
    seed = parse_number("--seed", args.seed, int)
    if seed is not None and seed < 0:
        raise UserError(f"--seed must be 0 or more, not {seed}")
    numbers = {
        "hidden_size": parse_number("--hidden", args.hidden, int),
        "seed": seed,
        "length": parse_number("--length", args.length, int),
        "spectral_radius": parse_number("--scale", args.scale, float),
        "forget_bias": parse_number("--forget-bias", args.forget_bias, float),
        "clip_threshold": parse_number("--clip", args.clip, float),
        "layers": parse_number("--layers", args.layers, int),
    }
    given = {name: value for name, value in numbers.items() if value is not None}
    return GradientSettings(cells=cells, text=args.text, bidirectional=args.bidirectional, **given), model


# The terminal's own colours by plotext name, distinct on any palette; the plot's curves take them in turn.
CURVE_COLOURS = ("cyan", "green", "red", "orange", "magenta", "blue", "cyan+", "green+", "red+", "orange+")


def print_table(view) -> None:
    """The settings, the readouts, then the plot with its title and legend above it. Piped or under
    NO_COLOR the plot has no colours, so each curve is drawn with its number, as the legend says."""
    import os
    import shutil
    import sys

    import plotext

    from ..analysis.gradient_lab import PLOT_TITLE, draw_plot, legend_rows, plot_series, readout_lines, settings_line

    coloured = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    labels = [label for label, _ in plot_series(view)]
    numbered = not coloured or len(labels) > len(CURVE_COLOURS)
    entries = [f"{index + 1} {label}" if numbered else f"━━ {label}" for index, label in enumerate(labels)]
    columns, rows = shutil.get_terminal_size((80, 24))

    def entry(index: int) -> str:
        return entries[index] if numbered else plotext.colorize("━━", CURVE_COLOURS[index]) + f" {labels[index]}"

    legend = ["  ".join(entry(index) for index in row) for row in legend_rows(entries, columns)]
    lines = [settings_line(view), *readout_lines(view), "", PLOT_TITLE, *legend]
    print("\n".join(lines))
    draw_plot(plotext, view, colours=CURVE_COLOURS if coloured else (), numbered=numbered)
    plotext.plotsize(columns, max(12, min(rows - len(lines) - 2, 30)))
    plot = plotext.build()
    print(plot if coloured else plotext.uncolorize(plot))
