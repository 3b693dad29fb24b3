"""Retrain the shipped models (lstm_tui/models/NAME.npz + NAME.md) with their recipes.

    .venv/bin/python tools/train_shipped.py [NAME ...]      # from the repository root; all when no names

Each model is trained by ``lstm-tui train`` with the arguments in ``lstm_tui.training.shipped.RECIPES``; its
card records the exact command, the training time and the load average. The whole run takes a few
minutes on two cores.
"""

import os
import sys
import time

from lstm_tui.blas import limit_blas_threads

limit_blas_threads()  # before NumPy is imported, as `lstm-tui train` does

from lstm_tui.cli import main  # noqa: E402
from lstm_tui.training.shipped import RECIPES, command_line  # noqa: E402


def train(names: list[str]) -> int:
    unknown = [name for name in names if name not in RECIPES]
    if unknown:
        print(f"unknown recipe {', '.join(unknown)}; choose from {', '.join(RECIPES)}", file=sys.stderr)
        return 2
    for name in names or list(RECIPES):
        argv = RECIPES[name].argv(name)
        print(command_line(argv), flush=True)
        start = time.perf_counter()
        status = main(argv)
        load = os.getloadavg()[0]
        print(f"{name}: exit {status}, {time.perf_counter() - start:.1f} s wall clock, load {load:.2f}\n", flush=True)
        if status != 0:
            return status
    return 0


if __name__ == "__main__":
    raise SystemExit(train(sys.argv[1:]))
