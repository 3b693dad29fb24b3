"""Equations as data: what each cell computes, in a form that both reads as text and says what it means.

A cell's equations are a tuple of ``Equation`` (target = right-hand side, the kind of value the target
takes, an optional note). The right-hand side is a small expression tree:

* ``Value``: a per-unit quantity a cell computes (a gate, a candidate, a state; ``previous`` for its
  value entering the step, written h₋₁). These are the operands the panel can put numbers on.
* ``Symbol``: weights, biases, the input x and anything else with no per-unit number to show.
* ``Number``, ``Sum``, ``Difference``, ``Hadamard`` (⊙), ``Quotient`` (/), ``Power`` (^), ``Negated`` (−a),
  ``Apply`` (a matrix times a vector, written side by side), ``Group`` (parentheses), ``Call`` (σ, tanh,
  exp, …), ``Extreme`` (max or min of two) and ``Blend`` (a gate's convex mix of the state before and a
  new value).

The same tree is written out twice: as the text lessons and the equation view show (``Equation.text``),
and with the selected unit's numbers in place of the operands (``worked_line``). The kind gives a view the
range to draw a value on. Plain Python (no NumPy), so lessons and command-line code can read it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from operator import attrgetter

from ..display import format_number

PREVIOUS = "₋₁"
NOTE_GAP = " " * 6  # between an equation and its note in the text (lessons show the same text)


class Kind(Enum):
    """The kind of value an equation's target takes, which fixes the range a view draws it on."""

    GATE = "gate"  # 0..1: a sigmoid, a constant 1, or 1 − a gate
    TANH = "tanh"  # −1..1: a tanh, alone or times a gate
    BLEND = "blend"  # a gate's convex mix of the target's previous value and a new one: the new one's range
    UNBOUNDED = "unbounded"  # a cell state, a linear candidate, a projection


BOUNDS = {Kind.GATE: (0.0, 1.0), Kind.TANH: (-1.0, 1.0)}


@dataclass(frozen=True)
class Function:
    """A function an equation applies by name; ``inverse`` recovers its argument from its result (None
    where the result does not determine it, e.g. a saturated sigmoid)."""

    name: str
    inverse: Callable[[float], float | None] | None = None


def _logit(value: float) -> float | None:
    return math.log(value / (1.0 - value)) if 0.0 < value < 1.0 else None


def _artanh(value: float) -> float | None:
    return math.atanh(value) if -1.0 < value < 1.0 else None


def _log(value: float) -> float | None:
    return math.log(value) if value > 0.0 else None


def _logit_of_exp(value: float) -> float | None:
    return _logit(math.exp(value)) if value < 0.0 else None


def _square(value: float) -> float | None:
    return value * value if value >= 0.0 else None


SIGMOID = Function("σ", _logit)
TANH = Function("tanh", _artanh)
EXP = Function("exp", _log)
LOG_SIGMOID = Function("log σ", _logit_of_exp)  # log σ(v) = −log(1 + e^−v): a forget gate in log space
SQRT = Function("√", _square)


# --- expressions -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Value:
    """A per-unit quantity the cell computes: an operand the panel can put a number on."""

    name: str
    previous: bool = False

    @property
    def text(self) -> str:
        return self.name + (PREVIOUS if self.previous else "")


@dataclass(frozen=True)
class Symbol:
    """A weight, a bias, the input x: anything with no number per unit to show."""

    text: str


@dataclass(frozen=True)
class Number:
    value: float

    @property
    def text(self) -> str:
        return format(self.value, "g")


@dataclass(frozen=True)
class Sum:
    """a + b + …"""

    terms: tuple[Expression, ...]


@dataclass(frozen=True)
class Binary:
    left: Expression
    right: Expression


class Difference(Binary):
    """a − b."""


class Hadamard(Binary):
    """Elementwise product, a ⊙ b (a·b once numbers stand in for both)."""


class Apply(Binary):
    """A matrix (left) times a vector (right), written side by side: W x."""


class Quotient(Binary):
    """a / b, elementwise."""


class Power(Binary):
    """a^b, elementwise."""


