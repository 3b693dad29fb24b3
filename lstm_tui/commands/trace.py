"""``lstm-tui trace``: run a model over a text and print every step as a table, JSON or CSV.

Nothing here draws a terminal UI: the model and the report are plain NumPy and Python.
"""

from __future__ import annotations

from .sources import add_model_arguments, load_or_random

HELP = "Run a model over TEXT and print every step's gates and states (table, JSON or CSV)."
FORMATS = ("table", "json", "csv")


def add_arguments(parser) -> None:
    parser.add_argument("text", metavar="TEXT", help="the text to feed, one character per step (may be empty)")
    add_model_arguments(
        parser, "a weights file: .npz (lstm-tui or Keras layout) or a PyTorch .pt state_dict with a .json sidecar"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="output format (default table); in JSON a value that is not finite (NaN, ±infinity, "
        "from a model whose state overflowed) is null, as JSON has neither",
    )


def run(args) -> int:
    from ..limits import REPORT_BYTES, check_run_size
    from ..trace_report import format_csv, format_json, format_table, trace_report

    formatter = {"table": format_table, "json": format_json, "csv": format_csv}[args.format]
    model = load_or_random(args)
    check_run_size(
        len(args.text),
        model.stack.units,
        len(model.vocab),
        what="TEXT",
        bytes_per_value=REPORT_BYTES,
        untraced_values=model.stack.untraced_values_per_step(),
    )
    report = trace_report(model, args.text)
    print(formatter(report))
    return 0
