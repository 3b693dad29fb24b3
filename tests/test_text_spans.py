"""The spans of a text the model wrote, kept through edits (lstm_tui/text_spans.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lstm_tui.text_spans import add_span, edit_between, spans_after_edit, spans_following


def test_edit_between_finds_the_smallest_change():
    for old, new in [
        ("", "a"),
        ("abc", "abd"),
        ("abc", "ab"),
        ("hello", "help me"),
        ("aaa", "aaaa"),
        ("abc", ""),
        ("x", "x"),
    ]:
        start, end, inserted = edit_between(old, new)
        assert old[:start] + inserted + old[end:] == new
    assert edit_between("aaa", "aaaa") == (3, 3, "a")
    assert edit_between("hello world", "hello, world") == (5, 5, ",")


def test_spans_move_with_edits_before_them_and_lose_what_is_cut():
    spans = ((3, 6),)  # "abcDEFgh": DEF is the model's
    assert spans_after_edit(spans, 0, 0, "xx") == ((5, 8),)  # typed before: moved
    assert spans_after_edit(spans, 6, 6, "y") == ((3, 6),)  # typed right after: not the model's
    assert spans_after_edit(spans, 3, 3, "y") == ((4, 7),)  # typed right before: not the model's
    assert spans_after_edit(spans, 4, 5, "zz") == ((3, 4), (6, 7))  # typed inside: split around it
    assert spans_after_edit(spans, 2, 7, "") == ()  # deleted with it
    assert spans_after_edit(spans, 5, 8, "") == ((3, 5),)  # its tail deleted


def test_add_span_joins_touching_spans():
    assert add_span((), 2, 4) == ((2, 4),)
    assert add_span(((0, 2),), 2, 4) == ((0, 4),)
    assert add_span(((5, 6),), 0, 2) == ((0, 2), (5, 6))
    assert add_span(((0, 2),), 3, 3) == ((0, 2),)


def marked(text: str, spans) -> list[str]:
    """The characters of ``text`` the spans mark, in order."""
    return [text[i] for first, last in spans for i in range(first, last)]


@given(st.text("ab", max_size=12), st.data())
def test_a_span_keeps_exactly_the_characters_no_edit_touched(text, data):
    first = data.draw(st.integers(0, len(text)))
    last = data.draw(st.integers(first, len(text)))
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    inserted = data.draw(st.text("xy", max_size=4))  # never a model character
    spans = add_span((), first, last)
    new = text[:start] + inserted + text[end:]
    after = spans_after_edit(spans, start, end, inserted)
    # the model's characters that survive the edit, in order, and nothing typed
    survivors = [text[i] for i in range(first, last) if not start <= i < end]
    assert marked(new, after) == survivors
    assert all(a < b for a, b in after)
    assert spans_following(spans, text, text) == spans


@given(st.text("ab", max_size=10), st.text("ab", max_size=10))
def test_edit_between_is_the_smallest_edit(old, new):
    start, end, inserted = edit_between(old, new)
    assert old[:start] + inserted + old[end:] == new
    assert start == len(old) or start == len(new) or old[start] != new[start]  # no longer common start
    tail = len(old) - end
    assert tail == len(old) - start or tail == len(new) - start or old[end - 1] != new[len(new) - tail - 1]
