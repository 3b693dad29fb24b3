"""Block-diagonal ("multi-head") weights, as sLSTM's recurrent matrix and RG-LRU's gates use them.

A weight of shape (G·H, H/K) holds G groups of H output rows (an sLSTM's four gates, say); unit u of
every group reads only the H/K inputs of its own head, head u // (H/K). Row ``g·H + u`` of the weight is
that unit's weights over those inputs. With one head (K = 1) this is an ordinary (G·H, H) matrix and
``x @ weightᵀ``; with K heads it is the block-diagonal matrix with K blocks per group, stored without its
zeros.
"""

from __future__ import annotations

import numpy as np


def check_heads(hidden_size: int, heads: int) -> int:
    if heads < 1 or hidden_size % heads:
        raise ValueError(f"the hidden size {hidden_size} must be a multiple of the number of heads, {heads}")
    return hidden_size // heads


def _blocks(weight: np.ndarray, heads: int) -> np.ndarray:
    """(G·H, D) as (G, K, D, D): group, head, output unit in the head, input unit in the head."""
    width = weight.shape[1]
    return weight.reshape(-1, heads, width, width)


def head_product(x: np.ndarray, weight: np.ndarray, heads: int) -> np.ndarray:
    """The block-diagonal product: (…, H) inputs → (…, G·H)."""
    if heads == 1:
        return np.dot(x, weight.T)
    width = weight.shape[1]
    x = x.reshape(x.shape[:-1] + (heads, width))
    out = np.einsum("...hi,ghoi->...gho", x, _blocks(weight, heads))
    return out.reshape(out.shape[:-3] + (-1,))


def head_product_backward(d_out: np.ndarray, weight: np.ndarray, heads: int) -> np.ndarray:
    """∂loss/∂x of ``head_product`` given ∂loss/∂out (…, G·H)."""
    if heads == 1:
        return np.dot(d_out, weight)
    width = weight.shape[1]
    d_out = d_out.reshape(d_out.shape[:-1] + (-1, heads, width))
    d_x = np.einsum("...gho,ghoi->...hi", d_out, _blocks(weight, heads))
    return d_x.reshape(d_x.shape[:-2] + (-1,))


def head_weight_grad(d_out: np.ndarray, x: np.ndarray, heads: int) -> np.ndarray:
    """∂loss/∂weight of ``head_product`` summed over all leading axes, in the weight's (G·H, H/K) layout."""
    d_out = d_out.reshape(-1, d_out.shape[-1])
    x = x.reshape(-1, x.shape[-1])
    if heads == 1:
        return d_out.T @ x
    width = x.shape[-1] // heads
    d_out = d_out.reshape(len(d_out), -1, heads, width)
    grad = np.einsum("ngho,nhi->ghoi", d_out, x.reshape(len(x), heads, width))
    return grad.reshape(-1, width)
