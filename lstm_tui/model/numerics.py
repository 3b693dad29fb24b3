"""Small numerical building blocks shared by every cell."""

from __future__ import annotations

import numpy as np

DTYPES = {"float64": np.float64, "float32": np.float32}


def resolve_dtype(dtype) -> np.dtype:
    """Accept "float64"/"float32" or a NumPy dtype; anything else is refused."""
    resolved = np.dtype(DTYPES.get(dtype, dtype))
    if resolved not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"dtype must be float64 or float32, not {resolved}")
    return resolved


def sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Logistic sigmoid written through tanh, so it never overflows for large |x|: ½(1 + tanh(x/2)).
    ``out``: an array to write it into (it may be ``x`` itself)."""
    out = np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def softmax(logits: np.ndarray, out: np.ndarray | None = None, axis: int = -1) -> np.ndarray:
    """Softmax over ``axis`` (the last by default); subtracting the max keeps exp() finite. ``out``: an
    array to write it into (it may be ``logits`` itself)."""
    out = np.subtract(logits, logits.max(axis=axis, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=axis, keepdims=True)
    return out


def outer_sum(delta: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """Σ over all leading (time/batch) axes of delta ⊗ inputs: the gradient of ``inputs @ W.T``."""
    return delta.reshape(-1, delta.shape[-1]).T @ inputs.reshape(-1, inputs.shape[-1])


def lead_sum(values: np.ndarray) -> np.ndarray:
    """Σ over all leading axes, keeping the last: the gradient of a broadcast bias."""
    return values.reshape(-1, values.shape[-1]).sum(axis=0)


def uniform_init(rng: np.random.Generator, shape, hidden_size: int, dtype) -> np.ndarray:
    """PyTorch's recurrent-layer initialisation: U(−1/√H, 1/√H)."""
    bound = 1.0 / np.sqrt(hidden_size)
    return rng.uniform(-bound, bound, size=shape).astype(dtype)
