"""Code that reproduces the panel: short scripts that recompute, outside lstm-tui, the gates and states the
live panel shows for one text, and check them against the panel's own numbers.

``export_code`` writes one folder:

* ``weights.npz``: the model, as an lstm-tui weights file (no pickle; ``lstm-tui explore --weights`` opens it);
* ``panel.npz``: what the panel shows, every gate and state after every character, one (T, H) array each;
* ``panel_numpy.py``: the cell's equations as NumPy, one step per character, ending in an allclose check;
* ``panel_torch.py``: the same through PyTorch's own layer, for the cells PyTorch has (RNN, LSTM, GRU);
* ``README.md``: what each file is and how to run it.

The NumPy step is written from the registry's equations themselves (``python_line`` spells in Python the
same data the lessons' text is written from): each equation becomes one line of Python under its text, so
a script that passes also shows that the equations the lessons print are the ones the panel computes. Only
the names of the weight blocks are family knowledge (``_BINDINGS``). Plain Python over the core: no terminal
code.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np

from .display import shown
from .errors import UserError
from .limits import EXPORT_MAX_TEXT
from .model.charmodel import CharModel
from .model.equations import Apply, Difference, Equation, Hadamard, Notation, Number, Power, Quotient, written
from .model.registry import get_spec
from .model.weights import file_key, save_model
from .safe_files import StagedFiles, output_folder

FILES = ("weights.npz", "panel.npz", "panel_numpy.py", "panel_torch.py", "README.md")
# Cells whose maths is exactly a PyTorch layer (lstm-np is the lstm without peepholes, by another name).
TORCH_LAYERS = {"rnn": "RNN", "lstm": "LSTM", "lstm-np": "LSTM", "gru": "GRU"}
# (rtol, atol) for np.allclose. The scripts recompute in float64; the panel of a float32 model (the shipped
# ones) rounds every step to float32, and over 1,000 characters that drifts by up to ~2e-4 (measured on the
# shipped models: lesson text, random text, 500 nested brackets). Still far below the two decimals the panel
# shows, while a wrong equation is off by tenths.
TOLERANCES = {"float32": (1e-3, 5e-4), "float64": (1e-9, 1e-12)}


@dataclass(frozen=True)
class Export:
    folder: object  # Path
    files: list
    quantities: tuple[str, ...]


# --- the equations as Python ----------------------------------------------------------------------------
_PYTHON_FUNCTIONS = {
    "σ": "sigmoid",
    "tanh": "np.tanh",
    "exp": "np.exp",
    "log σ": "log_sigmoid",
    "√": "np.sqrt",
    "g": "g",
}
_PROJECTION = "x\u0303"  # x̃ (MUT1, MUT2, RG-LRU), a name Python does not take
_GATE_RECURRENCE = "Σ R·gate₋₁"  # FGR: every learned gate's activations of the step before
# sLSTM's pre-activations ĩ, f̃, g̃, õ and RG-LRU's Λ, as Python names
_PYTHON_SYMBOLS = {"i\u0303": "pre_i", "ĩ": "pre_i", "f\u0303": "pre_f", "g\u0303": "pre_g", "õ": "pre_o", "Λ": "lam"}


def python_line(equation: Equation) -> tuple[str, str]:
    """(target, one line of Python) for one of a cell's equations, e.g. ``i = σ(W_i x + R_i h₋₁ + b_i)``
    → ``i = sigmoid(W_i @ x + R_i @ h_prev + b_i)``."""
    target = equation.target.replace(_PROJECTION, "x_proj")
    python = Notation(
        value=lambda value, opens_bracket: f"{value.name}_prev" if value.previous else value.name,
        symbol=lambda symbol: {_PROJECTION: "x_proj", _GATE_RECURRENCE: f"G_{target} @ gates_prev"}.get(
            symbol.text, _PYTHON_SYMBOLS.get(symbol.text, symbol.text)
        ),
        operators={Difference: " - ", Hadamard: " * ", Apply: " @ ", Quotient: " / ", Power: " ** "},
        function=lambda function: _PYTHON_FUNCTIONS[function.name],
    )
    if equation.rhs == Number(1):  # a gate a variant removed
        rhs = "np.ones(H)"
    elif isinstance(equation.rhs, Number):  # sLSTM's stabiliser switched off: m = 0
        rhs = f"np.full(H, {equation.rhs.text}.0)"
    else:
        rhs = written(equation.rhs, python)
    rhs = _EXTREME.sub(lambda match: f"np.{match[1]}imum(", rhs).replace("−", "-")  # max(a, b), −a
    return target, f"{target} = {rhs}"


_EXTREME = re.compile(r"\b(max|min)\(")


def _split(names: list[str], key: str, rows: str = "") -> str:
    """Names for the row blocks of one stored array, e.g. ``W_i, W_f = np.split(weights["weight_ih_l0"], 2)``."""
    source = rows or f'weights["{key}"]'
    if len(names) == 1:
        return f"{names[0]} = {source}"
    return f"{', '.join(names)} = np.split({source}, {len(names)})"


def _bind_rnn(cell) -> list[str]:
    return [
        _split(["W_ih"], "weight_ih_l0"),
        _split(["W_hh"], "weight_hh_l0"),
        _split(["b_ih"], "bias_ih_l0"),
        _split(["b_hh"], "bias_hh_l0"),
    ]


def _bind_lstm(cell) -> list[str]:
    blocks = cell.blocks
    lines = [
        f"# Rows of the stacked arrays, block by block: {' | '.join(blocks)}",
        _split([f"W_{b}" for b in blocks], "weight_ih_l0"),
        _split([f"R_{b}" for b in blocks], "weight_hh_l0"),
        _split([f"b_{b}" for b in blocks], "", 'weights["bias_ih_l0"] + weights["bias_hh_l0"]')
        + "  # PyTorch keeps two biases; only their sum counts",
    ]
    lines += [f'p_{gate} = weights["peephole_{gate}"]' for gate in "ifo" if f"peephole_{gate}" in cell.params]
    if cell.full_gate_recurrence:
        lines.append(
            _split([f"G_{b}" for b in cell.sigmoid_blocks], "weight_gates")
            + f"  # each gate sees all of {', '.join(cell.sigmoid_blocks)} from the step before"
        )
    return lines


def _bind_gru(cell) -> list[str]:
    if cell.gate_inputs == "full":
        return [
            "# Rows of the stacked arrays, block by block: r | z | n",
            _split(["W_ir", "W_iz", "W_in"], "weight_ih_l0"),
            _split(["W_hr", "W_hz", "W_hn"], "weight_hh_l0"),
            _split(["b_ir", "b_iz", "b_in"], "bias_ih_l0"),
            _split(["b_hr", "b_hz", "b_hn"], "bias_hh_l0"),
        ]
    lines = [_split(["W_in"], "weight_ih_n")]
    if cell.gates_see_hidden:
        lines.append(_split(["W_hr", "W_hz", "W_hn"], file_key("weight_hh")))
    else:
        lines.append(_split(["W_hn"], "weight_hh_n"))
    lines.append(_split(["b_n"], "bias_n") if "bias_n" in cell.params else _split(["b_r", "b_z", "b_n"], "bias"))
    return lines


def _bind_mgu(cell) -> list[str]:
    return [
        "# Rows of the stacked arrays, block by block: f | n",
        _split(["W_if", "W_in"], file_key("weight_ih")),
        _split(["W_hf", "W_hn"], file_key("weight_hh")),
        _split(["b_f", "b_n"], "bias"),
    ]


def _bind_mut(cell) -> list[str]:
    lines = [_split([f"W_i{b}" for b in cell.input_blocks], file_key("weight_ih"))]
    if cell.projected_block:
        lines.append(_split(["P"], "weight_proj"))
    lines.append(_split([f"W_h{b}" for b in cell.recurrent_rows], file_key("weight_hh")))
    lines.append(_split(["b_r", "b_z", "b_n"], "bias"))
    return lines


def _bind_minimal(cell) -> list[str]:
    blocks = cell.blocks
    return [
        f"# Rows of the stacked arrays, block by block: {' | '.join(blocks)} (the gates read x alone)",
        _split([f"W_{b}" for b in blocks], file_key("weight_ih")),
        _split([f"b_{b}" for b in blocks], "bias"),
    ]


def _bind_rglru(cell) -> list[str]:
    return [
        _split(["W_p"], "weight_proj"),
        f"HEADS = {cell.heads}  # the gates' weights are block-diagonal, one square block per head",
        'W_r, W_i = (block_diagonal(rows, HEADS) for rows in np.split(weights["weight_gate"], 2))',
        _split(["b_r", "b_i"], "bias_gate"),
        _split(["lam"], "lambda") + "  # Λ",
    ]


def _bind_slstm(cell) -> list[str]:
    return [
        "# Rows of the stacked arrays, block by block: i | f | g | o (pre-activations ĩ, f̃, g̃, õ)",
        _split(["W"], file_key("weight_ih")),
        f"HEADS = {cell.heads}  # the recurrent weights are block-diagonal, one square block per head and gate",
        f'recurrent = weights["{file_key("weight_hh")}"]',
        "R = np.concatenate([block_diagonal(rows, HEADS) for rows in np.split(recurrent, 4)])",
        _split(["b"], "bias"),
    ]


_BINDINGS = {
    "rnn": _bind_rnn,
    "lstm": _bind_lstm,
    "gru": _bind_gru,
    "mgu": _bind_mgu,
    "mut": _bind_mut,
    "minimal": _bind_minimal,
    "rglru": _bind_rglru,
    "xlstm": _bind_slstm,
}
# Lines of Python a family's step needs that no equation states: before the equations, and after one
_BEFORE_EQUATIONS = {
    "slstm": ["pre_i, pre_f, pre_g, pre_o = np.split(W @ x + R @ h_prev + b, 4)  # ĩ, f̃, g̃, õ = W x + R h₋₁ + b"],
}
_AFTER_EQUATION = {
    ("slstm", "m"): "m = np.where(n_prev == 0, pre_i, m)  # nothing stored yet (n₋₁ = 0): the stabiliser starts at ĩ",
}
_HELPERS = {
    "log_sigmoid": [
        "def log_sigmoid(v):",
        "    return -np.logaddexp(0, -v)  # log σ(v) = −log(1 + e^−v)",
    ],
    "g": [
        "def g(v):",
        "    return np.where(v >= 0, v + 0.5, sigmoid(v))  # positive, so the parallel scan can take its log",
    ],
    "block_diagonal": [
        "def block_diagonal(rows, heads):",
        '    """(heads·d, d) rows holding one d×d block per head → the (heads·d, heads·d) matrix they stand for."""',
        "    d = rows.shape[1]",
        "    full = np.zeros((heads * d, heads * d))",
        "    for k in range(heads):",
        "        full[k * d : (k + 1) * d, k * d : (k + 1) * d] = rows[k * d : (k + 1) * d]",
        "    return full",
    ],
}


def can_export(cell_name: str) -> bool:
    return get_spec(cell_name).family in _BINDINGS and cell_name not in NO_SCRIPT


# mLSTM's step is per head, with a d×d matrix memory: its equations are not yet written out as Python
NO_SCRIPT = ("mlstm",)


# --- the scripts -----------------------------------------------------------------------------------------
def _header(what: str, model: CharModel, description: str, text: str, imports: tuple[str, ...] = ()) -> list[str]:
    rtol, atol = TOLERANCES[model.cell.dtype.name]
    return [
        f'"""{what}',
        "",
        "Reads weights.npz and panel.npz beside this file; prints what matched, or exits with status 1.",
        '"""',
        "",
        "import sys",
        "from pathlib import Path",
        "",
        "import numpy as np",
        *imports,
        "",
        f"# Model: {shown(description)}",
        f"TEXT = {text!r}",
        f"RTOL, ATOL = {rtol:.0e}, {atol:.0e}  # the panel ran in {model.cell.dtype.name}; this script runs in float64",
        "",
        "HERE = Path(__file__).resolve().parent",
        'weights = np.load(HERE / "weights.npz", allow_pickle=False)',
        'VOCAB = str(weights["vocab"])  # the characters, in the order of the input weights\' columns',
    ]


