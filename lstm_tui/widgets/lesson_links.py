"""The links in a lesson's text, found where Textual's Markdown drew them, so the keyboard can reach them.

Textual's Markdown gives links no focus: they are spans of a block's content whose click runs
``link(href)``. Over SSH with the mouse off a learner still follows them: the lesson view steps a
cursor through the links on screen (shown reversed) and Enter follows the one it is on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.actions import ActionError, parse
from textual.content import Content
from textual.widget import Widget
from textual.widgets.markdown import MarkdownBlock

HIGHLIGHT = "reverse"


@dataclass(frozen=True)
class PageLink:
    """A link as drawn: its block, its characters in the block's content, where it leads and the
    screen row its first character is on."""

    block: MarkdownBlock
    start: int
    end: int
    href: str
    row: int = field(compare=False)


def link_spans(content: Content) -> list[tuple[int, int, str]]:
    """(start, end, href) of each link in a block's content, in reading order."""
    links = []
    for span in content.spans:
        meta = getattr(span.style, "meta", None) or {}
        try:
            _, name, arguments = parse(meta.get("@click", ""))
        except ActionError:
            continue
        if name == "link" and len(arguments) == 1:
            links.append((span.start, span.end, str(arguments[0])))
    return sorted(links)


def links_on_screen(container: Widget) -> list[PageLink]:
    """Links whose first character is on a row ``container`` shows, top to bottom, left to right."""
    view = container.content_region
    found = []
    for block in container.query(MarkdownBlock):
        region = block.content_region
        if not (block.display and region.height and view.overlaps(block.region)):
            continue
        spans = link_spans(block._content)
        if not spans:
            continue
        starts = row_starts(block._content, region.width)
        for start, end, href in spans:
            row = region.y + sum(1 for offset in starts[1:] if offset <= start)
            if view.y <= row < view.bottom:
                found.append(PageLink(block, start, end, href, row))
    return sorted(found, key=lambda link: (link.row, link.block.content_region.x, link.start))


def row_starts(content: Content, width: int) -> list[int]:
    """The offset in ``content`` where each of its rows starts when wrapped to ``width``."""
    offsets, offset = [], 0
    for line in content.wrap(max(1, width)):
        found = content.plain.find(line.plain.strip(), offset) if line.plain.strip() else offset
        offsets.append(max(offset, found))
        offset = offsets[-1] + len(line.plain.strip())
    return offsets or [0]


def highlighted(link: PageLink) -> Content:
    return link.block._content.stylize(HIGHLIGHT, link.start, link.end)
