"""``lstm-tui sample``: text drawn from a trained model, seeded, with temperature and top-k."""

from __future__ import annotations

import sys

from ..display import shown
from ..errors import UserError
from ..limits import MAX_SAMPLE_CHARS, MAX_TEMPERATURE
from .options import parse_number
from .sources import add_source_arguments, load_source

HELP = "draw text from a trained model (temperature, top-k, seed: the same seed gives the same text)"
DEFAULT_LENGTH = 200


def add_arguments(parser) -> None:
    add_source_arguments(parser, "a weights file with an output layer (.npz, or .pt with its .json sidecar)")
    parser.add_argument(
        "--prime", default="", metavar="TEXT", help="text the model reads before it writes (default: none)"
    )
    # Numbers are read as text and checked in run(), so a bad value gets a one-line message.
    parser.add_argument(
        "--length", metavar="N", help=f"characters to draw, 0 to {MAX_SAMPLE_CHARS:,} (default {DEFAULT_LENGTH})"
    )
    parser.add_argument(
        "--temperature",
        metavar="T",
        help=f"0 (always the likeliest) to {MAX_TEMPERATURE:g}; below 1 safer, above 1 wilder (default 1)",
    )
    parser.add_argument("--top-k", metavar="K", help="draw only among the K likeliest characters (default: all)")
    parser.add_argument("--seed", metavar="S", help="seed of the draws (default 0)")


def run(args) -> int:
    from ..model.sampling import SamplingSettings, check_can_sample, sample

    model = load_source(args, {})
    if model is None:
        raise UserError("sample needs a trained model: --model NAME or --weights FILE")
    check_can_sample(model, f"--model {args.model}" if args.model else args.weights)
    length = parse_number("--length", args.length, int)
    temperature = parse_number("--temperature", args.temperature, float)
    settings = SamplingSettings(
        temperature=1.0 if temperature is None else temperature,
        top_k=parse_number("--top-k", args.top_k, int),
        seed=_seed(args.seed),
    )
    result = sample(model, args.prime, DEFAULT_LENGTH if length is None else length, settings)
    sys.stdout.write(printable(result.prime + result.text) + "\n")
    return 0


def _seed(text: str | None) -> int:
    seed = parse_number("--seed", text, int)
    return 0 if seed is None else seed


def printable(text: str) -> str:
    """The sample as it can be printed: its lines kept, anything a terminal would act on escaped (a
    weights file's vocabulary may hold control characters)."""
    return "\n".join(shown(line) for line in text.split("\n"))
