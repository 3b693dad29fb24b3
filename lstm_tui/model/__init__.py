"""The recurrent core: pure NumPy cells, BPTT, vocabularies and weight files. No terminal code here."""

from .cell import Cell, ForwardResult
from .charmodel import CharModel
from .registry import CELLS, CellSpec, build_cell, get_spec
from .vocab import PRINTABLE_ASCII, Vocabulary
from .weights import load_model, load_model_file, save_model

__all__ = [
    "CELLS",
    "Cell",
    "CellSpec",
    "CharModel",
    "ForwardResult",
    "PRINTABLE_ASCII",
    "Vocabulary",
    "build_cell",
    "get_spec",
    "load_model",
    "load_model_file",
    "save_model",
]
