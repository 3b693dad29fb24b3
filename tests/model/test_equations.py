"""Equations as data (lstm_tui.model.equations): every cell's equations, evaluated with its own parameters,
give the step the code computes; the kinds of value they declare hold; the text reads as lessons write it."""

import ast
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.model import CELLS, build_cell, equations
from lstm_tui.model.equations import (
    BOUNDS,
    TANH,
    Blend,
    Call,
    Equation,
    Kind,
    Symbol,
    Value,
    equations_text,
    value_bounds,
)
from lstm_tui.model.gru import GRUCell
from lstm_tui.model.lstm import LSTMCell
from lstm_tui.model.mgu import MGUCell
from lstm_tui.model.minimal import MinGRUCell, MinLSTMCell
from lstm_tui.model.mlstm import MLSTMCell
from lstm_tui.model.mut import MUTCell
from lstm_tui.model.rglru import RGLRUCell
from lstm_tui.model.rnn import RNNCell
from lstm_tui.model.slstm import SLSTMCell

from ..helpers import evaluate, random_state

D, H = 5, 4


def blocks(array, names):
    """Split the rows of ``array`` into H-row blocks named by the letters of ``names``."""
    return {name: array[k * H : (k + 1) * H] for k, name in enumerate(names)}


def lstm_symbols(cell, x, state):
    p = cell.params
    symbols = {}
    for name, rows in cell.rows.items():
        symbols[f"W_{name}"] = p["weight_ih"][rows]
        symbols[f"R_{name}"] = p["weight_hh"][rows]
        symbols[f"b_{name}"] = p["bias_ih"][rows] + p["bias_hh"][rows]
        if f"peephole_{name}" in p:
            symbols[f"p_{name}"] = p[f"peephole_{name}"]
    if cell.full_gate_recurrence:  # Greff's nine matrices times last step's gates, per gate
        recurrence = blocks(p["weight_gates"] @ state["gates"], cell.sigmoid_blocks)
        symbols.update({(gate, "Σ R·gate₋₁"): value for gate, value in recurrence.items()})
    return symbols


def gru_symbols(cell, x, state):
    p = cell.params
    if cell.gate_inputs == "full":
        symbols = {f"W_i{g}": w for g, w in blocks(p["weight_ih"], "rzn").items()}
        symbols |= {f"W_h{g}": w for g, w in blocks(p["weight_hh"], "rzn").items()}
        symbols |= {f"b_i{g}": b for g, b in blocks(p["bias_ih"], "rzn").items()}
        return symbols | {f"b_h{g}": b for g, b in blocks(p["bias_hh"], "rzn").items()}
    symbols = {"W_in": p["weight_ih_n"]}
    if "weight_hh" in p:
        symbols |= {f"W_h{g}": w for g, w in blocks(p["weight_hh"], "rzn").items()}
    else:
        symbols["W_hn"] = p["weight_hh_n"]
    if "bias" in p:
        return symbols | {f"b_{g}": b for g, b in blocks(p["bias"], "rzn").items()}
    return symbols | {"b_n": p["bias_n"]}


def mgu_symbols(cell, x, state):
    p = cell.params
    symbols = {f"W_i{g}": w for g, w in blocks(p["weight_ih"], "fn").items()}
    symbols |= {f"W_h{g}": w for g, w in blocks(p["weight_hh"], "fn").items()}
    return symbols | {f"b_{g}": b for g, b in blocks(p["bias"], "fn").items()}


def mut_symbols(cell, x, state):
    p = cell.params
    symbols = {f"W_i{g}": w for g, w in blocks(p["weight_ih"], cell.input_blocks).items()}
    symbols |= {f"W_h{g}": p["weight_hh"][rows] for g, rows in cell.recurrent_rows.items()}
    symbols |= {f"b_{g}": b for g, b in blocks(p["bias"], "rzn").items()}
    if "weight_proj" in p:
        symbols |= {"P": p["weight_proj"], "x̃": p["weight_proj"] @ x}
    return symbols


