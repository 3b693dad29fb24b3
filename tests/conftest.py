import os

from lstm_tui.blas import limit_blas_threads

limit_blas_threads()  # as the CLI does, before NumPy is imported

import numpy as np  # noqa: E402  (after the thread settings, which NumPy reads once at import)
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# CI runs the same examples every time (a red run must be reproducible); local runs keep exploring, and a
# failure they find becomes a fixed regression test (tests/fixtures/damaged/ holds such files).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