_CHECK = """
panel = np.load(HERE / "panel.npz", allow_pickle=False)  # what the panel showed: (steps, units) per name
worst = 0.0
for name in panel.files:
    ours = np.array([values[name] for values in steps])
    difference = float(np.abs(ours - panel[name]).max())
    if not np.allclose(ours, panel[name], rtol=RTOL, atol=ATOL):
        sys.exit(f"{name} differs from the panel by up to {difference:.3g}")
    worst = max(worst, difference)
print(f"{', '.join(panel.files)}: all {len(TEXT)} steps match the panel (largest difference {worst:.1e})")
"""


def numpy_script(model: CharModel, description: str, text: str) -> str:
    """The cell's equations as plain NumPy (min-char-rnn style), then the check against panel.npz."""
    cell, spec = model.cell, get_spec(model.name)
    if not model.stack.is_single:
        raise UserError(
            "export-code writes scripts for one-layer, one-direction models; this one has "
            f"{model.num_layers} layer{'s' * (model.num_layers > 1)}{', bidirectional' * model.bidirectional}"
        )
    if not can_export(model.name):
        raise UserError(
            f"export-code has no script for cell {model.name!r} yet (it has one for the "
            f"{', '.join(_BINDINGS)} families, mLSTM aside)"
        )
    states = cell.state_names
    previous = ", ".join(f"{name}_prev" for name in states)
    lines = _header(
        f"The live panel of lstm-tui, recomputed in plain NumPy from the equations of cell {spec.name}.",
        model,
        description,
        text,
    )
    lines += [
        "weights = {name: weights[name].astype(np.float64) for name in weights.files"
        ' if name not in ("cell", "vocab", "meta", "options")}',
        f"H = {cell.hidden_size}  # hidden units",
        "",
    ]
    binding = _BINDINGS[spec.family](cell)
    lines += [
        "",
        "def sigmoid(v):",
        "    return 0.5 * (1 + np.tanh(v / 2))  # σ(v) = 1 / (1 + e^−v), written so it never overflows",
        "",
        "",
    ]
    equation_code = [python_line(equation) for equation in spec.equations_for(cell)]
    used = "\n".join([*binding, *_BEFORE_EQUATIONS.get(spec.name, []), *(code for _, code in equation_code)])
    for name, helper in _HELPERS.items():
        if re.search(rf"\b{name}\(", used):
            lines += [*helper, "", ""]
    lines += binding
    lines += [
        "",
        "",
        "def one_hot(char):",
        "    x = np.zeros(len(VOCAB))",
        "    if char in VOCAB:  # a character outside the vocabulary is the zero vector",
        "        x[VOCAB.index(char)] = 1",
        "    return x",
        "",
        "",
        f"def step(x, {previous}):",
        f'    """One character, through the equations of {spec.name} in order."""',
    ]
    targets = []
    lines += [f"    {line}" for line in _BEFORE_EQUATIONS.get(spec.name, [])]
    for equation, (target, code) in zip(spec.equations_for(cell), equation_code):
        lines += [f"    # {equation.line}", f"    {code}"]
        if (spec.name, target) in _AFTER_EQUATION and getattr(cell, "stabilised", True):
            lines.append(f"    {_AFTER_EQUATION[spec.name, target]}")
        targets.append(target)
    if "gates" in states:
        gates = ", ".join(cell.sigmoid_blocks)
        lines.append(f"    gates = np.concatenate([{gates}])  # what the next step's gates see")
        targets.append("gates")
    traced = (*cell.trace_names, *states)  # what the panel shows, and what the next step needs
    returned = dict.fromkeys(name for name in traced if name in targets)
    lines += ["    return {" + ", ".join(f'"{name}": {name}' for name in returned) + "}", "", ""]
    zeros = ", ".join(
        f"np.zeros({cell.state_size(name) // cell.hidden_size} * H)"
        if cell.state_size(name) != cell.hidden_size
        else "np.zeros(H)"
        for name in states
    )
    lines += [
        f"{previous} = {zeros}  # the state before the first character",
        "steps = []",
        "for char in TEXT:",
        f"    values = step(one_hot(char), {previous})",
        "    steps.append(values)",
        f"    {previous} = " + ", ".join(f'values["{name}"]' for name in states),
    ]
    return "\n".join(lines) + "\n" + _CHECK