def rnn_symbols(cell, x, state):
    return {
        name: cell.params[key]
        for name, key in (("W_ih", "weight_ih"), ("W_hh", "weight_hh"), ("b_ih", "bias_ih"), ("b_hh", "bias_hh"))
    }


def slstm_symbols(cell, x, state):
    p = cell.params
    pre = p["weight_ih"] @ x + p["weight_hh"] @ state["h"] + p["bias"]
    return dict(zip(("ĩ", "f̃", "g̃", "õ"), np.split(pre, 4)))


def mlstm_symbols(cell, x, state):
    """The step's q, k, v, gate pre-activations and (from them) its new C and nᵀq, worked out here."""
    p = cell.params
    q, k, v, pre_o = np.split(p["weight_ih"] @ x + p["bias_ih"], 4)
    pre_i, pre_f = p["weight_gate"] @ np.concatenate([q, k, v]) + p["bias_gate"]  # one head
    root = np.sqrt(H)
    m_prev = state["m"][0]
    m = max(m_prev + np.log(1 / (1 + np.exp(-pre_f))), pre_i) if cell.stabilised else 0.0
    forget, write = np.exp(m_prev + np.log(1 / (1 + np.exp(-pre_f))) - m), np.exp(pre_i - m)
    C = forget * state["C"].reshape(H, H) + write * np.outer(v, k) / root
    n = forget * state["n"] + write * k / root
    return {"ĩ": pre_i, "f̃": pre_f, "õ": pre_o, "q": q, "k": k, "√d": root, "C": C, "|nᵀq|": abs(n @ q), "ε": 1e-6}


def mingru_symbols(cell, x, state):
    p = cell.params
    return {
        **{f"W_{g}": w for g, w in blocks(p["weight_ih"], "zn").items()},
        **{f"b_{g}": b for g, b in blocks(p["bias"], "zn").items()},
    }


def minlstm_symbols(cell, x, state):
    p = cell.params
    return {
        **{f"W_{g}": w for g, w in blocks(p["weight_ih"], "fin").items()},
        **{f"b_{g}": b for g, b in blocks(p["bias"], "fin").items()},
    }


def rglru_symbols(cell, x, state):
    p = cell.params
    projected = p["weight_proj"] @ x
    return {
        "x̃": projected,
        "W_r": p["weight_gate"][:H],
        "W_i": p["weight_gate"][H:],
        "b_r": p["bias_gate"][:H],
        "b_i": p["bias_gate"][H:],
        "Λ": p["lambda"],
    }


SYMBOLS = {
    LSTMCell: lstm_symbols,
    GRUCell: gru_symbols,
    MGUCell: mgu_symbols,
    MUTCell: mut_symbols,
    RNNCell: rnn_symbols,
    SLSTMCell: slstm_symbols,
    MLSTMCell: mlstm_symbols,
    MinGRUCell: mingru_symbols,
    MinLSTMCell: minlstm_symbols,
    RGLRUCell: rglru_symbols,
}


@pytest.mark.parametrize(
    "name, options",
    [(name, {}) for name in CELLS] + [("slstm", {"stabilised": False}), ("mlstm", {"stabilised": False})],
)
def test_the_equations_compute_the_cells_step(name, options):
    """Each traced target, evaluated from its equation with the cell's parameters, the input, the state
    before the step and the step's other traced values, equals what the cell computed (with the stabiliser
    off: the equations the panel shows then)."""
    rng = np.random.default_rng(7)
    cell = build_cell(name, D, H, seed=3, **options)
    for parameter in cell.params.values():  # away from the initial biases, so no term hides behind a zero
        parameter += rng.normal(scale=0.3, size=parameter.shape)
    x, state = rng.normal(size=D), random_state(cell, rng)
    _, trace = cell.step(x, dict(state))
    symbols = {"x": x, **SYMBOLS[type(cell)](cell, x, state)}
    checked = set()
    for equation in CELLS[name].equations_for(cell):
        if equation.target not in trace:
            continue

        def lookup(leaf, target=equation.target):
            if isinstance(leaf, Value):
                return state[leaf.name] if leaf.previous else trace[leaf.name]
            return symbols.get((target, leaf.text), symbols.get(leaf.text))

        expected = np.broadcast_to(evaluate(equation.rhs, lookup), (H,))
        np.testing.assert_allclose(trace[equation.target], expected, rtol=1e-12, atol=1e-14, err_msg=equation.text)
        checked.add(equation.target)
    assert checked == set(trace)  # every traced value has its equation


