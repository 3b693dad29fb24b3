"""F1: the keys that act where the focus is, with what they do, and where typed characters go."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from ..widgets.explorer_panel import ExplorerPanel
from ..widgets.key_footer import bindings_here

Rows = list[tuple[str, str]]


def where_typing_goes(screen: Screen) -> str:
    """One sentence on where a printable character goes from the focus on ``screen``."""
    focused = screen.focused
    if isinstance(focused, Input):
        if any(isinstance(node, ExplorerPanel) for node in focused.ancestors):
            return "Typed characters go to the live panel's input: every printable one steps the model."
        if screen.query(ExplorerPanel) and not any(panel.own_input for panel in screen.query(ExplorerPanel)):
            return "Typed characters go to every panel: each printable one steps every model."
        return "Typed characters go to the focused field."
    if screen.query(ExplorerPanel):
        return "The focus is not in the live panel: typed characters do nothing until it is."
    return "Typed characters do nothing here."


def help_sections(screen: Screen) -> list[tuple[str, Rows]]:
    """(title, rows of key and description): the keys that act where the focus is, the app's keys, and
    the keys of any live panel the focus is not in (they act once it is)."""
    app = screen.app
    here, everywhere = [], []
    for node, binding, available in bindings_here(screen, unavailable=True):
        if binding.id is not None:  # ours (Textual's own widget keys are the editing keys every field has)
            description = binding.description if available else f"{binding.description} (not now)"
            (everywhere if node is app else here).append((app.get_key_display(binding), description))
    everywhere.append((app.get_key_display(Binding("ctrl+p", "command_palette", "")), "command palette"))
    sections = [("Here", here), ("Everywhere", everywhere)]
    focused = screen.focused
    for panel in screen.query(ExplorerPanel):
        if focused is None or panel not in focused.ancestors_with_self:
            rows = [(app.get_key_display(binding), binding.description) for binding in panel.BINDINGS]
            sections.append(("In the live panel, once the focus is in it", rows))
    return [(title, rows) for title, rows in sections if rows]


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,f1", "dismiss", "close help", id="help.close")]

    def __init__(self, sections: list[tuple[str, Rows]], typing: str):
        super().__init__()
        self.sections = sections
        self.typing = typing

    @property
    def rows(self) -> Rows:
        return [row for _, rows in self.sections for row in rows]

    def compose(self) -> ComposeResult:
        width = max((len(key) for key, _ in self.rows), default=0)
        lines = ["[b]Keys[/b]", escape(self.typing)]
        for title, rows in self.sections:
            lines += ["", f"[b]{escape(title)}[/b]"]
            lines += [f"  [b]{escape(key):<{width}}[/b]  {escape(description)}" for key, description in rows]
        lines += ["", "Escape or F1 closes this help."]
        with VerticalScroll(id="help-body"):
            yield Static("\n".join(lines), markup=True)
