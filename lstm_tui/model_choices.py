"""The models a live panel can switch to, as the model picker lists them: the panel's recent models, the
shipped models (each with its card's one-line summary), every registry cell as a seeded random model,
models trained in this run, those saved in the user data folder, and a weights file to pick. Plain
Python: the picker screen draws these, tests read them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .display import shown
from .errors import UserError
from .limits import CELL_NAMES, MAX_SAVED_LISTED
from .models import MODELS_DIR, shipped_names
from .panel_setup import PanelSetup

WEIGHT_SUFFIXES = (".npz", ".pt", ".pth")  # what the file picker shows: the CLI's --weights formats


@dataclass(frozen=True)
class ModelChoice:
    """One line of the picker. ``setup`` describes the model; ``model`` is one already in memory (a recent
    or a trained model), else the setup is loaded. Neither: the line opens the file picker."""

    group: str  # "recent", "shipped", "cell", "trained", "saved" or "file"
    name: str  # what "Model: NAME" in the palette says
    summary: str
    setup: PanelSetup | None = None
    model: object = None

    @property
    def title(self) -> str:
        return f"{self.name} · {self.summary}" if self.summary else self.name

    def matches(self, query: str) -> bool:
        """Whether every word of ``query`` is in the name or the summary (case ignored)."""
        haystack = f"{self.group} {self.name} {self.summary}".casefold()
        return all(word in haystack for word in query.casefold().split())


FILE_CHOICE = ModelChoice("file", "weights file…", "a .npz or .pt file, loaded as --weights loads it")


def describe_setup(setup: PanelSetup) -> str:
    """A model as a setup names it, in a few words (file names escaped)."""
    if setup.label:
        source = setup.label
    elif setup.weights:
        source = f"weights {Path(setup.weights).name}"
    else:
        source = f"seed {setup.seed}" if setup.model == "random" else setup.model
    return shown(f"{setup.cell} H={setup.hidden} {source}")


def card_summary(name: str) -> str:
    """The first sentence of a shipped model's card (the line under its heading), or ""."""
    path = MODELS_DIR / f"{name}.md"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    return next((line.strip() for line in lines[1:] if line.strip()), "")


def shipped_card(name: str) -> str:
    """A shipped model's card, Markdown."""
    try:
        return (MODELS_DIR / f"{name}.md").read_text(encoding="utf-8")
    except OSError as error:
        raise UserError(f"the card of {name} cannot be read: {error.strerror or error}") from None


def card_from_meta(meta: dict | None) -> str | None:
    """The card a model file's (or a training run's) ``meta`` makes, or None when it lacks one."""
    if not isinstance(meta, dict):
        return None
    from .training.shipped import card_markdown

    try:
        return card_markdown(meta)
    except (KeyError, TypeError, ValueError):  # not a card this project wrote
        return None


def card_for(setup: PanelSetup) -> str:
    """The card of the model a setup names (Markdown): a shipped model's, or the one a model file's meta
    makes. A UserError when there is none."""
    if setup.weights:
        from .model.weights import load_model_file  # the CLI's loader: no pickles, sizes checked

        card = card_from_meta(load_model_file(setup.weights).meta)
    elif setup.model != "random":
        return shipped_card(setup.model)
    else:
        card = None
    if card is None:
        raise UserError(f"{describe_setup(setup)} has no model card (only shipped and saved models have one)")
    return card


def recent_choices(recent) -> list[ModelChoice]:
    """``recent``: (setup, model) pairs, the last one set aside first."""
    return [
        ModelChoice("recent", describe_setup(setup), "earlier in this panel", setup, model) for setup, model in recent
    ]


def shipped_choices() -> list[ModelChoice]:
    return [ModelChoice("shipped", name, card_summary(name), PanelSetup(model=name)) for name in shipped_names()]


def cell_choices(hidden: int, seed: int) -> list[ModelChoice]:
    """Each registry cell as a random model of the panel's size and seed (untrained: gates only)."""
    return [
        ModelChoice("cell", name, f"random, H={hidden}, seed {seed}", PanelSetup(cell=name, hidden=hidden, seed=seed))
        for name in CELL_NAMES
    ]


def trained_choices(trained) -> list[ModelChoice]:
    """``trained``: (setup, model) pairs of runs finished in this app, the newest first."""
    return [
        ModelChoice("trained", setup.label, f"{setup.cell} H={setup.hidden}", setup, model) for setup, model in trained
    ]


def saved_choices(folder: Path) -> list[ModelChoice]:
    """Model files in ``folder`` (the training screen saves there), the newest first, at most
    MAX_SAVED_LISTED."""
    try:
        paths = [path for path in folder.iterdir() if path.suffix in WEIGHT_SUFFIXES and path.is_file()]
        paths.sort(key=lambda path: path.stat().st_mtime, reverse=True)
    except OSError:  # no folder yet, or one that cannot be read: nothing saved to list
        return []
    return [
        ModelChoice("saved", shown(path.name), "saved in the user data folder", PanelSetup(weights=str(path)))
        for path in paths[:MAX_SAVED_LISTED]
    ]


def all_choices(*, recent=(), trained=(), saved_folder: Path | None = None, hidden: int, seed: int):
    """Every line of the picker, in its order."""
    choices = [*recent_choices(recent), *shipped_choices(), *cell_choices(hidden, seed)]
    choices += trained_choices(trained)
    if saved_folder is not None:
        choices += saved_choices(saved_folder)
    return [*choices, FILE_CHOICE]


def weights_setup(path: Path) -> PanelSetup:
    """The setup for a weights file chosen in the file picker (loaded later, as ``--weights`` loads it)."""
    if path.suffix.lower() not in WEIGHT_SUFFIXES:
        raise UserError(f"{shown(path.name)} is not a weights file ({', '.join(WEIGHT_SUFFIXES)})")
    if not path.is_file():
        raise UserError(f"{shown(path)}: no such file")
    return PanelSetup(weights=str(path))
