"""Record and replay: what happened in a live panel, as a small JSON file, and the replay of it.

A recording is the model it ran, the panel's settings and a list of timed events, each what one key (or
paste) changed:

    {"format": "lstm-tui recording", "version": 1,
     "model": {"cell": "lstm", "model": "random", "hidden": 16, "seed": 0},
     "window": 512, "text": "", "view": "gates",
     "events": [
       [412, "edit", 0, 0, "T"],          ms since the start, then what changed:
       [650, "edit", 1, 1, "h"],          text[start:end] replaced by the string (typing, deleting, pasting)
       [1900, "cursor", 0],               the time cursor (null: follow the last step)
       [2100, "unit", 3],                 the selected unit
       [2300, "pins", [3, 7]],            the pinned units (null: none)
       [2500, "forget_bias", 0.5],        the forget-bias knob
       [2700, "view", ["gates", "heat"]], the views shown
       [2900, "plot_gates", true],        gates drawn in the plot
       [3000, "ranking", [3, 0, 2, 1], 12], the bars' ranking of the units and the steps it was made over
       [3050, "marks", [[4, 44]]],        the text the model wrote (Insert): spans, moved by later edits
       [3200, "caret", 2],                the input's cursor, where an edit did not leave it (home, ←, …)
       [3100, "model", {"cell": "gru", "model": "random", "hidden": 16, "seed": 0}]]}

A model is a random one (cell, hidden, seed), a shipped one (model) or a weights file (weights, with the
file's sha256: a replay refuses another file). No pickle anywhere; a minute of typing is a few kilobytes.

``Recorder`` watches a ``Session`` (call ``observe`` after every key) and writes the events; ``read_recording``
checks a file completely, and bounds the cost of replaying it, before anything runs; ``Replay`` applies the
events to a fresh ``Session``, which then holds exactly the states the recorded one held. Plain Python and
the session: no terminal code.
"""

from __future__ import annotations

import hashlib
import json
import math
import stat
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from .display import shown
from .errors import UserError
from .limits import (
    MAX_HIDDEN,
    MAX_RECORDING_BYTES,
    MAX_RECORDING_EVENTS,
    MAX_RECORDING_MS,
    MAX_REPLAY_STEPS,
    MAX_WINDOW,
)
from .panel_setup import VIEWS, PanelSetup, check_random_setup
from .safe_files import write_atomic
from .text_spans import edit_between, spans_after_edit

FORMAT = "lstm-tui recording"
VERSION = 1
PANEL_VIEWS = tuple(view for view in VIEWS if view != "gradients")
# Each kind of event and the types of what follows its time (for messages and checks).
EVENT_KINDS = {
    "edit": "start, end, text",
    "cursor": "a step or null",
    "unit": "a unit",
    "pins": "a list of units or null",
    "forget_bias": "a number",
    "view": "a list of views",
    "plot_gates": "true or false",
    "ranking": "the units in order and the steps ranked over, or null",
    "model": "a model object",
    "marks": "a list of [start, end] spans inside the text, in order",
    "caret": "a position in the text",
}


@dataclass
class Recording:
    model: dict  # the source as stored: {"cell", "model", "hidden", "seed"} or {"weights", "sha256"}
    window: int
    text: str  # in the input when recording started
    views: tuple[str, ...]
    events: list = field(default_factory=list)  # [ms, kind, *values]
    size: tuple[int, int] | None = None  # the terminal's columns and rows, when recorded in the app

    @property
    def duration_ms(self) -> int:
        return self.events[-1][0] if self.events else 0

    def to_json(self) -> str:
        """One event per line, so a recording reads (and diffs) well."""
        head = {
            "format": FORMAT,
            "version": VERSION,
            "model": self.model,
            "window": self.window,
            "text": self.text,
            "view": list(self.views),
        }
        if self.size is not None:
            head["size"] = list(self.size)
        lines = [json.dumps(event, ensure_ascii=False, separators=(",", ":")) for event in self.events]
        body = json.dumps(head, ensure_ascii=False)[:-1]
        return body + ', "events": [\n' + ",\n".join(lines) + "\n]}\n"

    def save(self, path) -> None:
        write_atomic(Path(path), self.to_json().encode("utf-8"))


# --- model sources ---------------------------------------------------------------------------------------
def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def source_of(setup: PanelSetup) -> dict:
    """How a recording names the model of ``setup``; a model that lives only in memory cannot be replayed."""
    if setup.weights:
        path = Path(setup.weights).resolve()
        return {"weights": str(path), "sha256": file_sha256(path)}
    if setup.label:
        raise UserError(f"the model {shown(setup.label)} is not saved in a file, so a recording could not replay it")
    if setup.model != "random":
        return {"model": setup.model}
    return {"cell": setup.cell, "model": "random", "hidden": setup.hidden, "seed": setup.seed}


