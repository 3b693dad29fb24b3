"""A model's run over a text, step by step: JSON-ready data, and the table, JSON and CSV texts of it.

Pure Python over ``lstm_tui.model``: the ``trace`` command prints these, and the app or other commands
can reuse them. Characters are shown escaped wherever the output is read as text (table, CSV), so a
control character in the input can never reach a terminal as an escape sequence; JSON escapes by itself.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass

from .display import code_escape, finite_or_none
from .model.charmodel import CharModel

TOP_K = 5  # next-character predictions per step, when the model has an output layer
TABLE_UNITS = 8  # units the table shows; wider than this does not fit 80 columns


@dataclass
class TraceReport:
    cell: str
    hidden_size: int
    vocab: str
    gate_names: tuple[str, ...]
    quantities: tuple[str, ...]  # what each step holds per unit, in order: the gates, then c, then h
    has_top: bool
    steps: list[dict]  # in the JSON shape: step, char, in_vocab, gates, (c), h, (top)
    shown_cell: str = ""  # which cell of a stacked or bidirectional model the steps are: "" for a lone cell

    def to_dict(self) -> dict:
        return {"cell": self.cell, "hidden_size": self.hidden_size, "vocab": self.vocab, "steps": self.steps}

    def values(self, step: dict, quantity: str) -> list[float]:
        return step["gates"][quantity] if quantity in self.gate_names else step[quantity]


def trace_report(model: CharModel, text: str) -> TraceReport:
    """Run ``model`` over ``text`` from the zero state and collect every step (values as Python floats,
    so they equal the model's own numbers exactly). A stacked or bidirectional model's steps are its top
    layer's forward cell's, the one the output layer reads first."""
    if not text:
        return report_of_steps(model, text, {}, [], None)
    run = model.run(text)
    return report_of_steps(model, text, run.stack.trace(-1, 0), run.in_vocab, run.probabilities)


def session_report(session) -> TraceReport:
    """What a live panel's session holds for the text in its window, as a report: the panel's own numbers."""
    traces = {name: session.trace(name) for name in session.trace_names}
    return report_of_steps(session.model, session.window_text, traces, session.in_vocab, session.probabilities)


def report_of_steps(model: CharModel, text: str, trace: dict, in_vocab, probabilities) -> TraceReport:
    """A report of ``model``'s steps over ``text``: ``trace`` holds a (T, H) array per quantity of its top
    layer's forward cell."""
    cell = model.stack.cells[-1][0]
    has_c = "c" in cell.state_names
    quantities = (*cell.gate_names, *(("c",) if has_c else ()), "h")
    steps = []
    for t, char in enumerate(text):
        step = {
            "step": t + 1,  # counted from 1, as the panel's status line counts them
            "char": char,
            "in_vocab": bool(in_vocab[t]),
            "gates": {name: trace[name][t].tolist() for name in cell.gate_names},
        }
        if has_c:
            step["c"] = trace["c"][t].tolist()
        step["h"] = trace["h"][t].tolist()
        if probabilities is not None:
            step["top"] = [[char, p] for char, p in model.top_predictions(probabilities[t], TOP_K)]
        steps.append(step)
    shown_cell = (
        ""
        if model.stack.is_single
        else (f"layer {model.num_layers} of {model.num_layers}{', forward direction' * model.bidirectional}")
    )
    return TraceReport(
        cell.name,
        cell.hidden_size,
        model.vocab.chars,
        tuple(cell.gate_names),
        quantities,
        model.output is not None,
        steps,
        shown_cell,
    )


# --- characters as safe text ---------------------------------------------------------------------


def escape_char(char: str) -> str:
    """A character as printable text: itself when it is visible and harmless, else a Python-style escape.

    Escaped: control and format characters (escape codes, bidi overrides, zero-width marks), separators
    other than the space, surrogates, unassigned and private-use code points (all that ``isprintable``
    refuses), and lone combining marks, which would otherwise fuse with the text around them.
    """
    if char == "\\":  # a backslash, so that an escape below cannot be mistaken for the text itself
        return "\\\\"
    if char.isprintable() and unicodedata.category(char) not in ("Mn", "Me"):
        return char
    return code_escape(char)


def quoted_char(char: str) -> str:
    return '"\'"' if char == "'" else f"'{escape_char(char)}'"


# --- JSON and CSV --------------------------------------------------------------------------------------


def format_json(report: TraceReport) -> str:
    """The report as JSON; a value that is not finite (a model whose cell state overflowed) is null.
    ensure_ascii: non-ASCII becomes \\uXXXX, so raw C1 controls never reach the terminal either."""
    return json.dumps(_finite(report.to_dict()), ensure_ascii=True, allow_nan=False)


def _finite(data):
    """``data`` with every float that is not finite replaced by None (JSON has no NaN or infinity)."""
    if isinstance(data, float):
        return finite_or_none(data)
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_finite(value) for value in data]
    return data


