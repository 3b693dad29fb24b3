import numpy as np


def random_state(cell, rng, batch_shape=()):
    """A non-zero state, so gradients through the initial state and peepholes are exercised."""
    return {
        name: rng.uniform(-0.5, 0.5, size=batch_shape + (cell.state_size(name),))
        for name in cell.state_names
    }


