"""The model picker (a live panel's ⇧F2), the weights-file picker it opens, and a model card.

The picker lists ``model_choices.all_choices``: type to filter, ↑↓ to move, Enter to switch, ^o for the
highlighted model's card. The focus stays in the filter, so every typed character filters.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from ..display import shown
from ..errors import UserError
from ..model_choices import FILE_CHOICE, WEIGHT_SUFFIXES, ModelChoice, card_for, weights_setup

GROUP_TITLES = {
    "recent": "recent in this panel (⇧F5 brings the last back)",
    "shipped": "shipped, trained",
    "cell": "registry cells, untrained",
    "trained": "trained in this run",
    "saved": "saved",
    "file": "from a file",
}


def prompt_for(choice: ModelChoice, *, marked: bool) -> Text:
    return Text(f"{'▸' if marked else ' '} {choice.title}", no_wrap=True, overflow="ellipsis")


class ModelPickerScreen(ModalScreen[ModelChoice | None]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "close", id="picker.close"),
        Binding("up", "move(-1)", "previous", show=False, id="picker.previous"),
        Binding("down", "move(1)", "next", show=False, id="picker.next"),
        Binding("pageup", "move(-10)", "page up", show=False, id="picker.page-up"),
        Binding("pagedown", "move(10)", "page down", show=False, id="picker.page-down"),
        Binding("ctrl+o", "card", "model card", id="picker.card"),
    ]

    def __init__(self, choices: list[ModelChoice], current: str = ""):
        """``current``: how the model the panel shows is named (the title says it)."""
        super().__init__()
        self.choices = choices
        self.current = current
        self.shown: list[ModelChoice] = []  # the choices the filter lets through, in the list's order
        self._marked: int | None = None  # the option drawn with ▸

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-body"):
            yield Static(Text(f"Models · now: {self.current}", style="bold", no_wrap=True, overflow="ellipsis"))
            yield Input(
                placeholder="type to filter: a name, a cell, a task",
                id="picker-filter",
                select_on_focus=False,
                compact=True,
            )
            yield OptionList(id="picker-list")
            yield Static("↑↓ choose · Enter switch · ^o model card · Esc close", id="picker-keys", markup=False)

    def on_mount(self) -> None:
        self.show_matching("")
        field = self.query_one("#picker-filter", Input)
        field.cursor_blink = False  # a blinking cursor writes to the terminal while idle
        field.focus()

    @on(Input.Changed, "#picker-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.show_matching(event.value)

    def show_matching(self, query: str) -> None:
        """List the choices that match ``query`` under their group titles; highlight the first."""
        self.shown = [choice for choice in self.choices if choice.matches(query)]
        options, group = [], None
        for index, choice in enumerate(self.shown):
            if choice.group != group:
                group = choice.group
                options.append(Option(Text(GROUP_TITLES[group], style="bold dim"), disabled=True))
            options.append(Option(prompt_for(choice, marked=False), id=str(index)))
        listing = self.query_one(OptionList)
        listing.clear_options()
        if not options:
            options.append(Option(Text("nothing matches: Backspace widens the filter", style="dim"), disabled=True))
        listing.add_options(options)
        self._marked = None
        listing.highlighted = next((i for i, option in enumerate(options) if not option.disabled), None)

    @on(OptionList.OptionHighlighted)
    def mark_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """A ▸ before the highlighted line: the list's highlight is a background only (lost in NO_COLOR)."""
        listing = self.query_one(OptionList)
        for index, marked in ((self._marked, False), (event.option_index, True)):
            if index is not None and index < listing.option_count:
                option_id = listing.get_option_at_index(index).id
                if option_id is not None:
                    listing.replace_option_prompt_at_index(index, prompt_for(self.shown[int(option_id)], marked=marked))
        self._marked = event.option_index

    @property
    def highlighted(self) -> ModelChoice | None:
        listing = self.query_one(OptionList)
        if listing.highlighted is None:
            return None
        option_id = listing.get_option_at_index(listing.highlighted).id
        return None if option_id is None else self.shown[int(option_id)]

    def action_move(self, delta: int) -> None:
        listing = self.query_one(OptionList)
        action = listing.action_cursor_down if delta > 0 else listing.action_cursor_up
        for _ in range(abs(delta)):
            action()

    @on(Input.Submitted, "#picker-filter")
    def choose_highlighted(self) -> None:
        self.choose(self.highlighted)

    @on(OptionList.OptionSelected)
    def choose_clicked(self, event: OptionList.OptionSelected) -> None:
        self.choose(self.shown[int(event.option.id)])

    def choose(self, choice: ModelChoice | None) -> None:
        if choice is None:
            return
        if choice is FILE_CHOICE:
            self.app.push_screen(WeightsFileScreen(), self.file_chosen)
            return
        self.dismiss(choice)

    def file_chosen(self, choice: ModelChoice | None) -> None:
        if choice is not None:
            self.dismiss(choice)

    def action_card(self) -> None:
        choice = self.highlighted
        if choice is None or choice.setup is None:
            self.notify("no card: highlight a shipped or saved model", timeout=3)
            return
        show_card(self.app, choice.setup, choice.name)


