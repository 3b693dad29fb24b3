"""What the live panel should show: the contract between lessons ("try it"), the CLI and the explorer."""

from __future__ import annotations

from dataclasses import dataclass

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
