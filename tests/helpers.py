import numpy as np

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