@dataclass(frozen=True)
class Negated:
    """−a."""

    inner: Expression


@dataclass(frozen=True)
class Extreme:
    """max(a, b) or min(a, b), elementwise (``largest`` chooses)."""

    left: Expression
    right: Expression
    largest: bool = True

    @property
    def name(self) -> str:
        return "max" if self.largest else "min"


@dataclass(frozen=True)
class Group:
    """(a): brackets the reader needs."""

    inner: Expression


@dataclass(frozen=True)
class Call:
    """f(a): σ, tanh, …"""

    function: Function
    argument: Expression


@dataclass(frozen=True)
class Blend:
    """``gate`` ⊙ ``old`` + (1 − ``gate``) ⊙ ``new`` when the gate keeps the old value, (1 − ``gate``) ⊙ ``old``
    + ``gate`` ⊙ ``new`` when it takes the new one (the two GRU conventions)."""

    gate: Value
    old: Value
    new: Value
    gate_keeps_old: bool

    @property
    def expanded(self) -> Sum:
        complement = Group(Difference(Number(1), self.gate))
        keep, take = (self.gate, complement) if self.gate_keeps_old else (complement, self.gate)
        return Sum((Hadamard(keep, self.old), Hadamard(take, self.new)))


Expression = Value | Symbol | Number | Sum | Binary | Negated | Group | Call | Extreme | Blend


def children(expression: Expression) -> tuple[Expression, ...]:
    if isinstance(expression, Sum):
        return expression.terms
    if isinstance(expression, Binary):
        return (expression.left, expression.right)
    if isinstance(expression, (Group, Negated)):
        return (expression.inner,)
    if isinstance(expression, Extreme):
        return (expression.left, expression.right)
    if isinstance(expression, Call):
        return (expression.argument,)
    if isinstance(expression, Blend):
        return (expression.expanded,)
    return ()


def leaves(expression: Expression) -> Iterator[Expression]:
    """Every Value, Symbol and Number, in reading order."""
    below = children(expression)
    if not below:
        yield expression
    for child in below:
        yield from leaves(child)


@dataclass(frozen=True)
class Notation:
    """How ``written`` spells an expression: each Value (given whether it opens a bracket), each Symbol,
    the binary operators and the names of functions."""

    value: Callable[[Value, bool], str] = lambda value, opens_bracket: value.text
    symbol: Callable[[Symbol], str] = attrgetter("text")
    operators: Mapping[type, str] = field(
        default_factory=lambda: {Difference: " − ", Hadamard: " ⊙ ", Apply: " ", Quotient: " / ", Power: "^"}
    )
    function: Callable[[Function], str] = attrgetter("name")


TEXT = Notation()  # as lessons write it


def with_numbers(number_of: Callable[[Value], float]) -> Notation:
    """Each Value as its number (a negative one in brackets unless it opens a bracket), ⊙ as ·."""

    def value(operand: Value, opens_bracket: bool) -> str:
        text = format_number(number_of(operand))
        return f"({text})" if text.startswith("−") and not opens_bracket else text

    return replace(TEXT, value=value, operators={**TEXT.operators, Hadamard: "·"})


def written(expression: Expression, notation: Notation = TEXT) -> str:
    """The expression as text, spelt in ``notation``."""
    out: list[str] = []
    _write(expression, out, notation)
    return "".join(out)


def _write(expression: Expression, out: list[str], notation: Notation) -> None:
    if isinstance(expression, Value):
        out.append(notation.value(expression, bool(out) and out[-1].endswith("(")))
    elif isinstance(expression, Symbol):
        out.append(notation.symbol(expression))
    elif isinstance(expression, Number):
        out.append(expression.text)
    elif isinstance(expression, Sum):
        for position, term in enumerate(expression.terms):
            if position:
                out.append(" + ")
            _write(term, out, notation)
    elif isinstance(expression, Binary):
        _write(expression.left, out, notation)
        out.append(notation.operators[type(expression)])
        _write(expression.right, out, notation)
    elif isinstance(expression, Negated):
        out.append("−")
        _write(expression.inner, out, notation)
    elif isinstance(expression, Extreme):
        out.append(expression.name + "(")
        _write(expression.left, out, notation)
        out.append(", ")
        _write(expression.right, out, notation)
        out.append(")")
    elif isinstance(expression, (Group, Call)):
        out.append(notation.function(expression.function) + "(" if isinstance(expression, Call) else "(")
        _write(children(expression)[0], out, notation)
        out.append(")")
    elif isinstance(expression, Blend):
        _write(expression.expanded, out, notation)
    else:
        raise TypeError(f"not an expression: {expression!r}")