_TORCH_STEP = {
    "RNN": [
        "        _, h = layer(x[t : t + 1], h)  # one step of nn.RNN",
        '        values = {"h": h[0]}',
    ],
    "LSTM": [
        "        h_prev = h[0]",
        "        _, (h, c) = layer(x[t : t + 1], (h, c))  # one step of nn.LSTM",
        "        # nn.LSTM returns no gates: recompute them from its own weights (row blocks i | f | g | o)",
        "        i, f, g, o = (layer.weight_ih_l0 @ x[t] + layer.bias_ih_l0"
        " + layer.weight_hh_l0 @ h_prev + layer.bias_hh_l0).chunk(4)",
        '        values = {"i": i.sigmoid(), "f": f.sigmoid(), "g": g.tanh(), "o": o.sigmoid(), "c": c[0], "h": h[0]}',
    ],
    "GRU": [
        "        h_prev = h[0]",
        "        _, h = layer(x[t : t + 1], h)  # one step of nn.GRU",
        "        # nn.GRU returns no gates: recompute them from its own weights (row blocks r | z | n)",
        "        x_r, x_z, x_n = (layer.weight_ih_l0 @ x[t] + layer.bias_ih_l0).chunk(3)",
        "        h_r, h_z, h_n = (layer.weight_hh_l0 @ h_prev + layer.bias_hh_l0).chunk(3)",
        "        r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()",
        '        values = {"r": r, "z": z, "n": (x_n + r * h_n).tanh(), "h": h[0]}',
    ],
}


