"""A footer that shows the keys of the screen, wrapped onto at most FOOTER_ROWS lines.

Keys of one ``Binding.Group`` share an entry ("F7/⇧F7 cell", "F2-F5 views"); Textual's own footer keeps
to one line and cuts the rest off at 80 columns. When the entries need more rows, the keys a node lists
in its ``FOOTER_SECONDARY`` (binding ids, the first to go first; the focused widgets' before the app's)
are left out until they fit: F1 lists every key, so the footer leaves the views their rows.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual.actions import parse as parse_action
from textual.binding import Binding
from textual.widgets import Footer

from .ascii_mode import in_ascii_mode
from .lines import LineView

KEY_NAMES = {
    "left": "←",
    "right": "→",
    "up": "↑",
    "down": "↓",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "escape": "esc",
    "space": "space",
    "enter": "⏎",
    "tab": "⇥",
}
MODIFIERS = {"ctrl": "^", "shift": "⇧", "alt": "alt+"}
ASCII_KEY_NAMES = {**KEY_NAMES, "left": "<-", "right": "->", "up": "up", "down": "down", "enter": "enter", "tab": "tab"}
ASCII_MODIFIERS = {**MODIFIERS, "shift": "shift+"}
SEPARATOR = "  "
FOOTER_ROWS = 2


def key_label(key: str, *, ascii: bool = False) -> str:
    """A short label for a Textual key name: ctrl+t → ^t, shift+f8 → ⇧F8, alt+left → alt+← (with ``ascii``:
    shift+F8, alt+<-)."""
    names, modifier_names = (ASCII_KEY_NAMES, ASCII_MODIFIERS) if ascii else (KEY_NAMES, MODIFIERS)
    *modifiers, name = key.split(",")[0].split("+")
    name = names.get(name, name.upper() if re.fullmatch(r"f\d+", name) else name)
    return "".join(modifier_names.get(modifier, modifier + "+") for modifier in modifiers) + name


def join_keys(labels: list[str]) -> str:
    """Labels of one group: F2 F3 F4 F5 → F2-F5; ↑ ↓ → ↑↓; alt+← alt+→ → alt+←→; others joined by /."""
    numbers = [int(label[1:]) for label in labels if re.fullmatch(r"F\d+", label)]
    consecutive = numbers == list(range(numbers[0], numbers[0] + len(numbers))) if numbers else False
    if len(labels) > 2 and len(numbers) == len(labels) and consecutive:
        return f"{labels[0]}-{labels[-1]}"
    if all(len(label) == 1 for label in labels):
        return "".join(labels)
    prefix = labels[0][: labels[0].rfind("+") + 1]
    if prefix and all(label.startswith(prefix) and len(label) == len(prefix) + 1 for label in labels):
        return prefix + "".join(label[len(prefix) :] for label in labels)
    return "/".join(labels)


Entry = tuple[str, str, float]  # keys, description, when the footer leaves it out (inf: never; lowest first)
NEVER = float("inf")


def footer_entries(bindings: list[Binding], *, ascii: bool = False, secondary=()) -> list[Entry]:
    """(keys, description, drop rank) per ungrouped binding or run of bindings in one group, in order. The
    rank is the place in ``secondary`` (binding ids) of the entry's first binding; NEVER when any of the
    entry's bindings is not there."""
    ranks = {binding_id: rank for rank, binding_id in reversed(list(enumerate(secondary)))}
    entries: list[list] = []  # labels, description, share, member descriptions, rank
    for binding in bindings:
        if not isinstance(binding, Binding) or not binding.show:
            continue
        rank = ranks.get(binding.id, NEVER)
        label = key_label(binding.key, ascii=ascii)
        # a group's bindings share an entry, and so do the keys of one binding ("enter,space": Textual
        # hands each key over as a binding of its own)
        share = binding.group if binding.group is not None else (binding.action, binding.description)
        if entries and entries[-1][2] == share:
            entries[-1][0].append(label)
            entries[-1][3].append(binding.description)
            entries[-1][4] = NEVER if NEVER in (rank, entries[-1][4]) else min(rank, entries[-1][4])
        else:
            description = binding.group.description if binding.group is not None else binding.description
            entries.append([[label], description, share, [binding.description], rank])
    return [
        (join_keys(labels), group_description(description, members), rank)
        for labels, description, _, members, rank in entries
    ]


def group_description(description: str, members: list[str]) -> str:
    """A group's name as the keys shown make it: a group named after its keys ("bars·plot·heatmap·equation")
    names only those shown (a lesson may hide some); any other name stays."""
    parts = description.split("·")
    if len(parts) > 1 and set(members) <= set(parts):
        return "·".join(part for part in parts if part in members)
    return description