# --- equations ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Equation:
    target: str
    rhs: Expression
    kind: Kind
    note: str | None = None  # for the reader, e.g. "z keeps the old state"; never part of the maths

    def __post_init__(self):
        if (self.kind is Kind.BLEND) != isinstance(self.rhs, Blend):
            raise ValueError(f"{self.target}: a blend equation has a Blend right-hand side, and only it")
        if isinstance(self.rhs, Blend) and self.rhs.old != Value(self.target, previous=True):
            raise ValueError(f"{self.target}: a blend mixes the target's own previous value")

    @property
    def text(self) -> str:
        """'target = right-hand side', without the note."""
        return f"{self.target} = {written(self.rhs)}"

    @property
    def line(self) -> str:
        """The equation as lessons write it: the text and, set off by spaces, the note in parentheses."""
        return self.text + (f"{NOTE_GAP}({self.note})" if self.note else "")

    @property
    def operands(self) -> tuple[Value, ...]:
        """The Values on the right-hand side, each once, in reading order."""
        return tuple(dict.fromkeys(leaf for leaf in leaves(self.rhs) if isinstance(leaf, Value)))

    @property
    def only_operands(self) -> bool:
        """True when the right-hand side is made of Values and numbers alone (no weights), so it can be
        written out in full with the numbers of one unit."""
        return not any(isinstance(leaf, Symbol) for leaf in leaves(self.rhs))

    @property
    def invertible_call(self) -> Function | None:
        """The function when the right-hand side is one call of a function with an inverse (σ(…), tanh(…)),
        whose argument can then be recovered from the result; else None."""
        if isinstance(self.rhs, Call) and self.rhs.function.inverse is not None:
            return self.rhs.function
        return None


def equations_text(equations: tuple[Equation, ...]) -> str:
    """The equations as the lessons write them, one per line."""
    return "\n".join(equation.line for equation in equations)


def value_bounds(equations: tuple[Equation, ...], name: str) -> tuple[float, float] | None:
    """The range the value ``name`` stays in, from its equation's kind; None when it has none (or no
    equation). A blend stays within the range of the value it mixes in, since the state starts at 0."""
    equation = next((equation for equation in equations if equation.target == name), None)
    if equation is None:
        return None
    if equation.kind is Kind.BLEND:
        return value_bounds(equations, equation.rhs.new.name)
    return BOUNDS.get(equation.kind)


# --- builders the cells share ------------------------------------------------------------------------
def affine(*terms: str | Expression) -> Sum:
    """A sum of terms; a string is parsed as 'W x' (a matrix applied to a vector, e.g. 'W_i x' or
    'R_i h₋₁', where a vector ending in ₋₁ is the previous value of a traced quantity) or a lone symbol
    ('b_i'). Other terms are taken as they are."""
    return Sum(tuple(_term(term) if isinstance(term, str) else term for term in terms))


def _term(text: str) -> Expression:
    matrix, _, vector = text.partition(" ")
    return Apply(Symbol(matrix), _vector(vector)) if vector else Symbol(matrix)


def _vector(text: str) -> Expression:
    if text.endswith(PREVIOUS):
        return Value(text.removesuffix(PREVIOUS), previous=True)
    return Symbol(text)  # the input x, or a projection such as x̃


def sigmoid_equation(target: str, *terms: str | Expression, note: str | None = None) -> Equation:
    """target = σ(affine terms)."""
    return Equation(target, Call(SIGMOID, affine(*terms)), Kind.GATE, note)


def tanh_equation(target: str, *terms: str | Expression, note: str | None = None) -> Equation:
    """target = tanh(affine terms)."""
    return Equation(target, Call(TANH, affine(*terms)), Kind.TANH, note)