def torch_script(model: CharModel, description: str, text: str) -> str | None:
    """The same numbers through ``torch.nn.RNN/LSTM/GRU``; None for a cell PyTorch does not have."""
    layer = TORCH_LAYERS.get(model.name)
    if layer is None:
        return None
    lines = _header(
        f"The live panel of lstm-tui, recomputed with PyTorch's nn.{layer}.",
        model,
        description,
        text,
        ("import torch",),
    )
    lines += [
        'names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")',
        f"layer = torch.nn.{layer}(len(VOCAB), {model.cell.hidden_size}, dtype=torch.float64)",
        "layer.load_state_dict({name: torch.from_numpy(weights[name]).double() for name in names})",
        "",
        "x = torch.zeros(len(TEXT), len(VOCAB), dtype=torch.float64)  # one-hot rows",
        "for t, char in enumerate(TEXT):",
        "    if char in VOCAB:  # a character outside the vocabulary is the zero vector",
        "        x[t, VOCAB.index(char)] = 1",
        "",
        "h = torch.zeros(1, layer.hidden_size, dtype=torch.float64)"
        "  # (layers, units): the state before the first character",
        *(["c = torch.zeros(1, layer.hidden_size, dtype=torch.float64)"] if layer == "LSTM" else []),
        "steps = []",
        "with torch.no_grad():",
        "    for t in range(len(TEXT)):",
        *_TORCH_STEP[layer],
        "        steps.append({name: value.numpy() for name, value in values.items()})",
    ]
    return "\n".join(lines) + "\n" + _CHECK