def fitted_lines(entries: list[Entry], width: int, rows: int = FOOTER_ROWS) -> list[Text]:
    """The entries wrapped to ``width``, on at most ``rows`` lines if leaving out secondary entries (the
    lowest rank first) gets them there."""
    entries = list(entries)
    lines = wrap_entries(entries, width)
    while len(lines) > rows and any(rank < NEVER for *_, rank in entries):
        entries.remove(min(entries, key=lambda entry: entry[2]))
        lines = wrap_entries(entries, width)
    return lines


def wrap_entries(entries: list[Entry], width: int) -> list[Text]:
    """Entries on lines no wider than ``width`` (an entry is never split), keys in bold."""
    lines: list[Text] = []
    line = Text()
    for keys, description, _ in entries:
        entry_length = len(keys) + 1 + len(description)
        if line.cell_len and line.cell_len + len(SEPARATOR) + entry_length > width:
            lines.append(line)
            line = Text()
        if line.cell_len:
            line.append(SEPARATOR)
        line.append(keys, style="bold")
        line.append(f" {description}", style="dim")
    lines.append(line)
    return lines


def bindings_here(screen, *, unavailable: bool = False) -> list[tuple[object, Binding, bool]]:
    """(node, binding, available) for every key that acts on ``screen`` where the focus is: the screen's,
    then those of the widgets around the focus (outermost first: the panel before its input), then the
    app's. A binding whose ``check_action`` says no is left out, unless ``unavailable`` and it is neither
    the app's nor hidden by a lesson (F1 lists a screen's keys that do nothing now, such as "stop" before
    a start); available is False for those only (None, "wait", counts as available: the panel's keys
    while it loads). A
    key bound nearer the focus with an ``id`` (one of ours) hides the same key further out; Textual's own
    widget bindings (no id, such as an input's scroll keys, which pass a key on when there is nothing to
    scroll) hide nothing."""
    app = screen.app
    chain = screen._modal_binding_chain  # the focused widget first, the app last; keys an input takes removed
    claimed, found = set(), []
    for rank, (node, bindings) in enumerate(chain):
        order = -1 if node is screen else len(chain) if node is app else len(chain) - rank
        claiming = set()
        for key, binding in bindings:
            if key in claimed and binding.id is not None:
                continue
            state = app._check_action_state(binding.action, node)
            if state is False and (not unavailable or node is app or _hidden(node, binding.action)):
                continue
            if binding.id is not None:
                claiming.add(key)
            found.append(((order, _declared_at(node, binding)), node, binding, state is not False))
        claimed |= claiming
    found.sort(key=lambda item: item[0])
    return [(node, binding, available) for _, node, binding, available in found]


def _hidden(node, action: str) -> bool:
    """Whether ``node`` hides the action outright (``hides``: a lesson's hidden keys), so that not even
    F1 or the palette lists it."""
    hides = getattr(node, "hides", None)
    if hides is None:
        return False
    _, name, parameters = parse_action(action)
    return hides(name, parameters)


def _declared_at(node, binding: Binding) -> int:
    """Where the node's classes list the binding, its own class first (Textual orders a node's keys by
    the first class that bound each key: the app's ^q would come before F1)."""
    ids = [
        declared.id
        for cls in type(node).__mro__
        for declared in cls.__dict__.get("BINDINGS", ())
        if isinstance(declared, Binding)
    ]
    return ids.index(binding.id) if binding.id in ids else len(ids)


class FooterLines(LineView):
    """The wrapped entries; re-wrapped whenever the width or the entries change."""

    def __init__(self, entries: list[Entry]):
        super().__init__()
        self.entries = entries

    def set_entries(self, entries: list[Entry]) -> None:
        if entries != self.entries:
            self.entries = entries
            self.on_resize()

    def on_resize(self) -> None:
        self.show(fitted_lines(self.entries, max(self.size.width, 1)))


class KeyFooter(Footer):
    """Textual's footer (so screens that swap footers find it), drawn as wrapped lines of key entries.

    Shows the keys that act where the focus is (``bindings_here``): an action whose ``check_action``
    says no, such as "back" outside the gradient lab, is left out. When they change (the focus moved, a
    panel started) the lines are redrawn in place; Textual's footer composes itself again instead.
    """

    DEFAULT_CSS = """
    KeyFooter { height: auto; layout: vertical; }
    KeyFooter FooterLines { background: $footer-background; }
    """

    def compose(self):
        yield FooterLines(self.entries())

    def entries(self) -> list[Entry]:
        found = bindings_here(self.screen)
        nodes = dict.fromkeys(node for node, _, _ in found)  # the screen, the widgets round the focus, the app
        secondary = [key for node in nodes for key in getattr(node, "FOOTER_SECONDARY", ())]
        return footer_entries([binding for _, binding, _ in found], ascii=in_ascii_mode(self), secondary=secondary)

    def bindings_changed(self, screen) -> None:
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._show_entries)

    def _show_entries(self) -> None:
        for lines in self.query_children(FooterLines):
            lines.set_entries(self.entries())
