"""Edits of a text and the spans of it the model wrote, kept in place through edits.

A span is (start, end), the characters text[start:end]. When the text changes, each span keeps the
characters it held: spans after the edit move with it, a span the edit cuts into keeps what is left of it,
and characters typed inside a span are not the model's. Plain Python.
"""

from __future__ import annotations

Span = tuple[int, int]


def edit_between(old: str, new: str) -> tuple[int, int, str]:
    """(start, end, inserted) such that old[:start] + inserted + old[end:] == new, as short as possible.
    Called on every key: the common ends are found by comparing slices (C loops), not characters."""
    limit = min(len(old), len(new))
    start = _longest(lambda n: old[:n] == new[:n], limit)
    tail = _longest(lambda n: old[len(old) - n :] == new[len(new) - n :], limit - start)
    return start, len(old) - tail, new[start : len(new) - tail]


def _longest(holds, limit: int) -> int:
    """The largest n ≤ limit for which ``holds(n)``, where holds(n) implies holds(m) for all m < n."""
    if holds(limit):  # typing or deleting at one end: the whole shorter text is shared
        return limit
    low, high = 0, limit - 1
    while low < high:
        middle = (low + high + 1) // 2
        if holds(middle):
            low = middle
        else:
            high = middle - 1
    return low


def spans_after_edit(spans: tuple[Span, ...], start: int, end: int, inserted: str) -> tuple[Span, ...]:
    """``spans`` after text[start:end] is replaced by ``inserted``."""
    shift = len(inserted) - (end - start)
    kept: list[Span] = []
    for first, last in spans:
        if first < start:  # the part before the edit
            kept.append((first, min(last, start)))
        if last > end:  # the part after it, moved
            kept.append((max(first, end) + shift, last + shift))
    return tuple(span for span in kept if span[0] < span[1])


def spans_following(spans: tuple[Span, ...], old: str, new: str) -> tuple[Span, ...]:
    """``spans`` of ``old`` as spans of ``new`` (the smallest edit between them)."""
    if not spans or old == new:
        return spans
    return spans_after_edit(spans, *edit_between(old, new))


def add_span(spans: tuple[Span, ...], start: int, end: int) -> tuple[Span, ...]:
    """``spans`` with text[start:end] added, joined to a span it touches, in order."""
    merged: list[Span] = []
    for first, last in sorted((*spans, (start, end))):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return tuple(span for span in merged if span[0] < span[1])
