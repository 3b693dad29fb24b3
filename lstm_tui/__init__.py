"""lstm-tui: learn LSTMs and GRUs in the terminal.

Nothing is imported at module scope, so ``import lstm_tui`` stays cheap and UI-free.
"""

__version__ = "0.1.0"