def readme(model: CharModel, description: str, text: str, quantities: tuple[str, ...], command: str) -> str:
    steps, units = len(text), model.cell.hidden_size
    torch_line = ""
    if model.name in TORCH_LAYERS:
        torch_line = (
            f"| `panel_torch.py` | the same with PyTorch's `nn.{TORCH_LAYERS[model.name]}`, "
            "gates recomputed from its weights |\n"
        )
    return (
        f"# The live panel's numbers, outside lstm-tui\n\n"
        f"Model: {shown(description)}.  \nText: {steps} characters, `{shown(text)}`.\n\n"
        "| file | what it holds |\n| --- | --- |\n"
        "| `weights.npz` | the model as an lstm-tui weights file "
        "(`lstm-tui explore --weights weights.npz` opens it) |\n"
        f"| `panel.npz` | what the panel showed: {', '.join(quantities)}, each ({steps}, {units}); "
        "row t is after character t, column k is unit k |\n"
        f"| `panel_numpy.py` | the equations of cell {model.name} in plain NumPy, one step per character |\n"
        f"{torch_line}\n"
        "Run `python panel_numpy.py`"
        + (" or `python panel_torch.py`" if torch_line else "")
        + ": each recomputes every number and checks it against `panel.npz` with `np.allclose`, then prints"
        " the largest difference (or exits with status 1).\n\n"
        f"Made by `{shown(command)}`.\n"
    )


# --- writing the folder ----------------------------------------------------------------------------------
def panel_numbers(model: CharModel, text: str) -> dict[str, np.ndarray]:
    """What the live panel shows for ``text``: its session steps the model one character at a time."""
    from .panel_setup import PanelSetup
    from .session import Session

    session = Session(PanelSetup(), window=max(1, len(text)), model=model)
    session.set_text(text)
    return {name: np.array(session.trace(name)) for name in session.trace_names}


def export_code(model: CharModel, text: str, folder, *, description: str, command: str, force: bool = False) -> Export:
    """Write the folder described in the module docstring; every file appears at once or none does."""
    if not 1 <= len(text) <= EXPORT_MAX_TEXT:
        raise UserError(f"the text must hold 1 to {EXPORT_MAX_TEXT:,} characters, not {len(text):,}")
    script = numpy_script(model, description, text)  # an unsupported cell is refused before any file is made
    folder = output_folder(folder, force=force)
    numbers = panel_numbers(model, text)
    files = {"panel_numpy.py": script, "README.md": readme(model, description, text, tuple(numbers), command)}
    torch = torch_script(model, description, text)
    if torch is not None:
        files["panel_torch.py"] = torch
    with StagedFiles(folder, replaces=FILES) as staged:
        save_model(model, staged.stage / "weights.npz")
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **numbers)
        (staged.stage / "panel.npz").write_bytes(buffer.getvalue())
        for name, content in files.items():
            (staged.stage / name).write_text(content, encoding="utf-8")
        written = staged.commit()
    return Export(folder, written, tuple(numbers))
