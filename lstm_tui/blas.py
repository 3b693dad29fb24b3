"""One BLAS thread unless the user chose otherwise.

Every product here is small (a step is a (B, H) × (H, 4H) product): BLAS threads gain nothing and, with
other work on a 2-core machine, they stall — a training step measured ~12 ms on one thread and 75–130 ms
on two. The variables only act before NumPy is first imported, so entry points call this first.
"""

import os
import sys

VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def limit_blas_threads() -> None:
    if "numpy" not in sys.modules:
        for name in VARIABLES:
            os.environ.setdefault(name, "1")
