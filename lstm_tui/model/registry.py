"""Every cell the app knows, by short name: the single source for descriptions, equations and sizes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import UserError
from ..limits import CELL_NAMES
from .cell import Cell
from .equations import Equation
from .gru import GRUCell, gru_equations
from .lstm import LSTMCell, lstm_equations
from .mgu import MGUCell, mgu_equations
from .minimal import MinGRUCell, MinLSTMCell, mingru_equations, minlstm_equations
from .mlstm import MLSTMCell, mlstm_equations
from .mut import MUTCell, mut_equations
from .rglru import RGLRUCell, rglru_equations
from .rnn import RNNCell, rnn_equations
from .slstm import SLSTMCell, slstm_equations


@dataclass(frozen=True, eq=False)
class CellSpec:
    name: str
    family: str  # "rnn", "lstm", "gru", "mgu", "mut", "xlstm", "minimal" or "rglru"
    description: str  # one line
    cls: type[Cell]
    equations_of: Callable[..., tuple[Equation, ...]]
    reference: str
    options: dict = field(default_factory=dict)

    def build(self, input_size: int, hidden_size: int, **kwargs) -> Cell:
        cell = self.cls(input_size, hidden_size, **self.options, **kwargs)
        cell.name = self.name
        return cell

    @property
    def equations(self) -> tuple[Equation, ...]:
        """What the cell computes, as data (``equations.equations_text`` writes it as lessons show it)."""
        return self.equations_of(**self.options)

    def equations_for(self, cell: Cell) -> tuple[Equation, ...]:
        """The equations ``cell`` (one of this spec's) computes as its switches stand now."""
        return self.equations_of(**self.options, **cell.equation_options())

    def parameter_count(self, input_size: int, hidden_size: int) -> int:
        return self.build(input_size, hidden_size).parameter_count()


GREFF = "Greff et al. 2017, LSTM: A Search Space Odyssey"
XLSTM = "Beck et al. 2024, xLSTM (arXiv:2405.04517); NX-AI/xlstm"
MINIMAL = "Feng et al. 2024, Were RNNs All We Needed? (arXiv:2410.01201); lucidrains/minGRU-pytorch"


def _lstm(name, description, reference=GREFF, **options) -> CellSpec:
    return CellSpec(name, "lstm", description, LSTMCell, lstm_equations, reference, options)


_SPECS = [
    CellSpec("rnn", "rnn", "Plain Elman RNN with tanh (PyTorch nn.RNN)", RNNCell, rnn_equations, "Elman 1990"),
    _lstm(
        "lstm",
        "LSTM as in PyTorch nn.LSTM: no peepholes, forget bias 1",
        "Hochreiter & Schmidhuber 1997; Gers et al. 2000",
    ),
    _lstm("lstm-peephole", "Greff's vanilla LSTM: peepholes on i, f (c₋₁) and o (c)", peepholes=True),
    _lstm("lstm-nig", "Greff NIG: no input gate (i = 1)", peepholes=True, input_gate=False),
    _lstm("lstm-nfg", "Greff NFG: no forget gate (f = 1)", peepholes=True, forget_gate="none"),
    _lstm("lstm-nog", "Greff NOG: no output gate (o = 1)", peepholes=True, output_gate=False),
    _lstm("lstm-niaf", "Greff NIAF: no input activation (g is linear)", peepholes=True, input_activation=False),
    _lstm("lstm-noaf", "Greff NOAF: no output activation (h = o ⊙ c)", peepholes=True, output_activation=False),
    _lstm("lstm-np", "Greff NP: no peepholes (the same maths as lstm)"),
    _lstm("lstm-cifg", "Greff CIFG: coupled input and forget gate (f = 1 − i)", peepholes=True, forget_gate="coupled"),
    _lstm(
        "lstm-fgr",
        "Greff FGR: full gate recurrence (gates see last step's gates)",
        peepholes=True,
        full_gate_recurrence=True,
    ),
    CellSpec(
        "gru",
        "gru",
        "GRU as in PyTorch nn.GRU: reset after the matmul, z keeps the old state",
        GRUCell,
        gru_equations,
        "Cho et al. 2014 (arXiv:1406.1078 v1); PyTorch nn.GRU",
        {"reset": "after", "update": "old"},
    ),
    CellSpec(
        "gru-cho",
        "gru",
        "GRU as in Cho et al. v3 and d2l: reset before the matmul, z keeps the old state",
        GRUCell,
        gru_equations,
        "Cho et al. 2014 (arXiv:1406.1078 v3)",
        {"reset": "before", "update": "old"},
    ),
    CellSpec(
        "gru-colah",
        "gru",
        "GRU as in colah and Wikipedia: reset before the matmul, z takes the new candidate",
        GRUCell,
        gru_equations,
        "Olah 2015, Understanding LSTM Networks",
        {"reset": "before", "update": "new"},
    ),
    CellSpec(
        "gru1",
        "gru",
        "Dey & Salem GRU1: gates see only h₋₁ and a bias",
        GRUCell,
        gru_equations,
        "Dey & Salem 2017 (arXiv:1701.05923)",
        {"reset": "before", "update": "new", "gate_inputs": "hidden+bias"},
    ),
    CellSpec(
        "gru2",
        "gru",
        "Dey & Salem GRU2: gates see only h₋₁, no bias",
        GRUCell,
        gru_equations,
        "Dey & Salem 2017 (arXiv:1701.05923)",
        {"reset": "before", "update": "new", "gate_inputs": "hidden"},
    ),
    CellSpec(
        "gru3",
        "gru",
        "Dey & Salem GRU3: gates are a learned bias alone, constant over time",
        GRUCell,
        gru_equations,
        "Dey & Salem 2017 (arXiv:1701.05923)",
        {"reset": "before", "update": "new", "gate_inputs": "bias"},
    ),
    CellSpec(
        "mgu",
        "mgu",
        "Minimal Gated Unit: one forget gate serves as both reset and update gate",
        MGUCell,
        mgu_equations,
        "Zhou et al. 2016 (arXiv:1603.09420)",
    ),
    CellSpec(
        "mut1",
        "mut",
        "Jozefowicz MUT1: z sees only x; n adds tanh(x̃), x̃ = P x a learned projection",
        MUTCell,
        mut_equations,
        "Jozefowicz, Zaremba & Sutskever 2015 (ICML)",
        {"variant": 1},
    ),
    CellSpec(
        "mut2",
        "mut",
        "Jozefowicz MUT2: r adds x̃ = P x, a learned projection, where a GRU has W_ir x",
        MUTCell,
        mut_equations,
        "Jozefowicz, Zaremba & Sutskever 2015 (ICML)",
        {"variant": 2},
    ),
    CellSpec(
        "mut3",
        "mut",
        "Jozefowicz MUT3: z sees tanh(h₋₁) instead of h₋₁",
        MUTCell,
        mut_equations,
        "Jozefowicz, Zaremba & Sutskever 2015 (ICML)",
        {"variant": 3},
    ),
    CellSpec(
        "slstm",
        "xlstm",
        "xLSTM's sLSTM: exponential input gate, stabiliser m, normaliser n, h = o ⊙ c / n",
        SLSTMCell,
        slstm_equations,
        XLSTM,
    ),
    CellSpec(
        "mlstm",
        "xlstm",
        "xLSTM's mLSTM: a d×d matrix memory written with keys, read with a query; scalar gates",
        MLSTMCell,
        mlstm_equations,
        XLSTM,
    ),
    CellSpec(
        "mingru",
        "minimal",
        "minGRU: a GRU whose z and candidate see only x, so a parallel scan computes it",
        MinGRUCell,
        mingru_equations,
        MINIMAL,
    ),
    CellSpec(
        "minlstm",
        "minimal",
        "minLSTM: f and i see only x and are normalised to sum to 1; a parallel scan",
        MinLSTMCell,
        minlstm_equations,
        MINIMAL,
    ),
    CellSpec(
        "rglru",
        "rglru",
        "Hawk's RG-LRU: a per-unit decay a = σ(Λ)^(8r) that a gate on x shortens",
        RGLRUCell,
        rglru_equations,
        "De et al. 2024, Griffin (arXiv:2402.19427); google-deepmind/recurrentgemma",
    ),
]

_BY_NAME = {spec.name: spec for spec in _SPECS}
if set(_BY_NAME) != set(CELL_NAMES) or len(_BY_NAME) != len(_SPECS):
    raise ImportError(f"limits.CELL_NAMES and the registry's cells differ: {sorted(set(_BY_NAME) ^ set(CELL_NAMES))}")
CELLS: dict[str, CellSpec] = {name: _BY_NAME[name] for name in CELL_NAMES}  # in the order lists show them


def get_spec(name: str) -> CellSpec:
    try:
        return CELLS[name]
    except KeyError:
        raise UserError(f"unknown cell {name!r}; choose one of: {', '.join(CELLS)}") from None


def build_cell(name: str, input_size: int, hidden_size: int, **kwargs) -> Cell:
    return get_spec(name).build(input_size, hidden_size, **kwargs)
