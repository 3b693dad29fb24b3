from lstm_tui.blas import limit_blas_threads

limit_blas_threads()  # as the CLI does, before NumPy is imported

import numpy as np  # noqa: E402  (after the thread settings, which NumPy reads once at import)
import pytest  # noqa: E402


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
