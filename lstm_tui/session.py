"""The explorer's state: a model, the typed text and the trace of every step, recomputed only where needed.

Every view of the live panel reads one ``Session``; no widget runs the model. Plain Python (no terminal
code), so it is tested without a screen.

* ``set_text`` keeps the cached steps of the longest unchanged prefix and steps the model from there
  (``LiveRun``): typing at the end costs one step per layer. A bidirectional model cannot stream: its
  reverse direction, and every layer above its first, run over the whole window again on every change;
  ``last_edit`` says how many steps a change kept, took and re-ran.
* The model runs from a zero state on at most the last ``window`` characters. The window's start moves in
  strides of ``window // 4`` characters, so typing past the limit still costs one step on most keys (and
  one re-run of the window on every stride-th key) instead of a full re-run per key.
* Views show one cell of a stacked or bidirectional model (``layer``, ``direction``; the top layer's
  forward cell to start with) and the predictions of the top layer; traces are views of the run's
  preallocated buffers, in text order for either direction.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import replace

import numpy as np

from .analysis.gradient_flow import forget_rows
from .errors import UserError
from .limits import DEFAULT_WINDOW, check_run_size
from .model import CELLS, CharModel
from .model.charmodel import EditCost, LiveRun
from .model.equations import Equation, EquationLine, Value, value_bounds, widest_line, worked_line
from .model.stack import DIRECTIONS
from .panel_setup import PanelSetup, check_random_setup

FORGET_BIAS_STEP = 0.5
# The ĩ knob of sLSTM and mLSTM: exp(ĩ) passes float32's largest number (~3.4e38 = e^88.7) from ĩ ≈ 89, so
# nine presses take an untrained cell's ĩ (within a few of 0) there.
INPUT_BIAS_STEP = 10.0
UNBOUNDED_RANGE = 2.0  # display half-range of quantities with no bound of their own (c)


def load_model(setup: PanelSetup) -> CharModel:
    """The model a setup asks for: a weights file, a shipped trained model, or a seeded random model
    with an output layer. The one place that knows model sources."""
    if setup.weights:
        from .model.weights import load_model as load_weights  # only when a file is asked for

        return load_weights(setup.weights)
    if setup.model != "random":
        from .training.shipped import load_shipped

        return load_shipped(setup.model)
    check_random_setup(setup)
    return CharModel.random(setup.cell, setup.hidden, setup.seed, output_layer=True)


class Session:
    def __init__(
        self, setup: PanelSetup | None = None, *, window: int = DEFAULT_WINDOW, model: CharModel | None = None
    ):
        if window < 1:
            raise UserError("the window must hold at least 1 character")
        self.window = int(window)
        self.stride = max(1, self.window // 4)
        self.text = ""
        self.window_start = 0
        self.window_text = ""
        self.cursor: int | None = None  # a step index in the window, or None to follow the last step
        self.selected_unit = 0
        self.pinned_units: list[int] | None = None
        self._ranking: list[int] | None = None  # units by activity: ranked once, then kept while typing
        self.ranked_over = 0  # steps of text the ranking was made over
        self.forget_bias_offset = 0.0
        self.input_bias_offset = 0.0  # added to an exponential input gate's bias (sLSTM, mLSTM)
        self.stabiliser_off = False  # sLSTM, mLSTM: m = 0, run in float32 (see set_stabiliser)
        self._scans = None  # (key, ScanComparison): the last one computed
        self.steps_run = 0  # model steps taken so far (a counter tests and benchmarks read)
        self.runs = 0  # bumped when the whole window is run again (a model, a knob, a reset): not by typing
        self.load(setup or PanelSetup(), model=model)

    # --- model ---------------------------------------------------------------------------------
    def load(self, setup: PanelSetup, *, model: CharModel | None = None) -> None:
        """Use the model a setup describes (or ``model``), keep the typed text and re-run it. The stabiliser
        switch and the ĩ knob start over (on, 0)."""
        self.source_model = model if model is not None else load_model(setup)
        self.input_bias_offset, self.stabiliser_off = 0.0, False
        # A label names an in-memory model only: a model loaded from the setup has its own description.
        self._use_model(setup, self.source_model, label=setup.label if model is not None else "")

    def _use_model(self, setup: PanelSetup, model: CharModel, label: str) -> None:
        self.model = model
        self.setup = replace(setup, cell=self.model.name, hidden=self.model.cell.hidden_size, label=label)
        cell, stack = self.model.cell, self.model.stack
        check_run_size(
            self.window,
            stack.units,
            len(self.model.vocab),
            what="a window",
            untraced_values=stack.untraced_values_per_step(),
        )
        self.hidden_size = stack.hidden_size
        self.layer, self.direction = stack.num_layers - 1, 0  # the top layer's forward cell
        spec = CELLS.get(self.model.name)
        self.equations: tuple[Equation, ...] = spec.equations_for(cell) if spec is not None else ()
        self.trace_names = cell.trace_names
        self.gate_names = tuple(name for name in cell.gate_names if name in self.trace_names)
        # sLSTM's and mLSTM's normaliser n and stabiliser m beside c and h (minGRU's n is its candidate, a gate)
        memory = ("c", "n", "m", "h") if self.has_stabiliser else ("c", "h")
        self.state_names = tuple(name for name in memory if name in self.trace_names)
        unbounded = (-UNBOUNDED_RANGE, UNBOUNDED_RANGE)
        self._ranges = {name: value_bounds(self.equations, name) or unbounded for name in self.trace_names}
        self._widest_lines = [widest_line(self.equations, equation) for equation in self.equations]
        self._initial = cell.init_state()  # every cell of a stack has the same state names
        self._run = LiveRun(self.model, self.window)
        self.last_edit = EditCost(0, 0, 0)
        self._attribution = None  # (what it depends on, Attribution): the last one computed
        self._forget_rows = forget_rows(cell)
        self._forget_base = None
        if self._forget_rows is not None:  # one knob for every cell of a stack, from each cell's own bias
            self._forget_base = [cell.params["bias_ih"][self._forget_rows].copy() for *_, cell in stack.all_cells()]
            if self.forget_bias_offset:
                self._apply_forget_offset()
        self.selected_unit = min(self.selected_unit, self.hidden_size - 1)
        self.pinned_units = None
        self._ranking = None
        self._recompute(self.text, rerun=True)

    def set_aside(self) -> tuple[PanelSetup, CharModel]:
        """(setup, model) of the model shown, its weights as loaded (the forget-bias knob's change taken
        out; the knob keeps its setting for the next model): to keep it before loading another."""
        if self._forget_base is not None and self.forget_bias_offset:
            for (*_, cell), base in zip(self.model.stack.all_cells(), self._forget_base):
                cell.params["bias_ih"][self._forget_rows] = base
            self.model.params_changed()
        return self.setup, self.model

    # --- layers and directions --------------------------------------------------------------------
    @property
    def streams(self) -> bool:
        """Can the model take one step per typed key? Not a bidirectional one."""
        return not self.model.bidirectional

    def show_cell(self, layer: int, direction: int = 0) -> None:
        """Make the views show one cell: ``layer`` (0 = the first) and ``direction`` (0 forward, 1 reverse)."""
        if not 0 <= layer < self.model.num_layers:
            raise UserError(f"layer must be between 1 and {self.model.num_layers}, not {layer + 1}")
        if direction not in range(self.model.stack.num_directions):
            raise UserError(f"this model has no {DIRECTIONS[1] if direction == 1 else repr(direction)} direction")
        self.layer, self.direction = layer, direction
        self._ranking = None  # another cell's units: rank them again at the next look

    def next_cell_shown(self, delta: int = 1) -> tuple[int, int]:
        """Step through the cells, bottom layer first, forward before reverse; returns (layer, direction)."""
        cells = [(k, d) for k, d, _ in self.model.stack.all_cells()]
        index = (cells.index((self.layer, self.direction)) + delta) % len(cells)
        self.show_cell(*cells[index])
        return cells[index]

    @property
    def shown_cell_label(self) -> str:
        """'' for a one-cell model; else e.g. 'layer 2 of 3, reverse'."""
        if self.model.stack.is_single:
            return ""
        direction = f", {DIRECTIONS[self.direction]}" if self.model.bidirectional else ""
        return f"layer {self.layer + 1} of {self.model.num_layers}{direction}"

    def switch_cell(self, name: str) -> None:
        if name not in CELLS:
            raise UserError(f"unknown cell {name!r}; choose one of: {', '.join(CELLS)}")
        self.load(replace(self.setup, cell=name, model="random", weights=None))

    def next_cell(self, direction: int = 1) -> str:
        self.switch_cell(self.next_cell_name(direction))
        return self.model.name

    def next_cell_name(self, direction: int = 1) -> str:
        """The registry cell after (or before) the model's own, cycling."""
        names = list(CELLS)
        current = names.index(self.model.name) if self.model.name in names else -1
        return names[(current + direction) % len(names)]

    def reset(self) -> None:
        """Empty text, cursor following the end, knobs at zero, the stabiliser on, first unit selected."""
        if self.input_bias_offset or self.stabiliser_off:
            self.input_bias_offset, self.stabiliser_off = 0.0, False
            self._use_variant()
        self.forget_bias_offset = 0.0
        if self._forget_base is not None:
            self._apply_forget_offset()
        self.selected_unit = 0
        self.pinned_units = None
        self._ranking = None
        self.cursor = None
        self._recompute("", rerun=True)

    # --- forget-bias knob ----------------------------------------------------------------------
    @property
    def has_forget_knob(self) -> bool:
        return self._forget_rows is not None

    def set_forget_bias_offset(self, offset: float) -> None:
        """Shift every unit's forget-gate bias by ``offset`` (from the loaded value) and re-run the text."""
        if not self.has_forget_knob:
            raise UserError(f"{self.model.name} has no learned forget gate to bias")
        self.forget_bias_offset = float(offset)
        self._apply_forget_offset()
        self._recompute(self.text, rerun=True)

    def nudge_forget_bias(self, steps: int) -> None:
        """Move the forget-bias knob by ``steps`` × FORGET_BIAS_STEP."""
        self.set_forget_bias_offset(self.forget_bias_offset + steps * FORGET_BIAS_STEP)

    def _apply_forget_offset(self) -> None:
        for (*_, cell), base in zip(self.model.stack.all_cells(), self._forget_base):
            cell.params["bias_ih"][self._forget_rows] = base + self.forget_bias_offset
        self.model.params_changed()

    # --- the stabiliser and the ĩ knob (sLSTM, mLSTM) -----------------------------------------------
    @property
    def has_stabiliser(self) -> bool:
        return hasattr(self.model.cell, "stabilised")

    def set_stabiliser(self, on: bool) -> None:
        """Switch the stabiliser on or off and re-run the text. Off, the model runs in float32, as GPU
        kernels run it, where exp(ĩ) overflows once ĩ passes ~88.7; on, in the model's own precision."""
        if not self.has_stabiliser:
            raise UserError(f"{self.model.name} has no stabiliser (sLSTM and mLSTM have one)")
        self.stabiliser_off = not on
        self._use_variant()

    def nudge_input_bias(self, steps: int) -> None:
        """Move every exponential input gate's bias by ``steps`` × INPUT_BIAS_STEP and re-run the text."""
        if self.model.cell.input_gate_bias() is None:
            raise UserError(f"{self.model.name} has no exponential input gate (sLSTM and mLSTM have one)")
        self.input_bias_offset += steps * INPUT_BIAS_STEP
        self._use_variant()

    def _use_variant(self) -> None:
        """The source model with the switch and the knob applied: a copy, so the source stays as loaded."""
        source = self.source_model
        if not (self.stabiliser_off or self.input_bias_offset):
            model = source
        else:
            model = source.astype("float32" if self.stabiliser_off else source.cell.dtype)
            for *_, cell in model.stack.all_cells():  # every layer and direction alike
                if self.input_bias_offset:
                    name, rows = cell.input_gate_bias()
                    cell.params[name][rows] += self.input_bias_offset
                cell.stabilised = not self.stabiliser_off
            model.params_changed()
        kept = self.selected_unit, self.pinned_units, self._ranking, self.ranked_over
        self._use_model(self.setup, model, self.setup.label)
        self.selected_unit, self.pinned_units, self._ranking, self.ranked_over = kept

    # --- text ------------------------------------------------------------------------------------
    def _start_for(self, length: int) -> int:
        if length <= self.window:
            return 0
        return -(-(length - self.window) // self.stride) * self.stride

    @property
    def clipped(self) -> bool:
        return self.window_start > 0

    @property
    def length(self) -> int:
        """Steps in the window (what the views show)."""
        return len(self.window_text)

    def set_text(self, text: str) -> int:
        """Make ``text`` the typed text; step the model only from the first changed position.

        Returns the number of model steps taken.
        """
        if text == self.text:
            return 0
        return self._recompute(text)

    def _recompute(self, text: str, *, rerun: bool = False) -> int:
        """Step the model over ``text``'s window, reusing cached steps unless ``rerun`` (new parameters)."""
        self.runs += rerun
        start = self._start_for(len(text))
        window_text = text[start:]
        self.text, self.window_start, self.window_text = text, start, window_text
        # A shifted window usually shares no prefix with the last one; when it does, those steps are the
        # same (the run starts from zero on the window), so LiveRun may keep them. Without the stabiliser,
        # overflow is what the learner came to see: inf and NaN, not warnings.
        with np.errstate(over="ignore", invalid="ignore") if self.stabiliser_off else nullcontext():
            self.last_edit = self._run.set_text(window_text, rerun=rerun)
        steps = self.last_edit.stepped + self.last_edit.rerun
        self.steps_run += steps
        if self.cursor is not None and self.cursor >= self.length:
            self.cursor = None
        return steps

    # --- time cursor and units -------------------------------------------------------------------
    @property
    def step_index(self) -> int | None:
        """The window step the views show: the cursor, or the last step; None before any text."""
        if not self.length:
            return None
        return self.length - 1 if self.cursor is None else self.cursor

    def move_cursor(self, delta: int) -> None:
        if not self.length:
            return
        target = min(max(self.step_index + delta, 0), self.length - 1)
        self.cursor = None if target == self.length - 1 else target

    def cursor_to(self, position: int | None) -> None:
        """Put the cursor on a window step (None or the last step: follow the end)."""
        if position is not None and self.length:
            position = min(max(position, 0), self.length - 1)
            self.cursor = None if position == self.length - 1 else position
        else:
            self.cursor = None

    def select_unit(self, unit: int) -> None:
        self.selected_unit = unit % self.hidden_size

    def find_unit(self, feature: str) -> tuple[str, float] | None:
        """The unit finder: select the unit whose c (h for cells without c) follows ``feature`` (a name in
        ``analysis.units.FEATURES``) most closely over the window. Returns (e.g. "c[28]", correlation), or
        None when the window is too short to correlate anything; a correlation of 0 (the feature does
        not vary in the text) selects nothing."""
        from .analysis.units import feature_values, rank_units

        if self.length < 2:
            return None
        state = "c" if "c" in self.state_names else "h"
        best = rank_units(self.trace(state), feature_values(self.window_text, feature), top=1)[0]
        if best.correlation != 0:  # 0: the feature is constant over the text, and no unit follows it
            self.select_unit(best.unit)
        return f"{state}[{best.unit}]", best.correlation

    def toggle_pin(self, unit: int | None = None) -> None:
        """Add or remove a unit from the units the bars show (an empty pin list goes back to the default)."""
        unit = self.selected_unit if unit is None else unit
        pinned = list(self.pinned_units or [])
        if unit in pinned:
            pinned.remove(unit)
        else:
            pinned.append(unit)
        self.pinned_units = sorted(pinned) or None

    def rank_units(self) -> None:
        """Rank the units by mean |h| over the text so far. The ranking is kept while the learner types,
        so the bars' rows stay put; a new model or a reset ranks again at the next look, and so does
        this call (the learner asking)."""
        activity = np.abs(self.trace("h")).mean(axis=0) if self.length else np.zeros(self.hidden_size)
        self._ranking = np.argsort(-activity, kind="stable").tolist()
        self.ranked_over = self.length

    @property
    def ranking(self) -> tuple[list[int], int] | None:
        """(the units by activity, steps of text they were ranked over), or None until the next look ranks."""
        return None if self._ranking is None else (list(self._ranking), self.ranked_over)

    def restore_ranking(self, ranking: tuple[list[int], int] | None) -> None:
        """Use a ranking made before (a replay restores the recorded one); None: rank at the next look."""
        self._ranking, self.ranked_over = (None, 0) if ranking is None else (list(ranking[0]), ranking[1])

    def set_pins(self, units: list[int] | None) -> None:
        """Pin exactly these units (None or empty: none)."""
        self.pinned_units = sorted({unit % self.hidden_size for unit in units}) if units else None

    def most_active_units(self, count: int) -> list[int]:
        """The ``count`` units with the largest mean |h| when the units were last ranked, in unit order."""
        if self._ranking is None:
            self.rank_units()
        return sorted(self._ranking[: max(0, min(count, self.hidden_size))])

    def shown_units(self, count: int) -> list[int]:
        """Units for the bars: the pinned ones if any, else the most active; the selected one always in."""
        units = list(self.pinned_units) if self.pinned_units else self.most_active_units(count)
        units = units[:count]
        if count and self.selected_unit not in units:
            units = sorted(units[: count - 1] + [self.selected_unit])
        return units

    # --- traces ----------------------------------------------------------------------------------------
    def trace(self, name: str) -> np.ndarray:
        """(length, H): the named quantity of the shown cell at every step of the window, in text order
        (a view, do not modify)."""
        return self._run.trace(self.layer, self.direction)[name]

    def step_trace(self, step: int | None = None) -> dict[str, np.ndarray]:
        step = self.step_index if step is None else step
        trace = self._run.trace(self.layer, self.direction)
        return {name: trace[name][step] for name in self.trace_names}

    def state_after(self, step: int) -> dict[str, np.ndarray]:
        """The whole state after ``step`` (every state the cell keeps, traced or not: mLSTM's C too)."""
        return self._run.state_after(step, self.layer, self.direction)

    def previous_state(self, name: str, step: int) -> np.ndarray:
        """The state ``name`` the shown cell held before it read ``step``: the step before in its reading
        order (for a reverse direction, the one after in the text); zeros at the start."""
        return self._run.state_before(step, self.layer, self.direction)[name]

    @property
    def in_vocab(self) -> np.ndarray:
        return self._run.in_vocab

    @property
    def out_of_vocabulary(self) -> int:
        return int(self.length - self.in_vocab.sum())

    def predictions(self, count: int = 5) -> list[tuple[str, float]]:
        """Top next-character guesses after the shown step ([] without an output layer or text)."""
        step = self.step_index
        if self._run.probabilities is None or step is None:
            return []
        return self.model.top_predictions(self._run.probabilities[step], count)

    @property
    def has_predictions(self) -> bool:
        return self.model.output is not None

    # --- attribution ---------------------------------------------------------------------------------------
    def attribution(self, target: int | None = None):
        """How much each character of the window drives the shown step's prediction (or output, without an
        output layer): ``analysis.attribution.attribute`` on the run as it stands, cached until the next
        change. None before any text."""
        from .analysis.attribution import attribute

        step = self.step_index
        if step is None:
            return None
        # the parameters (runs: a new model, a knob, a reset), the window's text, the step and the target
        key = (self.runs, self.window_start, self.window_text, step, target)
        if self._attribution is None or self._attribution[0] != key:
            self._attribution = (key, attribute(self.model, self._run.result(), step, target))
        return self._attribution[1]

    @property
    def probabilities(self) -> np.ndarray | None:
        """(length, V): the next-character distribution after each step of the window (a view), or None
        without an output layer."""
        return self._run.probabilities

    def probabilities_of(self, char: str) -> np.ndarray:
        """The model's probability that ``char`` comes next, after each step of the window (zeros without an
        output layer or for a character outside the vocabulary)."""
        index = self.model.vocab.index(char)
        probabilities = self.probabilities
        if probabilities is None or index < 0:
            return np.zeros(self.length)
        return probabilities[:, index]

    # --- display scales ----------------------------------------------------------------------------
    def value_range(self, name: str) -> tuple[float, float]:
        """The fixed display range of a traced quantity, from the kind of value its equation gives it:
        gates 0..1, tanh results −1..1, a blend the range of what it mixes in; anything else (a cell
        state, a linear candidate) is drawn on ±UNBOUNDED_RANGE and clipped there."""
        return self._ranges[name]

    # --- equations with numbers ------------------------------------------------------------------------
    def equation_lines(self, unit: int | None = None, step: int | None = None) -> list[EquationLine]:
        """The active cell's equations with the selected unit's numbers at the shown step (see
        ``model.equations.worked_line``); lines whose target is not traced are shown as text."""
        unit = self.selected_unit if unit is None else unit
        step = self.step_index if step is None else step
        if step is None:
            return [EquationLine(equation) for equation in self.equations]
        return [self._equation_line(equation, unit, step) for equation in self.equations]

    def widest_equation_lines(self) -> list[EquationLine]:
        """Each equation with the widest numbers it usually shows (``model.equations.widest_line``): a view
        lays the lines out on these once for all steps."""
        return self._widest_lines

    def _equation_line(self, equation: Equation, unit: int, step: int) -> EquationLine:
        if equation.target not in self.trace_names:
            return EquationLine(equation)

        trace = self._run.trace(self.layer, self.direction)

        def number_of(operand: Value) -> float | None:
            if operand.name not in self.trace_names:
                return None
            if not operand.previous:
                return float(trace[operand.name][step, unit])
            # a state with one value per unit: its value entering the step (mLSTM's m is one per head)
            if self._initial.get(operand.name, np.empty(0)).shape[-1:] == (self.hidden_size,):
                return float(self.previous_state(operand.name, step)[unit])
            return None

        return worked_line(equation, float(trace[equation.target][step, unit]), number_of)
        return worked_line(equation, float(self._arrays[equation.target][step, unit]), number_of)

    # --- memory half-life and the parallel form (computed only for the views that show them) ---------------
    def memory_readings(self):
        """Each unit's memory decay at the shown step and both half-life readings of it
        (``analysis.memory``); None for a cell without a decay (the plain RNN) or before any text."""
        from .analysis.memory import memory_readings

        step = self.step_index
        if step is None:
            return None
        trace = {name: self.trace(name) for name in self.trace_names}
        with np.errstate(over="ignore", invalid="ignore"):  # an overflowed run (stabiliser off) gives NaN
            return memory_readings(self.model.cell, trace, self._initial, step)

    @property
    def has_parallel_form(self) -> bool:
        """A one-cell model whose cell has a parallel form (a stacked model's upper layers read no text)."""
        return self.model.stack.is_single and hasattr(self.model.cell, "parallel_forward")

    def scan_comparison(self):
        """The parallel form beside the step loop on the text up to the shown step
        (``analysis.parallel.compare_scans``), cached until the text, the step, the unit or the model
        change; None for a cell without a parallel form or before any text."""
        from .analysis.parallel import compare_scans

        step = self.step_index
        if step is None or not self.has_parallel_form:
            return None
        text = self.window_text[: step + 1]
        key = (self.runs, self.window_start, text, self.selected_unit)
        if self._scans is None or self._scans[0] != key:
            split = len(text) // 2
            state = self.state_after(split - 1) if split else None
            self._scans = key, compare_scans(self.model, text, self.trace("h")[: step + 1], state, self.selected_unit)
        return self._scans[1]
