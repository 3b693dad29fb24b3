"""Code blocks that wrap instead of being cut: a lesson's equations, worked examples and tables.

Textual's Markdown draws a fenced block at its full width and hides what does not fit (it scrolls only
with a mouse). Beside the panel at 120 columns a lesson has 50 columns for code, and the widest blocks
(lesson 6's worked example, the registry's equations with their notes) are up to 70. So a line that
does not fit breaks where a reader of mathematics expects it: before an ``=`` (the rest aligned under
the line's first ``=``), else before a gap of spaces (a note, the next column of a table), an arrow,
or a space, with the rest indented; a word longer than a row is cut where it must be.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownFence

# Where a line may break, best first; each pattern matches the spaces the break swallows (the rest
# of the line starts just after them).
BREAKS = (
    re.compile(r" +(?== )"),  # before "= ": the rest reads "= value"
    re.compile(r"  +(?=\S)"),  # a gap: a note or the next column of a table
    re.compile(r" +(?=→ )"),
    re.compile(r" +(?=\S)"),
)
AT_EQUALS = 0  # the kind of break (index in BREAKS) whose rest aligns its "=" under the first one
GAP = BREAKS[1]
MIN_HEAD = 1 / 3  # a preferred break is taken only if it keeps this much of a row (else a lesser one)
MIN_ROOM = 12  # columns a continuation row keeps at least after its indent
EQUALS = re.compile(r"(?<=\S) = ")


def wrap_code(code: str, width: int) -> list[str]:
    """Every line of ``code`` as rows of at most ``width`` cells (see ``wrap_code_line``)."""
    rows, above = [], ()
    for line in code.splitlines():
        rows.extend(wrap_code_line(line, width, above))
        above = column_starts(line)
    return rows


def column_starts(line: str) -> tuple[int, ...]:
    """The columns where text starts after a gap of two or more spaces (a table's cells, a note)."""
    return tuple(cell_len(line[: match.end()]) for match in GAP.finditer(line))


def wrap_code_line(line: str, width: int, above: tuple[int, ...] = ()) -> list[str]:
    """``line`` as rows of at most ``width`` cells; ``above``: the column starts of the line before.

    The rows' words, in order, are the line's (a word longer than a row is cut): only the spaces at a
    break and a continued line's indent change. A continuation row goes under a column of the line
    (or of the line above, for a line that continues a table's cell) where it fits, else under the
    right-hand side of its equation, or 4 in; a rest that starts with "=" goes under the first "="."""
    if cell_len(line) <= width or width < 2:
        return [line]
    cap = max(0, width - MIN_ROOM)
    equals = EQUALS.search(line)
    equals_column = min(cell_len(line[: equals.start() + 1]), cap) if equals else None
    leading = len(line) - len(line.lstrip(" "))
    default = min(leading or (4 if equals_column is None else equals_column + 2), cap)
    columns = sorted({*column_starts(line), *above, default} - {0})

    def indent(kind: int | None, rest: str) -> int:
        if kind == AT_EQUALS and equals_column is not None:
            return equals_column
        fitting = [c for c in columns if c <= cap and c + cell_len(rest) <= width]
        return fitting[-1] if fitting else default

    rest = line.lstrip(" ")
    start = min(leading, indent(None, rest)) if leading else 0
    text, rows = " " * start + rest, []
    while cell_len(text) > width:
        head, kind, rest = split_row(text, width, start, equals_column)
        rows.append(head)
        start = indent(kind, rest)
        text = " " * start + rest
    return [*rows, text]


def split_row(text: str, width: int, start: int, equals_column: int | None) -> tuple[str, int | None, str]:
    """(the row, the kind of break, what follows it) for ``text`` too wide for ``width``, breaking
    after column ``start``: at the best kind of break that keeps MIN_HEAD of the row, the last one
    that fits, except at "=": there the one that leaves a rest fitting one row (at ``equals_column``)
    with the narrowest widest row (``c = f·c₋₁ + i·g`` above its numbers, not all but the result)."""
    fitting = [
        (kind, match)
        for kind, pattern in enumerate(BREAKS)
        for match in pattern.finditer(text)
        if match.start() > start and cell_len(text[: match.start()]) <= width
    ]
    for kind in range(len(BREAKS)):
        candidates = [m for k, m in fitting if k == kind and cell_len(text[: m.start()]) >= width * MIN_HEAD]
        if candidates:
            chosen = candidates[-1]
            if kind == AT_EQUALS:
                column = start if equals_column is None else equals_column
                one_row = [m for m in candidates if column + cell_len(text[m.end() :]) <= width]
                chosen = min(
                    one_row,
                    key=lambda m: max(cell_len(text[: m.start()]), column + cell_len(text[m.end() :])),
                    default=chosen,
                )
            return text[: chosen.start()], kind, text[chosen.end() :]
    if fitting:
        kind, last = max(fitting, key=lambda pair: pair[1].start())
        return text[: last.start()], kind, text[last.end() :]
    cut = start
    while cut < len(text) and cell_len(text[: cut + 1]) <= width:
        cut += 1
    cut = max(cut, start + 1)  # a character wider than the room left still moves on
    return text[:cut], None, text[cut:]


class WrappedCode:
    """Preformatted text drawn at whatever width it is given, each line wrapped by ``wrap_code_line``."""

    def __init__(self, code: str):
        self.code = code
        self.lines = code.splitlines()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = wrap_code(self.code, options.max_width)
        yield Text("\n".join(rows), no_wrap=True, overflow="crop")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max(map(cell_len, self.lines), default=0)
        return Measurement(min(widest, options.max_width), widest)


class CodeFence(MarkdownFence):
    """A fenced block of a lesson, wrapped to the page (all lesson blocks are plain text: no colours
    to keep from Textual's highlighter)."""

    DEFAULT_CSS = """
    CodeFence > .code-rows { padding: 1 1; color: $foreground; }
    CodeFence:ansi > .code-rows { padding: 1 0; }
    """

    def compose(self) -> ComposeResult:
        yield Static(WrappedCode(self.code), classes="code-rows")

    def set_content(self, content) -> None:
        """Textual calls this with the highlighted code (on a theme change, or when the block is reused
        for new text): the rows depend on the code alone."""
        self._content = content
        for rows in self.query(".code-rows").results(Static):
            rows.update(WrappedCode(self.code))


class LessonMarkdown(Markdown):
    """Markdown whose code blocks wrap (a lesson's text and its try-it cards)."""

    BLOCKS = {**Markdown.BLOCKS, "fence": CodeFence, "code_block": CodeFence}
