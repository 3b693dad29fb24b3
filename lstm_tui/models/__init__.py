"""The shipped, trained models: ``NAME.npz`` weights with a ``NAME.md`` card, made by tools/train_shipped.py.

Kept free of NumPy so that listing the names (for ``--help``) costs nothing.
"""

from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent


def shipped_names() -> list[str]:
    """Names of the shipped models present in the package, sorted."""
    return sorted(path.stem for path in MODELS_DIR.glob("*.npz"))