def format_csv(report: TraceReport) -> str:
    """One row per step: step (from 1), char (escaped), in_vocab, then <quantity>_<unit> columns, then the top-k."""
    H = report.hidden_size
    header = ["step", "char", "in_vocab"]
    header += [f"{quantity}_{unit}" for quantity in report.quantities for unit in range(H)]
    if report.has_top:
        header += [f"top{rank}_{part}" for rank in range(1, TOP_K + 1) for part in ("char", "prob")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for step in report.steps:
        row = [step["step"], escape_char(step["char"]), "true" if step["in_vocab"] else "false"]
        for quantity in report.quantities:
            row += report.values(step, quantity)
        for char, probability in step.get("top", []):
            row += [escape_char(char), probability]
        writer.writerow(row)
    return out.getvalue().rstrip("\n")


# --- the table -------------------------------------------------------------------------------------------

LABEL_WIDTH = 6
NUMBER_WIDTH = 7


def format_table(report: TraceReport, units: int = TABLE_UNITS) -> str:
    """Each step as a block: the character, then one row per quantity (gates, c, h) with the values of
    the first ``units`` units and the mean over all units, then (with an output layer) the most likely
    next characters; fits in 80 columns."""
    H = report.hidden_size
    shown = min(units, H)
    lines = [
        f"cell {report.cell}, hidden size {H}, {len(report.vocab)}-character vocabulary, "
        f"{len(report.steps)} step{'s' * (len(report.steps) != 1)}{report.shown_cell and '; ' + report.shown_cell}",
        f"rows: {' '.join(report.quantities)} for units 0-{shown - 1} of {H}; mean is over all {H} units",
        "",
        "unit".ljust(LABEL_WIDTH)
        + "".join(str(unit).rjust(NUMBER_WIDTH) for unit in range(shown))
        + " |"
        + "mean".rjust(NUMBER_WIDTH),
    ]
    if not report.steps:
        lines.append("(the text is empty: no steps)")
    for step in report.steps:
        lines.append(_step_title(step))
        for quantity in report.quantities:
            values = report.values(step, quantity)
            numbers = "".join(_number(value) for value in values[:shown])
            lines.append(f"  {quantity}".ljust(LABEL_WIDTH) + numbers + " |" + _number(sum(values) / H))
        if "top" in step:
            lines.append("  next  " + "  ".join(f"{quoted_char(char)} {p:.3f}" for char, p in step["top"]))
    return "\n".join(lines)


def _step_title(step: dict) -> str:
    title = f"step {step['step']} {quoted_char(step['char'])}"
    if not step["in_vocab"]:
        title += "  not in the vocabulary: the input is the zero vector"
    return title


def _number(value: float) -> str:
    """``value`` right-aligned in NUMBER_WIDTH columns, with as many decimals as fit."""
    size = abs(value)
    if size < 99.9995:
        text = f"{value:.3f}"
    elif size < 99999.95:
        text = f"{value:.1f}"
    else:
        text = f"{value:.0e}"
    return text.rjust(NUMBER_WIDTH)
