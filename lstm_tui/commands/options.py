"""Option values read as text and checked by hand, so a bad one gets a one-line message (argparse's own
checks print the usage too)."""

from __future__ import annotations

import math

from ..errors import UserError


def parse_number(flag: str, text: str | None, kind):
    """``text`` as an int or a finite float (``kind``), None when the option was not given."""
    if text is None:
        return None
    try:
        value = kind(text)
    except ValueError:
        noun = "an integer" if kind is int else "a number"
        raise UserError(f"{flag} must be {noun}, not {text!r}") from None
    if kind is float and not math.isfinite(value):
        raise UserError(f"{flag} must be a finite number, not {text!r}")
    return value
