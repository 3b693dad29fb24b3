"""Recording a live panel from the app, and playing a recording back into one.

shift+F5 in a panel starts a ``recording.Recorder`` on its session; ``observe`` runs after each redraw
(``ExplorerPanel.on_drawn``: one event group per frame drawn) and when the input's cursor moves, and
shift+F5 again saves the recording as a new JSON file in the export folder
(``screen_export.export_folder``). ``play_recording`` applies a recording's
events to a panel at their recorded times (``lstm-tui replay FILE --app``), one frame per group of events,
so the panel draws what the recorded one drew, frame for frame.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from ..errors import UserError
from ..limits import MAX_RECORDING_BYTES, MAX_RECORDING_EVENTS

if TYPE_CHECKING:
    from ..recording import Recording
    from .explorer_panel import ExplorerPanel


def observe(panel: ExplorerPanel, *, caret_moved: bool = False) -> None:
    """After a frame, or the input's cursor moving: add what changed to the panel's recording; at the size
    limit, stop and save it. The cursor is looked at only when it moved: Input moves it after the edit a
    frame is drawn for, and a replay puts it where an edit leaves it anyway."""
    recorder = panel.recorder
    caret = _caret(panel) if caret_moved else None
    recorder.observe(panel.session, panel.views_shown, panel.plot_gates_shown, panel.model_spans, caret)
    if len(recorder.recording.events) >= MAX_RECORDING_EVENTS - 20:  # one frame adds at most ~10 events
        toggle_recording(panel)


def _caret(panel: ExplorerPanel) -> int | None:
    return panel.input.cursor_position if panel.own_input else None


def toggle_recording(panel: ExplorerPanel) -> None:
    """Start recording the panel, or stop and save the recording (a notice says where)."""
    if panel.recorder is None:
        _start(panel)
    else:
        _stop(panel)


def _start(panel: ExplorerPanel) -> None:
    from ..recording import Recorder

    try:
        panel.recorder = Recorder(
            panel.session,
            panel.views_shown,
            panel.plot_gates_shown,
            tuple(panel.app.size),
            marks=panel.model_spans,
            caret=_caret(panel),
        )
    except UserError as error:
        panel.notify(f"cannot record: {error}", severity="warning", timeout=5)
        return
    panel.on_drawn.append(observe)
    panel.notify("recording the panel: shift+F5 stops and saves it", timeout=4)


def _stop(panel: ExplorerPanel) -> None:
    from ..safe_files import write_new
    from ..screen_export import export_folder

    recording, panel.recorder = panel.recorder.recording, None
    panel.on_drawn.remove(observe)
    data = recording.to_json().encode("utf-8")
    if len(data) > MAX_RECORDING_BYTES:
        panel.notify(
            f"the recording is {len(data):,} bytes, over {MAX_RECORDING_BYTES:,} (a long paste?): not saved",
            severity="error",
            timeout=6,
        )
        return
    try:
        folder = export_folder(getattr(panel.app, "export_dir", None))
        (path,) = write_new(folder, time.strftime("lstm-tui-recording-%Y%m%d-%H%M%S"), {".json": data})
    except UserError as error:
        panel.notify(str(error), severity="error", timeout=6)
        return
    seconds = recording.duration_ms / 1000
    panel.notify(f"saved {len(recording.events)} events ({seconds:.0f} s, {len(data):,} bytes) as {path}", timeout=8)


class PanelPlayer:
    """Applies a recording's events to a live panel (whose session is on the recording's model, window and
    text: the setup ``Replay`` gives), drawing one frame per group of events that share a time."""

    def __init__(self, panel: ExplorerPanel, recording: Recording, weights: str | None = None):
        from ..recording import Replay

        self.panel = panel
        self.replay = Replay(recording, weights, session=panel.session)
        self.groups = _groups(recording.events)
        self.played = 0  # groups applied
        self._show()

    def _show(self) -> None:
        replay = self.replay
        self.panel.show_replayed(replay.views, replay.plot_gates, replay.marks, replay.caret)

    @property
    def done(self) -> bool:
        return self.played >= len(self.groups)

    def next_time_ms(self) -> int:
        return self.replay.recording.events[self.groups[self.played][0]][0]

    def play_group(self) -> None:
        """Apply the next group of events and draw the panel once."""
        first, end = self.groups[self.played]
        self.played += 1
        while self.replay.position < end:
            self.replay.step()
        self._show()


def _groups(events: list) -> list[tuple[int, int]]:
    """(first, end) indices of the runs of events that share a time (what one frame of the recording changed)."""
    groups: list[tuple[int, int]] = []
    for index, event in enumerate(events):
        if groups and events[groups[-1][0]][0] == event[0]:
            groups[-1] = (groups[-1][0], index + 1)
        else:
            groups.append((index, index + 1))
    return groups


async def play_recording(app, recording: Recording, weights: str | None, speed: float, panel=None) -> None:
    """Play ``recording`` into ``panel`` (default: the app's) at its pace (÷ ``speed``; 0: at once), then
    leave the panel live."""
    panel = panel or app.focused_panel()
    await panel.wait_until_ready()
    try:
        player = PanelPlayer(panel, recording, weights)
    except UserError as error:
        app.notify(str(error), severity="error", timeout=8)
        return
    if recording.size is not None and tuple(recording.size) != tuple(app.size):
        columns, rows = recording.size
        app.notify(f"recorded at {columns}x{rows}; this terminal is {app.size.width}x{app.size.height}", timeout=5)
    start = time.monotonic()
    while not player.done:
        if speed:
            await asyncio.sleep(max(0.0, start + player.next_time_ms() / 1000 / speed - time.monotonic()))
        player.play_group()
        await asyncio.sleep(0)  # let the frame out
    app.notify("replay done: the panel is live again", timeout=4)
