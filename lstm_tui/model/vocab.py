"""Characters ↔ one-hot vectors. Unknown characters map to the zero vector and are flagged, never replaced."""

from __future__ import annotations

import numpy as np

# Printable ASCII (space … ~) plus newline: 96 characters, the default for untrained models.
PRINTABLE_ASCII = "\n" + "".join(chr(code) for code in range(32, 127))

OUT_OF_VOCABULARY = -1


class Vocabulary:
    """Distinct characters; a character's index is its one-hot column.

    Sorted by default, so the index of a character never depends on set() ordering between processes. A
    weights file's vocabulary keeps the file's order (``sort=False``): there the order *is* the column
    order of the input weights, whatever order its author chose (Karpathy sorts, many tutorials use the
    order of first appearance)."""

    def __init__(self, chars: str, sort: bool = True):
        if not isinstance(chars, str) or not chars:
            raise ValueError("a vocabulary is a non-empty string of characters")
        if len(set(chars)) != len(chars):
            raise ValueError("vocabulary characters must be distinct")
        self.chars = "".join(sorted(chars)) if sort else chars
        self._index = {char: k for k, char in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def __contains__(self, char: str) -> bool:
        return char in self._index

    def index(self, char: str) -> int:
        return self._index.get(char, OUT_OF_VOCABULARY)

    def indices(self, text: str) -> np.ndarray:
        return np.fromiter((self.index(char) for char in text), dtype=np.int64, count=len(text))

    def one_hot(self, text: str, dtype=np.float64) -> np.ndarray:
        """(len(text), len(vocab)); a row of zeros for each out-of-vocabulary character."""
        indices = self.indices(text)
        rows = np.zeros((len(text), len(self.chars)), dtype=dtype)
        known = indices != OUT_OF_VOCABULARY
        rows[np.flatnonzero(known), indices[known]] = 1.0
        return rows