def show_card(app, setup, name: str) -> None:
    """Open the card of the model ``setup`` names, or say in a notice why there is none."""
    try:
        card = card_for(setup)
    except (UserError, OSError) as error:
        app.notify(str(error), severity="warning", timeout=4)
        return
    app.push_screen(ModelCardScreen(card, name))


class ModelCardScreen(ModalScreen):
    """A model card, Markdown; escaped (a card from a file may hold anything), links shown, never opened."""

    BINDINGS = [Binding("escape,ctrl+o", "dismiss", "close", id="card.close")]

    def __init__(self, card: str, name: str):
        super().__init__()
        self.card = "\n".join(shown(line) for line in card.splitlines())
        self.model_name = shown(name)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card-body"):
            yield Static(Text(f"Model card: {self.model_name} · Esc closes", style="bold"))
            yield Markdown(self.card, open_links=False)

    def on_mount(self) -> None:
        self.query_one("#card-body").focus()

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        self.app.open_url(event.href)


class WeightFiles(DirectoryTree):
    """Folders and weight files only (hidden ones left out)."""

    def filter_paths(self, paths):
        return [
            path
            for path in paths
            if not path.name.startswith(".") and (path.is_dir() or path.suffix.lower() in WEIGHT_SUFFIXES)
        ]


class WeightsFileScreen(ModalScreen[ModelChoice | None]):
    """Pick a .npz or .pt file: the tree from the working folder, or a path typed (a folder re-roots the
    tree). The file is loaded as ``--weights`` loads it: no pickles, sizes checked."""

    BINDINGS = [Binding("escape", "dismiss(None)", "close", id="weights.close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="weights-body"):
            yield Static(Text("A weights file (.npz, .pt) · Enter opens · Esc closes", style="bold"))
            yield Input(
                placeholder="a path, or pick below (Tab)", id="weights-path", select_on_focus=False, compact=True
            )
            yield WeightFiles(Path.cwd(), id="weights-tree")

    def on_mount(self) -> None:
        self.query_one("#weights-path", Input).cursor_blink = False
        self.query_one("#weights-tree").focus()

    @on(Input.Submitted, "#weights-path")
    def path_typed(self, event: Input.Submitted) -> None:
        path = Path(event.value.strip()).expanduser()
        if path.is_dir():
            self.query_one(WeightFiles).path = path
            self.query_one(WeightFiles).focus()
        else:
            self.chosen(path)

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.chosen(event.path)

    def chosen(self, path: Path) -> None:
        try:
            setup = weights_setup(path)
        except UserError as error:
            self.notify(str(error), severity="error", timeout=5)
            return
        self.dismiss(ModelChoice("file", shown(path.name), "a weights file", setup))
