"""What the live panel should show: the contract between lessons ("try it"), the CLI and the explorer."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import UserError

VIEWS = ("gates", "plot", "heat", "equation", "gradients")  # "gradients": the gradient lab, not a panel view


@dataclass(frozen=True)
class PanelSetup:
    cell: str = "lstm"  # a registry name
    model: str = "random"  # "random" (seeded) or the name of a shipped model
    hidden: int = 16  # hidden size of a random model
    seed: int = 0
    text: str = ""  # typed into the input when the setup is loaded
    view: str = "gates"  # one of VIEWS
    weights: str | None = None  # a weights file path, instead of `model`
    label: str = ""  # how the status line names a model with no file or name (one trained in the app)


MAX_HIDDEN = 1024  # the panel keeps a (window, hidden) trace per quantity: larger only exhausts memory
MAX_WINDOW = 8192  # characters the model runs on; with MAX_HIDDEN units, 64 MB per traced quantity

# The registry's cell names in its order (``lstm_tui.model.CELLS``; a test keeps them equal), here so
# that the command line checks ``--cell`` before the app starts without loading NumPy.
CELL_NAMES = (
    "rnn", "lstm", "lstm-peephole", "lstm-nig", "lstm-nfg", "lstm-nog", "lstm-niaf", "lstm-noaf", "lstm-np",
    "lstm-cifg", "lstm-fgr", "gru", "gru-cho", "gru-colah", "gru1", "gru2", "gru3", "mgu", "mut1", "mut2", "mut3",
)


def check_random_setup(setup: PanelSetup) -> None:
    """Refuse (UserError) a seeded random model that cannot be built: bad size, seed or cell."""
    if not 1 <= setup.hidden <= MAX_HIDDEN:
        raise UserError(f"hidden size must be between 1 and {MAX_HIDDEN}, not {setup.hidden}")
    if setup.seed < 0:
        raise UserError(f"seed must be zero or more, not {setup.seed}")
    if setup.cell not in CELL_NAMES:
        raise UserError(f"unknown cell {setup.cell!r}; choose one of: {', '.join(CELL_NAMES)}")
