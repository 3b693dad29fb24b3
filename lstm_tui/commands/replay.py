"""``lstm-tui replay FILE``: replay a recording of the live panel, as lines of text at the recorded pace."""

from __future__ import annotations

import time

from ..errors import UserError
from .options import parse_number

HELP = (
    "replay a recording of the live panel at the recorded pace: what each key did, with its unit's states, "
    "or with --app in the panel itself"
)
MAX_SPEED = 1000.0
TEXT_TAIL = 24  # characters of the typed text each line shows


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", help="a recording (.json)")
    parser.add_argument(
        "--speed",
        metavar="X",
        help=f"how many times faster than recorded, up to {MAX_SPEED:g}; 0: no waiting (default 1)",
    )
    parser.add_argument(
        "--weights",
        metavar="FILE",
        help="where the recording's weights file is now, if it moved (its sha256 is checked)",
    )
    parser.add_argument(
        "--app",
        action="store_true",
        help="play it in the app's live panel, frame for frame (then the panel is yours to type in)",
    )


def run(args) -> int:
    from ..recording import Replay, read_recording

    speed = parse_number("--speed", args.speed, float)
    speed = 1.0 if speed is None else speed
    if not 0 <= speed <= MAX_SPEED:
        raise UserError(f"--speed must be from 0 to {MAX_SPEED:g}, not {args.speed}")
    recording = read_recording(args.file)
    replay = Replay(recording, weights=args.weights)
    if args.app:
        return _run_in_app(args, recording, replay, speed)
    seconds = recording.duration_ms / 1000
    print(f"{describe_model(replay.session)}, {len(recording.events)} events over {seconds:.1f} s", flush=True)
    start = time.monotonic()
    while not replay.done:
        event = recording.events[replay.position]
        if speed:
            time.sleep(max(0.0, start + event[0] / 1000 / speed - time.monotonic()))
        replay.step()
        print(event_line(event, replay), flush=True)
    return 0


def _run_in_app(args, recording, replay, speed: float) -> int:
    from functools import partial

    from ..app import LstmApp, ascii_wanted
    from ..widgets.panel_recording import play_recording

    app = LstmApp(
        replay.setup,
        window=recording.window,
        ascii_mode=ascii_wanted(args),
        light=args.light,
        export_dir=args.export_dir,
        playback=partial(play_recording, recording=recording, weights=args.weights, speed=speed),
    )
    return app.run_or_raise(mouse=not args.no_mouse)


def describe_model(session) -> str:
    return f"{session.model.name}, {session.hidden_size} units, {model_source(session.setup)}"


def model_source(setup) -> str:
    if setup.weights:
        return f"weights {setup.weights}"
    return f"model {setup.model}" if setup.model != "random" else f"seed {setup.seed}"


def event_line(event: list, replay) -> str:
    """The time, what the event did, the end of the text and the selected unit's states at the shown step."""
    from ..display import format_signed, shown

    session = replay.session
    what = describe_event(event, session)
    tail = session.text[-TEXT_TAIL:]
    step, unit = session.step_index, session.selected_unit
    values = {} if step is None else session.step_trace(step)
    states = "  ".join(
        f"{name}[{unit}] {format_signed(values[name][unit], plus=True)}"
        for name in session.state_names
        if name in values
    )
    return f"{event[0] / 1000:7.2f} s  {shown(what):<24.24} {shown(tail):<{TEXT_TAIL}}  {states}".rstrip()


def describe_event(event: list, session) -> str:
    kind, values = event[1], event[2:]
    if kind == "edit":
        start, end, inserted = values
        if start == end:
            return f"typed {inserted!r}" if len(inserted) == 1 else f"pasted {len(inserted)} characters"
        return f"deleted {end - start}" if not inserted else f"replaced {end - start} with {inserted!r}"
    if kind == "cursor":
        return "live" if values[0] is None else f"cursor to step {values[0]}"
    if kind == "pins":
        return "no pins" if not values[0] else "pins " + ", ".join(map(str, values[0]))
    if kind == "forget_bias":
        return f"forget bias {values[0]:+.2f}"
    if kind == "view":
        return "views " + ", ".join(values[0])
    if kind == "plot_gates":
        return "plot gates " + ("on" if values[0] else "off")
    if kind == "model":
        return f"{session.model.name}, {model_source(session.setup)}"
    if kind == "ranking":
        return "units ranked" if values[0] is not None else "ranking cleared"
    if kind == "marks":
        return "the model wrote"
    if kind == "caret":
        return f"input cursor to {values[0]}"
    return f"unit {values[0]}"