@pytest.mark.parametrize("name", list(CELLS))
def test_cells_declare_their_trace_names(name):
    cell = build_cell(name, D, H)
    _, trace = cell.step(np.ones(D))
    assert tuple(trace) == cell.trace_names
    assert tuple(cell.forward(np.ones((2, D))).trace) == cell.trace_names


@pytest.mark.parametrize("name", list(CELLS))
def test_values_stay_in_the_range_their_kind_declares(name):
    """From a zero state, with inputs large enough to saturate: gates in 0..1, tanh results in −1..1, a
    blend within the range of what it mixes in."""
    equations = CELLS[name].equations
    for seed, scale in ((0, 1.0), (1, 30.0)):
        cell = build_cell(name, D, H, seed=seed)
        trace = cell.forward(np.random.default_rng(seed).normal(scale=scale, size=(12, D))).trace
        for equation in equations:
            bounds = value_bounds(equations, equation.target)
            if bounds is not None and equation.target in trace:
                low, high = bounds
                assert np.all((trace[equation.target] >= low) & (trace[equation.target] <= high)), equation.text


def test_kinds_bound_what_they_claim():
    assert BOUNDS == {Kind.GATE: (0.0, 1.0), Kind.TANH: (-1.0, 1.0)}
    gru = CELLS["gru"].equations
    gate, squashed = (0.0, 1.0), (-1.0, 1.0)
    assert [value_bounds(gru, name) for name in ("r", "z", "n", "h")] == [gate, gate, squashed, squashed]
    lstm = CELLS["lstm"].equations
    assert value_bounds(lstm, "c") is None and value_bounds(lstm, "h") == (-1.0, 1.0)
    assert value_bounds(CELLS["lstm-noaf"].equations, "h") is None  # h = o ⊙ c
    assert value_bounds(CELLS["lstm-niaf"].equations, "g") is None  # a linear candidate
    assert value_bounds(lstm, "nothing") is None


def test_a_blend_must_mix_its_own_previous_value():
    with pytest.raises(ValueError):
        Equation("h", Blend(Value("z"), Value("c", previous=True), Value("n"), True), Kind.BLEND)
    with pytest.raises(ValueError):
        Equation("h", Call(TANH, Symbol("x")), Kind.BLEND)


def test_the_text_reads_as_the_lessons_write_it():
    assert equations_text(CELLS["gru"].equations).splitlines() == [
        "r = σ(W_ir x + b_ir + W_hr h₋₁ + b_hr)",
        "z = σ(W_iz x + b_iz + W_hz h₋₁ + b_hz)",
        "n = tanh(W_in x + b_in + r ⊙ (W_hn h₋₁ + b_hn))",
        "h = z ⊙ h₋₁ + (1 − z) ⊙ n      (z keeps the old state)",
    ]
    assert equations_text(CELLS["lstm-cifg"].equations).splitlines()[1] == "f = 1 − i"
    assert equations_text(CELLS["lstm-nig"].equations).splitlines()[0] == "i = 1"
    assert CELLS["mut3"].equations[1].text == "z = σ(W_iz x + W_hz tanh(h₋₁) + b_z)"


def test_operands_are_the_values_each_once():
    c_line = next(equation for equation in CELLS["lstm"].equations if equation.target == "c")
    assert c_line.operands == (Value("f"), Value("c", previous=True), Value("i"), Value("g"))
    h_line = CELLS["gru"].equations[-1]
    assert h_line.operands == (Value("z"), Value("h", previous=True), Value("n"))
    assert h_line.only_operands and not CELLS["gru"].equations[0].only_operands


def test_the_equations_module_needs_no_numpy():
    """Plain Python: it imports the standard library and the display leaf only."""
    tree = ast.parse(Path(equations.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    assert imported == {"__future__", "math", "collections.abc", "dataclasses", "enum", "operator", "..display"}
