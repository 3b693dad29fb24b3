import os

# As the CLI does: small matrices gain nothing from BLAS threads, and on a busy 2-core machine they stall.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402  (after the thread settings, which NumPy reads once at import)
import pytest  # noqa: E402


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
