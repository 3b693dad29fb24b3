import pathlib

import numpy as np
import pytest

from lstm_tui.errors import UserError
from lstm_tui.model import build_cell
from lstm_tui.model.stack import Stack, layer_suffix
from lstm_tui.model.weights import load_model

TORCH_FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "torch"
PYTORCH_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")

# States that divide: sLSTM's normaliser n (h = o ⊙ c / n) is a sum of positive terms in any state the cell
# reaches; near 0 it would make finite differences meaningless.
POSITIVE_STATES = {"slstm": ("n",)}


def random_state(cell, rng, batch_shape=()):
    """A non-zero state, so gradients through the initial state and peepholes are exercised."""
    state = {name: rng.uniform(-0.5, 0.5, size=batch_shape + (cell.state_size(name),)) for name in cell.state_names}
    for name in POSITIVE_STATES.get(cell.name, ()):
        state[name] = rng.uniform(0.5, 1.5, size=batch_shape + (cell.state_size(name),))
    return state


def evaluate(expression, lookup):
    """The value of an equation's right-hand side (``lstm_tui.model.equations``), with ``lookup(leaf)``
    giving each Value's and Symbol's number or array. An oracle written apart from the cells' code."""
    from lstm_tui.model import equations as eq

    sigmoid = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    functions = {
        "σ": sigmoid,
        "tanh": np.tanh,
        "exp": np.exp,
        "log σ": lambda v: np.log(sigmoid(v)),
        "√": np.sqrt,
        "g": lambda v: np.where(v >= 0, v + 0.5, sigmoid(v)),
    }  # minGRU's g

    def value(node):
        if isinstance(node, (eq.Value, eq.Symbol)):
            return lookup(node)
        if isinstance(node, eq.Number):
            return node.value
        if isinstance(node, eq.Sum):
            return sum(value(term) for term in node.terms)
        if isinstance(node, eq.Difference):
            return value(node.left) - value(node.right)
        if isinstance(node, eq.Hadamard):
            return value(node.left) * value(node.right)
        if isinstance(node, eq.Quotient):
            return value(node.left) / value(node.right)
        if isinstance(node, eq.Power):
            return value(node.left) ** value(node.right)
        if isinstance(node, eq.Negated):
            return -value(node.inner)
        if isinstance(node, eq.Extreme):
            return (np.maximum if node.largest else np.minimum)(value(node.left), value(node.right))
        if isinstance(node, eq.Apply):
            return value(node.left) @ value(node.right)
        if isinstance(node, eq.Group):
            return value(node.inner)
        if isinstance(node, eq.Call):
            return functions[node.function.name](value(node.argument))
        if isinstance(node, eq.Blend):
            return value(node.expanded)
        raise AssertionError(f"the oracle does not know {node!r}")

    return value(expression)


# --- finite differences (the BPTT checks of tests/analysis and tests/model) ------------------------------
T, BATCH, INPUT, HIDDEN = 5, 2, 3, 4


def loss_pieces(cell, rng):
    """A scalar loss touching every h_t and the final state, with fixed random weights."""
    weights_h = rng.normal(size=(T, BATCH, HIDDEN))
    weights_final = {name: rng.normal(size=(BATCH, cell.state_size(name))) for name in cell.state_names}

    def loss(inputs, state0):
        result = cell.forward(inputs, {k: v.copy() for k, v in state0.items()})
        value = np.sum(weights_h * result.trace["h"])
        value += sum(np.sum(weights_final[name] * result.state[name]) for name in cell.state_names)
        return value, result

    return loss, weights_h, weights_final


def numeric_gradient(function, array, eps=1e-6):
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        plus = function()
        array[index] = saved - eps
        minus = function()
        array[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic, numeric):
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return 0.0 if scale == 0 else np.linalg.norm(analytic - numeric) / scale


# --- stacked models and weight files (PyTorch's layouts) ---------------------------------------------
def stack_from_state_dict(cell_name, weights):
    """Our stack holding exactly a torch module's state_dict (``weight_ih_l1``, ``…_l0_reverse``)."""
    layers = 1 + max(int(name.split("_l")[1].split("_")[0]) for name in weights)
    directions = 2 if any(name.endswith("_reverse") for name in weights) else 1
    cells = []
    for k in range(layers):
        row = []
        for d in range(directions):
            params = {name: np.asarray(weights[name + layer_suffix(k, d)], dtype=np.float64) for name in PYTORCH_NAMES}
            hidden, width = params["weight_hh"].shape[1], params["weight_ih"].shape[1]
            row.append(build_cell(cell_name, width, hidden, params=params))
        cells.append(row)
    return Stack(cells)


def stack_state(stack, h0, c0=None):
    """PyTorch's (layers·directions, B, H) initial state as our [layer][direction] dicts."""
    D = stack.num_directions
    return tuple(
        tuple({"h": h0[k * D + d], **({"c": c0[k * D + d]} if c0 is not None else {})} for d in range(D))
        for k in range(stack.num_layers)
    )


def load_stacked(cell_name, case):
    with np.load(TORCH_FIXTURES / f"stacked_{cell_name}.npz", allow_pickle=False) as data:
        prefix = f"{case}/"
        return {name[len(prefix) :]: data[name] for name in data.files if name.startswith(prefix)}


def save_arrays(path, **arrays) -> pathlib.Path:
    """Write arrays exactly as given (np.savez pickles object arrays by default, which a bad file may hold)."""
    with open(path, "wb") as stream:
        np.savez(stream, **arrays)
    return path


def load_error(path, **kwargs) -> str:
    with pytest.raises(UserError) as caught:
        load_model(path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


# A vocabulary as wide as the text task allows (MAX_TRAIN_VOCAB), to show no V × V table is ever made.
WIDE_VOCAB = "".join(chr(code) for code in range(0x4E00, 0x4E00 + 8192))


def peak_bytes(work) -> int:
    """The most memory Python allocations (NumPy's included) held at once while ``work()`` ran."""
    import tracemalloc

    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
