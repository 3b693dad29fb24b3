"""What the live panel should show: the contract between lessons ("try it"), the CLI and the explorer."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import UserError
from .limits import CELL_NAMES, DEFAULT_CELL, MAX_HIDDEN, MAX_SEED, VIEW_HIDDEN

# "memory": the memory half-life, "scan": sequential vs parallel; "gradients": the gradient lab, not a panel view
VIEWS = ("gates", "plot", "heat", "equation", "attribution", "memory", "scan", "gradients")
# Keys a lesson may hide (``hide_keys``), by the name of the action they run; views are hidden by name
# (``hide_views``). Typing itself is never hidden.
HIDEABLE_KEYS = (
    "scrub",
    "live",
    "unit",
    "pin",
    "find_unit",
    "toggle_plot_gates",
    "shown_cell",
    "cell",
    "seed",
    "hidden",
    "models",
    "previous_model",
    "forget_bias",
    "reset",
    "training",
)


@dataclass(frozen=True)
class PanelSetup:
    cell: str = DEFAULT_CELL  # a registry name
    model: str = "random"  # "random" (seeded) or the name of a shipped model
    hidden: int = VIEW_HIDDEN  # hidden size of a random model
    seed: int = 0
    text: str = ""  # typed into the input when the setup is loaded
    view: str = "gates"  # one of VIEWS
    weights: str | None = None  # a weights file path, instead of `model`
    label: str = ""  # how the status line names a model with no file or name (one trained in the app)


def counterpart(setup: PanelSetup) -> PanelSetup:
    """The model the app compares a panel's with (issue 16's central comparison): its plain-RNN twin, or
    for an RNN the LSTM's; the shipped twin of a shipped model where there is one (brackets and
    brackets-rnn), else a random model of that cell with the same size and seed."""
    from .models import shipped_names

    other = "lstm" if setup.cell == "rnn" else "rnn"
    if setup.model != "random" and not setup.weights:
        base = setup.model.removesuffix(f"-{setup.cell}")
        twin = base if other == "lstm" else f"{base}-{other}"
        if twin in shipped_names():
            return PanelSetup(cell=other, model=twin, text=setup.text)
    return PanelSetup(cell=other, hidden=setup.hidden, seed=setup.seed, text=setup.text)


def check_random_setup(setup: PanelSetup) -> None:
    """Refuse (UserError) a seeded random model that cannot be built: bad size, seed or cell."""
    if not 1 <= setup.hidden <= MAX_HIDDEN:
        raise UserError(f"hidden size must be between 1 and {MAX_HIDDEN}, not {setup.hidden}")
    if not 0 <= setup.seed <= MAX_SEED:
        raise UserError(f"seed must be between 0 and {MAX_SEED}, not {setup.seed}")
    if setup.cell not in CELL_NAMES:
        raise UserError(f"unknown cell {setup.cell!r}; choose one of: {', '.join(CELL_NAMES)}")
