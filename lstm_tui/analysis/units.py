"""The unit finder: which hidden units track a known property of the text?

Karpathy, Johnson & Fei-Fei (2015, arXiv:1506.02078) found cells that follow quotes, line length and
bracket depth by looking for them. Here the looking is a ranking: run the model over a text, compute a
feature for every character, and sort units by |Pearson correlation| between the feature and the unit's
c (or h) after reading that character.

Every feature is the value *after* reading the character at that position, the same moment as the
state it is compared with. A unit or feature that never changes has no defined correlation; it gets 0,
so rankings never contain NaN.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import UserError

OPENING, CLOSING = "([{", ")]}"
VOWELS = "aeiouAEIOU"


def bracket_depth(text: str) -> np.ndarray:
    """Nesting depth of ()[]{} after each character; a closer with nothing open leaves the depth at 0."""
    depth, values = 0, np.empty(len(text))
    for position, char in enumerate(text):
        if char in OPENING:
            depth += 1
        elif char in CLOSING:
            depth = max(depth - 1, 0)
        values[position] = depth
    return values


def inside_quotes(text: str) -> np.ndarray:
    """1 from an opening double quote up to (not including) its closing one, else 0."""
    inside, values = False, np.empty(len(text))
    for position, char in enumerate(text):
        if char == '"':
            inside = not inside
        values[position] = inside
    return values


def column(text: str) -> np.ndarray:
    """Characters since the last newline, counting this one: 1 for a line's first character, 0 for "\\n"."""
    values, count = np.empty(len(text)), 0
    for position, char in enumerate(text):
        count = 0 if char == "\n" else count + 1
        values[position] = count
    return values


def is_vowel(text: str) -> np.ndarray:
    return np.array([char in VOWELS for char in text], dtype=float)


def is_whitespace(text: str) -> np.ndarray:
    return np.array([char.isspace() for char in text], dtype=float)


def regex_matches(text: str, pattern: str) -> np.ndarray:
    """1 on every character inside a match of ``pattern``, else 0."""
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise UserError(f"bad regular expression {pattern!r}: {error}") from None
    values = np.zeros(len(text))
    for match in compiled.finditer(text):
        values[match.start() : match.end()] = 1.0
    return values


@dataclass(frozen=True)
class Feature:
    name: str
    description: str
    compute: Callable[[str], np.ndarray]


FEATURES: dict[str, Feature] = {
    feature.name: feature
    for feature in (
        Feature("depth", "bracket depth: ( [ { open, ) ] } close", bracket_depth),
        Feature("quotes", "inside a double-quoted span", inside_quotes),
        Feature("column", "position in the line", column),
        Feature("vowel", "the character is a vowel (aeiou)", is_vowel),
        Feature("whitespace", "the character is whitespace", is_whitespace),
    )
}
REGEX = "regex"


def feature_values(text: str, feature: str, pattern: str | None = None) -> np.ndarray:
    """The named feature of every character; ``feature="regex"`` needs ``pattern``."""
    if feature == REGEX:
        if not pattern:
            raise UserError("the regex feature needs a pattern")
        return regex_matches(text, pattern)
    if feature not in FEATURES:
        raise UserError(f"unknown feature {feature!r}; choose one of: {', '.join([*FEATURES, REGEX])}")
    return FEATURES[feature].compute(text)


def correlations(states: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of ``states`` (T, H) with ``values`` (T,); 0 where either is constant."""
    states = np.asarray(states, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if states.ndim != 2 or values.shape != states.shape[:1]:
        raise ValueError(f"states must be (T, H) and values (T,), got {states.shape} and {values.shape}")
    centred_states = states - states.mean(axis=0)
    centred_values = values - values.mean()
    norms = np.sqrt((centred_states**2).sum(axis=0) * (centred_values**2).sum())
    covariance = centred_values @ centred_states
    # A norm this small relative to the data means the column (or the feature) is constant up to rounding.
    scale = np.sqrt((states**2).sum(axis=0) * (values**2).sum()) + 1e-300
    result = np.zeros(states.shape[1])
    defined = norms > 1e-12 * scale
    result[defined] = covariance[defined] / norms[defined]
    return np.clip(result, -1.0, 1.0)


@dataclass(frozen=True)
class UnitScore:
    unit: int
    correlation: float  # signed: a unit may track a feature by going down


def rank_units(states: np.ndarray, values: np.ndarray, top: int | None = None) -> list[UnitScore]:
    """Units sorted by |correlation| with the feature, strongest first (ties: lower unit first)."""
    scores = correlations(states, values)
    order = np.argsort(-np.abs(scores), kind="stable")
    return [UnitScore(int(unit), float(scores[unit])) for unit in order[:top]]