def setup_of(source: dict, where: str, weights: str | None = None) -> PanelSetup:
    """The panel setup a stored source describes (checked); ``weights``: where a weights file is now."""
    if not isinstance(source, dict):
        raise UserError(f"{where}: the model must be an object")
    if "weights" in source:
        _expect_keys(source, {"weights", "sha256"}, where)
        if not isinstance(source["weights"], str) or not isinstance(source["sha256"], str):
            raise UserError(f"{where}: weights and sha256 must be strings")
        return PanelSetup(weights=weights or source["weights"])
    if source.get("model", "random") != "random":
        _expect_keys(source, {"model"}, where)
        from .models import shipped_names

        if source["model"] not in shipped_names():
            raise UserError(f"{where}: no shipped model {shown(source['model'])!r}")
        return PanelSetup(model=source["model"])
    _expect_keys(source, {"cell", "model", "hidden", "seed"}, where)
    if not (isinstance(source["cell"], str) and _is_int(source["hidden"]) and _is_int(source["seed"])):
        raise UserError(f"{where}: a random model has a cell name, a hidden size and a seed")
    setup = PanelSetup(cell=source["cell"], hidden=source["hidden"], seed=source["seed"])
    try:
        check_random_setup(setup)
    except UserError as error:
        raise UserError(f"{where}: {error}") from None
    return setup


