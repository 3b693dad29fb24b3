"""``lstm-tui export-code``: a folder of short scripts (NumPy, and PyTorch where it has the cell) that
recompute the live panel's gates and states for a text and check them against the panel's own numbers."""

from __future__ import annotations

import shlex

from ..limits import EXPORT_MAX_TEXT
from .sources import add_model_arguments, describe_source, load_or_random

HELP = "write NumPy and PyTorch scripts, with the weights, that recompute the panel's numbers for a text"


def add_arguments(parser) -> None:
    add_model_arguments(parser, "a weights file: .npz (lstm-tui or Keras layout) or a PyTorch .pt with a .json sidecar")
    parser.add_argument(
        "--text", required=True, help=f"the text the panel runs on (1 to {EXPORT_MAX_TEXT:,} characters)"
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="the folder to write (made if missing)")
    parser.add_argument("--force", action="store_true", help="write into a folder that already holds files")


def run(args) -> int:
    from ..code_export import export_code
    from ..display import shown

    model = load_or_random(args)
    export = export_code(
        model,
        args.text,
        args.out,
        description=describe_source(args, model),
        command=command_line(args),
        force=args.force,
    )
    print(f"wrote {', '.join(path.name for path in export.files)} in {shown(export.folder)}")
    scripts = [path.name for path in export.files if path.suffix == ".py"]
    print(f"run: cd {shlex.quote(shown(export.folder))} && " + " && ".join(f"python {name}" for name in scripts))
    return 0


def command_line(args) -> str:
    """The command that writes this folder again."""
    argv = ["lstm-tui", "export-code"]
    for option, value in (
        ("--cell", args.cell),
        ("--model", args.model),
        ("--weights", args.weights),
        ("--hidden", args.hidden),
        ("--seed", args.seed),
        ("--text", args.text),
        ("--out", args.out),
    ):
        if value is not None:
            argv += [option, str(value)]
    return shlex.join(argv)