def blend_equation(target: str, gate_name: str, new: str, *, gate_keeps_old: bool) -> Equation:
    """The GRU family's update: target mixes its previous value and ``new``, by ``gate_name``."""
    note = f"{gate_name} keeps the old state" if gate_keeps_old else f"{gate_name} takes the new candidate"
    rhs = Blend(Value(gate_name), Value(target, previous=True), Value(new), gate_keeps_old)
    return Equation(target, rhs, Kind.BLEND, note)


def gated_reset(gate_name: str) -> Apply:
    """W_hn (gate ⊙ h₋₁): the reset applied before the candidate's matrix product."""
    return Apply(Symbol("W_hn"), Group(Hadamard(Value(gate_name), Value("h", previous=True))))


# --- worked out with one unit's numbers ----------------------------------------------------------------
@dataclass(frozen=True)
class EquationLine:
    """One equation for one unit at one step, as the equation view shows it.

    ``value``: the target's value (None when it is not traced, or before any text); ``numbers``: the
    right-hand side with the unit's numbers, or σ/tanh of the pre-activation; ``operands``: the values
    ``numbers`` shows, by symbol; ``preactivation``: the argument recovered from the result by the
    function's inverse (None when not shown).
    """

    equation: Equation
    value: float | None = None
    numbers: str | None = None
    operands: tuple[tuple[str, float], ...] = ()
    preactivation: float | None = None

    @property
    def symbolic(self) -> str:
        return self.equation.text

    @property
    def target(self) -> str | None:
        return self.equation.target if self.value is not None else None

    @property
    def note(self) -> str | None:
        return self.equation.note

    @property
    def worked(self) -> tuple[str, ...]:
        """The line's parts after the equation: '= numbers' (where shown) and '= value'."""
        if self.value is None:
            return ()
        if self.numbers is None:
            return (f"= {format_number(self.value)}",)
        if not self.operands and self.preactivation is None:
            return ()  # a constant, such as i = 1 in a cell without an input gate
        return (f"= {self.numbers}", f"= {format_number(self.value)}")

    @property
    def display(self) -> str:
        """The whole line: equation, numbers, value and note."""
        text = " ".join((self.symbolic, *self.worked))
        return text + (f"   ({self.note})" if self.note else "")


def worked_line(
    equation: Equation, value: float, number_of: Callable[[Value], float | None], argument: float | None = None
) -> EquationLine:
    """``equation`` with one unit's numbers: written out in full when every operand has a number and no
    weight appears; σ(…) or tanh(…) of weights shows its pre-activation, ``argument`` or else recovered from
    ``value`` by the function's inverse (exact up to rounding; left out when the result does not determine
    it). ``number_of``: an operand's number, or None where the unit has none (a value that is not traced)."""
    numbers = {operand: number_of(operand) for operand in equation.operands}
    if equation.only_operands and None not in numbers.values():
        written_out = written(equation.rhs, with_numbers(numbers.__getitem__))
        return EquationLine(equation, value, written_out, tuple((operand.text, v) for operand, v in numbers.items()))
    function = equation.invertible_call
    if function is None:
        return EquationLine(equation, value)
    if argument is None:
        argument = function.inverse(value)
    if argument is None:
        return EquationLine(equation, value)
    return EquationLine(equation, value, f"{function.name}({format_number(argument)})", (), argument)


WIDEST = -1.0  # written (−1.00) where a sign needs brackets: as wide as a value in −9.99..9.99 gets


def widest_line(equations: tuple[Equation, ...], equation: Equation) -> EquationLine:
    """``equation`` worked out with the widest numbers it usually shows (0.50 for a value in 0..1, −1.00
    for any other and for a pre-activation): how wide its line gets, so that a view can lay the line out
    once and keep the layout while the numbers change."""

    def widest(name: str) -> float:
        bounds = value_bounds(equations, name)
        return 0.5 if bounds is not None and bounds[0] >= 0 else WIDEST

    return worked_line(equation, widest(equation.target), lambda operand: widest(operand.name), WIDEST)