def _expect_keys(source: dict, keys: set, where: str) -> None:
    if set(source) != keys:
        raise UserError(f"{where}: the model must have exactly the keys {', '.join(sorted(keys))}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- recording ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Seen:
    """What the recorder saw last: every part of the panel an event can change."""

    source: dict
    text: str
    cursor: int | None
    unit: int
    pins: list | None
    forget_bias: float
    views: tuple[str, ...]
    plot_gates: bool
    ranking: tuple | None
    marks: tuple = ()
    caret: int | None = None


class Recorder:
    """Turns what a panel does into a ``Recording``: call ``observe`` after every key, with the views shown,
    whether the plot shows gates, the spans of the text the model wrote (``marks``) and where the input's
    cursor is (``caret``; None: not recorded)."""

    def __init__(
        self,
        session,
        views=("gates",),
        plot_gates: bool = False,
        size=None,
        clock=time.monotonic,
        marks=(),
        caret: int | None = None,
    ):
        self.clock = clock
        self.start = clock()
        now = self._look(session, views, plot_gates, marks, caret)
        self.recording = Recording(now.source, session.window, now.text, now.views, [], size)
        # A replay starts from a fresh session: what differs from one is recorded as events at 0 ms.
        self.seen = _Seen(now.source, now.text, None, 0, None, 0.0, now.views, False, None, (), len(now.text))
        self.observe(session, views, plot_gates, marks, caret)

    @staticmethod
    def _look(session, views, plot_gates, marks, caret) -> _Seen:
        return _Seen(
            source_of(session.setup),
            session.text,
            session.cursor,
            session.selected_unit,
            list(session.pinned_units) if session.pinned_units else None,
            session.forget_bias_offset,
            tuple(view for view in PANEL_VIEWS if view in views),
            bool(plot_gates),
            session.ranking,
            tuple(tuple(span) for span in marks),
            caret,
        )

    def observe(self, session, views=("gates",), plot_gates: bool = False, marks=(), caret=None) -> int:
        """Add an event for each thing that changed since the last look; returns how many."""
        now = self._look(session, views, plot_gates, marks, caret)
        before, at = self.seen, round((self.clock() - self.start) * 1000)
        if self.recording.events:  # each look's events get a time of their own: a replay draws them as one frame
            at = max(at, self.recording.duration_ms + 1)
        events = []
        if now.source != before.source:
            events.append(["model", now.source])
        if now.forget_bias != before.forget_bias:
            events.append(["forget_bias", now.forget_bias])
        # the marks and the caret as the edit alone leaves them (a replay moves them the same way)
        marks, caret = before.marks, before.caret
        if now.text != before.text:
            edit = edit_between(before.text, now.text)
            events.append(["edit", *edit])
            marks, caret = spans_after_edit(marks, *edit), edit[0] + len(edit[2])
        if now.caret is not None and now.caret != caret:
            events.append(["caret", now.caret])
        else:
            now = replace(now, caret=caret)
        for kind, value, old in (
            ("cursor", now.cursor, before.cursor),
            ("unit", now.unit, before.unit),
            ("pins", now.pins, before.pins),
            ("view", list(now.views), list(before.views)),
            ("plot_gates", now.plot_gates, before.plot_gates),
        ):
            if value != old:
                events.append([kind, value])
        if now.marks != marks:
            events.append(["marks", [list(span) for span in now.marks]])
        if now.ranking != before.ranking:  # last: the views ranked the units after this key's changes
            events.append(["ranking", *(now.ranking or [None])])
        self.recording.events += [[at, *event] for event in events]
        self.seen = now
        return len(events)


# --- reading -------------------------------------------------------------------------------------------
def read_recording(path) -> Recording:
    """Read and check a recording file completely (one-line errors naming the file and the event), and
    bound what replaying it costs, before anything is replayed."""
    path = Path(path)
    where = shown(path)
    try:
        info = path.stat()
        if stat.S_ISREG(info.st_mode) and info.st_size <= MAX_RECORDING_BYTES:
            text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:  # UnicodeDecodeError has no strerror
        raise UserError(f"{where}: cannot read it ({getattr(error, 'strerror', None) or error})") from None
    if not stat.S_ISREG(info.st_mode):
        raise UserError(f"{where}: not a regular file")
    if info.st_size > MAX_RECORDING_BYTES:
        raise UserError(f"{where}: {info.st_size:,} bytes; a recording is at most {MAX_RECORDING_BYTES:,}")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as error:
        raise UserError(f"{where}: not JSON ({str(error).splitlines()[0][:100]})") from None
    except RecursionError:
        raise UserError(f"{where}: not JSON this app reads (nested too deeply)") from None
    return parse_recording(data, where)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON knows")


def parse_recording(data, where: str) -> Recording:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError(f'{where}: not an lstm-tui recording (no "format": "{FORMAT}")')
    if data.get("version") != VERSION:
        raise UserError(
            f"{where}: recording version {shown(data.get('version'))}; this lstm-tui reads version {VERSION}"
        )
    allowed = {"format", "version", "model", "window", "text", "view", "events", "size"}
    extra = sorted(set(data) - allowed)
    if extra:
        raise UserError(f"{where}: unexpected key {shown(extra[0])!r}")
    setup_of(data.get("model"), f"{where}: model")
    window = data.get("window")
    if not (_is_int(window) and 1 <= window <= MAX_WINDOW):
        raise UserError(f"{where}: window must be a whole number from 1 to {MAX_WINDOW}")
    text = data.get("text")
    if not isinstance(text, str):
        raise UserError(f"{where}: text must be a string")
    views = _views(data.get("view"), f"{where}: view")
    size = data.get("size")
    sized = isinstance(size, list) and len(size) == 2 and all(_is_int(n) and 1 <= n <= 1000 for n in size)
    if size is not None and not sized:
        raise UserError(f"{where}: size must be [columns, rows]")
    events = data.get("events")
    if not isinstance(events, list):
        raise UserError(f"{where}: events must be a list")
    if len(events) > MAX_RECORDING_EVENTS:
        raise UserError(f"{where}: {len(events):,} events; a recording holds at most {MAX_RECORDING_EVENTS:,}")
    recording = Recording(data["model"], window, text, views, events, tuple(size) if size else None)
    _check_events(recording, where)
    return recording


def _views(value, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(view, str) and view in PANEL_VIEWS for view in value):
        raise UserError(f"{where}: a list of views, each one of {', '.join(PANEL_VIEWS)}")
    return tuple(value)


def _check_events(recording: Recording, where: str) -> None:
    """Every event well formed, times in order, edits inside the text; the replay's model steps counted."""
    length, window, last, steps = len(recording.text), recording.window, 0, min(len(recording.text), recording.window)
    for number, event in enumerate(recording.events, 1):
        at = f"{where}: event {number}"
        if not (isinstance(event, list) and len(event) >= 2 and _is_int(event[0]) and isinstance(event[1], str)):
            raise UserError(f"{at}: an event is [milliseconds, kind, …]")
        ms, kind, values = event[0], event[1], event[2:]
        if not last <= ms <= MAX_RECORDING_MS:
            raise UserError(f"{at}: its time {ms} ms is before the event before it, or past {MAX_RECORDING_MS:,} ms")
        last = ms
        if kind not in EVENT_KINDS:
            raise UserError(f"{at}: unknown kind {shown(kind)!r}; kinds are {', '.join(EVENT_KINDS)}")
        if not _well_formed(kind, values, length):
            long = f" (the text is {length} long)" if kind == "edit" else ""
            raise UserError(f"{at}: {kind} takes {EVENT_KINDS[kind]}{long}")
        if kind == "model":
            setup_of(values[0], f"{at}: model")
        if kind == "edit":
            start, end, inserted = values
            length += len(inserted) - (end - start)
            steps += min(window, max(length - start, 0) + 4)  # +4: past the window, it runs again every window/4 keys
        elif kind in ("model", "forget_bias"):
            steps += min(window, length)  # the whole window runs again
        if steps > MAX_REPLAY_STEPS:
            raise UserError(f"{at}: replaying would take more than {MAX_REPLAY_STEPS:,} model steps")


def _well_formed(kind: str, values: list, length: int) -> bool:
    if kind == "ranking" and len(values) == 2:
        units, over = values
        return (
            isinstance(units, list)
            and len(units) <= MAX_HIDDEN
            and sorted(units) == list(range(len(units)))
            and _is_int(over)
            and over >= 0
        )
    if kind == "edit":
        return (
            len(values) == 3
            and _is_int(values[0])
            and _is_int(values[1])
            and isinstance(values[2], str)
            and 0 <= values[0] <= values[1] <= length
        )
    if len(values) != 1:
        return False
    value = values[0]
    if kind == "cursor":
        return value is None or (_is_int(value) and value >= 0)
    if kind == "unit":
        return _is_int(value) and value >= 0
    if kind == "pins":
        return value is None or (
            isinstance(value, list) and len(value) <= 1024 and all(_is_int(v) and v >= 0 for v in value)
        )
    if kind == "forget_bias":
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return number and math.isfinite(value) and abs(value) <= 100
    if kind == "view":
        return isinstance(value, list) and all(isinstance(view, str) and view in PANEL_VIEWS for view in value)
    if kind == "plot_gates":
        return isinstance(value, bool)
    if kind == "marks":
        return isinstance(value, list) and _are_spans(value, length)
    if kind == "caret":
        return _is_int(value) and 0 <= value <= length
    return kind == "model" or (kind == "ranking" and value is None)


def _are_spans(value: list, length: int) -> bool:
    """[start, end] pairs, each non-empty, in order without overlap, inside a text of ``length``."""
    last = 0
    for span in value:
        if not (isinstance(span, list) and len(span) == 2 and _is_int(span[0]) and _is_int(span[1])):
            return False
        if not last <= span[0] < span[1] <= length:
            return False
        last = span[1]
    return True


# --- replaying -------------------------------------------------------------------------------------------
class Replay:
    """A fresh session on the recording's model, stepped through its events one at a time."""

    def __init__(self, recording: Recording, weights: str | None = None, session=None):
        """``session``: one to replay onto (a live panel's), already on the recording's model, window and
        text, as ``setup`` gives them; by default a fresh one."""
        from .session import Session

        self.recording = recording
        self.weights = weights  # where the recording's weights file is now, if it moved
        self.setup = replace(self._setup(recording.model, "the recording's model"), text=recording.text)
        if session is None:
            session = Session(self.setup, window=recording.window)
            session.set_text(recording.text)
        self.session = session
        self.views = recording.views
        self.plot_gates = False
        self.marks: tuple[tuple[int, int], ...] = ()
        self.caret = len(recording.text)  # where the input's cursor is
        self.position = 0  # events applied

    def _setup(self, source: dict, where: str) -> PanelSetup:
        setup = setup_of(source, where, self.weights)
        if setup.weights:
            path = Path(setup.weights)
            if not path.is_file():
                raise UserError(f"{where} is the weights file {shown(path)}, which is not there (give --weights FILE)")
            if file_sha256(path) != source["sha256"]:
                raise UserError(
                    f"{shown(path)} is not the weights file the recording was made with (its sha256 differs)"
                )
        return setup

    @property
    def done(self) -> bool:
        return self.position >= len(self.recording.events)

    def step(self) -> list:
        """Apply the next event; returns it."""
        event = self.recording.events[self.position]
        self.position += 1
        kind, values, session = event[1], event[2:], self.session
        if kind == "edit":
            start, end, inserted = values
            session.set_text(session.text[:start] + inserted + session.text[end:])
            self.marks = spans_after_edit(self.marks, start, end, inserted)
            self.caret = start + len(inserted)
        elif kind == "marks":
            self.marks = tuple(tuple(span) for span in values[0])
        elif kind == "caret":
            self.caret = values[0]
        elif kind == "cursor":
            session.cursor_to(values[0])
        elif kind == "unit":
            session.select_unit(values[0])
        elif kind == "pins":
            session.set_pins(values[0])
        elif kind == "forget_bias":
            if session.has_forget_knob:
                session.set_forget_bias_offset(values[0])
        elif kind == "view":
            self.views = tuple(values[0])
        elif kind == "plot_gates":
            self.plot_gates = values[0]
        elif kind == "ranking":
            if values[0] is not None and len(values[0]) != session.hidden_size:
                raise UserError(
                    f"event {self.position} ranks {len(values[0])} units; the model has {session.hidden_size}"
                )
            session.restore_ranking(None if values[0] is None else (values[0], values[1]))
        elif kind == "model":
            session.load(replace(self._setup(values[0], f"event {self.position}'s model"), text=session.text))
        return event

    def run(self) -> Replay:
        while not self.done:
            self.step()
        return self
