"""Options shared by every command that runs a model: ``--weights FILE`` or ``--model NAME``."""

from __future__ import annotations

from ..errors import UserError
from ..models import shipped_names


def add_source_arguments(parser, weights_help: str) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--weights", metavar="FILE", help=weights_help)
    source.add_argument(
        "--model", metavar="NAME", help=f"a shipped trained model: {', '.join(shipped_names()) or 'none'}"
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
            raise UserError(f"--cell {cell} does not go with --model {args.model}, which is a model of cell {model.name}")
        return model
    from ..model.weights import load_model

    return load_model(args.weights, cell=cell)
